package torrentutil

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/btstream/btstream/torrentutil/media"
	"github.com/btstream/btstream/torrentutil/plan"
)

// durationRetry spaces attempts to read the container's duration while its
// bytes arrive.
const durationRetry = 100 * time.Millisecond

// durationState caches what the container says about the file's duration.
type durationState struct {
	mu     sync.Mutex
	dur    time.Duration // 0 until known
	next   time.Time     // no new attempt before this
	failed bool          // the container has no duration: stop trying
}

// bitrate returns the file's playback bitrate estimate, bytes per second.
// It reads the container's duration from fetched bytes once they are there.
func (f *File) bitrate(now time.Time, hs []plan.Head) (float64, plan.BitrateSource) {
	var cs []float64
	for _, h := range hs {
		cs = append(cs, h.Consumption(now))
	}
	return plan.EstimateBitrate(f.f.Length(), f.duration(now), cs)
}

// duration returns the container's duration, or 0 while it is unknown:
// from the first bytes when they say (Matroska), else from the index once
// it is in (an MP4's moov, wherever it is), else from the complete pieces
// of the file.
func (f *File) duration(now time.Time) time.Duration {
	f.mu.Lock()
	ls := f.layout
	f.mu.Unlock()
	if ls.headDur > 0 {
		return ls.headDur
	}
	e := &f.est
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.dur > 0 || e.failed || now.Before(e.next) {
		return e.dur
	}
	var d time.Duration
	var err error
	if ls.known && ls.l.HasIndex() && ls.l.Container == "mp4" {
		d, err = media.DurationOfIndex(fetchedReader{f}, ls.l)
	} else {
		d, err = media.Duration(fetchedReader{f}, f.f.Length())
	}
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
	g := f.g
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		i := g.Piece(pos)
		if !f.t.t.PieceState(i).Complete {
			return n, errNotFetched
		}
		inPiece := f.f.Offset() + pos - int64(i)*g.PieceLen
		want := min(int64(len(p)-n), g.PieceLen-inPiece)
		m, err := f.t.t.Piece(i).Storage().ReadAt(p[n:n+int(want)], inPiece)
		n += m
		if err != nil && m < int(want) {
			return n, fmt.Errorf("read piece %d: %w", i, err)
		}
	}
	return n, nil
}
