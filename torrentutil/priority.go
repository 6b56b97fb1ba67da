package torrentutil

const (
	// tailBytes is fetched first from the end of the file: MP4 moov and
	// Matroska Cues live there and players ask for them right after the
	// first bytes. A two-hour film's moov is a few MiB.
	tailBytes = 4 << 20
	// readaheadMin and readaheadMax bound a reader's window. The library's
	// default grows without bound with contiguous reads.
	readaheadMin = 4 << 20
	readaheadMax = 64 << 20
)

// span is a half-open range of piece indices [begin, end).
type span struct{ begin, end int }

// pieceSpan returns the pieces holding the torrent bytes [off, off+n).
// An empty extent gives an empty span.
func pieceSpan(off, n, pieceLen int64) span {
	if n <= 0 || pieceLen <= 0 {
		return span{}
	}
	return span{int(off / pieceLen), int((off + n + pieceLen - 1) / pieceLen)}
}

// tailSpan returns the pieces holding the last tail bytes of the file that
// starts at fileOff and is fileLen long.
func tailSpan(fileOff, fileLen, pieceLen, tail int64) span {
	tail = min(tail, fileLen)
	return pieceSpan(fileOff+fileLen-tail, tail, pieceLen)
}

// clampReadahead bounds the library's default readahead (the bytes read
// contiguously since the last seek) to [readaheadMin, readaheadMax], and to
// the file size.
func clampReadahead(contiguous, size int64) int64 {
	return min(max(contiguous, readaheadMin), readaheadMax, max(size, 0))
}
