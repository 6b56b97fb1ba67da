package torrentutil

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/btstream/btstream/torrentutil/media"
)

const (
	// defaultBitrate is assumed until the container or the player tells
	// better: 8 Mbit/s, more than most films need, so that windows err long
	// and an early start errs late.
	defaultBitrate = 1 << 20
	// durationRetry spaces attempts to read the container's duration while
	// its bytes arrive.
	durationRetry = 500 * time.Millisecond
)

// bitrateSource says where a bitrate estimate comes from, best last.
type bitrateSource int

const (
	bitrateDefault   bitrateSource = iota // nothing known yet
	bitrateObserved                       // the players' mean consumption
	bitrateContainer                      // file size over the container's duration
)

// bitrateState caches what the container says about the file's duration.
type bitrateState struct {
	mu     sync.Mutex
	dur    time.Duration // 0 until known
	next   time.Time     // no new attempt before this
	failed bool          // the container has no duration: stop trying
}

// estimateBitrate picks the best playback bitrate estimate for a file of
// size bytes: from its duration when known, else from the heads' observed
// consumption (the fastest head: players read at least as fast as they
// play), else defaultBitrate.
func estimateBitrate(size int64, dur time.Duration, consumption []float64) (float64, bitrateSource) {
	if dur > 0 && size > 0 {
		return float64(size) / dur.Seconds(), bitrateContainer
	}
	best := 0.0
	for _, c := range consumption {
		best = max(best, c)
	}
	if best > 0 {
		return best, bitrateObserved
	}
	return defaultBitrate, bitrateDefault
}

// bitrate returns the file's playback bitrate estimate, bytes per second.
// It reads the container's duration from fetched bytes once they are there.
func (f *File) bitrate(now time.Time, hs []head) (float64, bitrateSource) {
	var cs []float64
	for _, h := range hs {
		cs = append(cs, h.consumption(now))
	}
	return estimateBitrate(f.f.Length(), f.duration(now), cs)
}

// duration returns the container's duration, or 0 while it is unknown.
func (f *File) duration(now time.Time) time.Duration {
	e := &f.est
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.dur > 0 || e.failed || now.Before(e.next) {
		return e.dur
	}
	d, err := media.Duration(fetchedReader{f}, f.f.Length())
	switch {
	case err == nil:
		e.dur = d
	case errors.Is(err, errNotFetched):
		e.next = now.Add(durationRetry)
	default:
		e.failed = true
	}
	return e.dur
}

// errNotFetched means bytes were asked for before their piece completed.
var errNotFetched = errors.New("not fetched yet")

// fetchedReader reads a file's complete pieces from storage, and never
// waits for the others: they fail with errNotFetched.
type fetchedReader struct{ f *File }

func (r fetchedReader) ReadAt(p []byte, off int64) (int, error) {
	f := r.f
	size := f.f.Length()
	if off < 0 || off+int64(len(p)) > size {
		return 0, fmt.Errorf("%w: read at %d past the end", media.ErrUnknownContainer, off)
	}
	g := f.geometry()
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		i := g.piece(pos)
		if !f.t.t.PieceState(i).Complete {
			return n, errNotFetched
		}
		inPiece := f.f.Offset() + pos - int64(i)*g.pieceLen
		want := min(int64(len(p)-n), g.pieceLen-inPiece)
		m, err := f.t.t.Piece(i).Storage().ReadAt(p[n:n+int(want)], inPiece)
		n += m
		if err != nil && m < int(want) {
			return n, fmt.Errorf("read piece %d: %w", i, err)
		}
	}
	return n, nil
}

// geometry places the file in the torrent's pieces.
func (f *File) geometry() geometry {
	return geometry{off: f.f.Offset(), size: f.f.Length(), pieceLen: f.t.t.Info().PieceLength}
}
