package plan

import "time"

const (
	// WindowDuration is how much playback ahead of each head is boosted,
	// within [readaheadMin, readaheadMax] bytes.
	WindowDuration = 30 * time.Second
	// readaheadMin and readaheadMax bound a reader's window. The library's
	// default grows without bound with contiguous reads.
	readaheadMin = 4 << 20
	readaheadMax = 64 << 20
)

// Window is one head's claim: from Pos, Reach bytes of the file. Lead is
// how far the player's play position is behind Pos (what the player has
// read and not played yet, when it says where it plays): due times count
// from Pos-Lead. Zero counts them from Pos, as if the player played what
// it reads at once.
type Window struct {
	Pos, Reach int64
	Lead       int64
}

// WindowBytes is how far ahead of a head the window reaches at bitrate
// bytes per second: WindowDuration of playback, bounded in bytes, and never
// less than two pieces so that the next piece is asked for in time.
func WindowBytes(bitrate float64, pieceLen int64) int64 {
	w := int64(bitrate * WindowDuration.Seconds())
	return max(min(max(w, readaheadMin), readaheadMax), 2*pieceLen)
}

// ClampReadahead bounds the library's default readahead (the bytes read
// contiguously since the last seek) to [readaheadMin, readaheadMax], and to
// the file size.
func ClampReadahead(contiguous, size int64) int64 {
	return min(max(contiguous, readaheadMin), readaheadMax, max(size, 0))
}
