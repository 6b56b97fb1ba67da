package torrentutil

import (
	"context"
	"errors"
	"time"

	"github.com/btstream/btstream/torrentutil/media"
	"github.com/btstream/btstream/torrentutil/plan"
)

// fallbackTail is fetched first from the end of a file whose container is
// not read (media.Locate knows it not): where such a format keeps an
// index, it is at the end (ASF, FLV with seek tables).
const fallbackTail = 1 << 20

// layoutState is what is known of a file's container; File.mu guards it.
type layoutState struct {
	l       media.Layout
	known   bool // l is read, or given up on
	looking bool // a discovery runs
	// headDur is the duration read from the file's first bytes, 0 when
	// they do not say (an MP4 whose moov is at the end).
	headDur time.Duration
	// seek maps play times to bytes once the index is in (seekIndex);
	// seekFailed: the container has none; seekNext: no new attempt before.
	seek       *media.SeekIndex
	seekFailed bool
	seekNext   time.Time
}

// seekIndex returns the file's seek index (media.SeekIndex), read from the
// container's index once its bytes are in; nil until then, and for a
// container without one.
func (f *File) seekIndex(now time.Time) *media.SeekIndex {
	f.mu.Lock()
	ls := f.layout
	f.mu.Unlock()
	if ls.seek != nil || ls.seekFailed || !ls.known || !ls.l.HasIndex() || now.Before(ls.seekNext) {
		return ls.seek
	}
	x, err := media.ReadSeekIndex(fetchedReader{f}, ls.l, f.f.Length())
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case err == nil:
		f.layout.seek = x
	case errors.Is(err, errNotFetched):
		f.layout.seekNext = now.Add(durationRetry)
	default:
		f.layout.seekFailed = true
	}
	return f.layout.seek
}

// discover reads the file's first bytes as they arrive, through a
// responsive reader of its own (its position asks the library for them at
// once), until media.Locate can tell where the index is, and records it.
// It returns when it knows, when the file's start is unreadable, or when
// ctx ends.
func (f *File) discover(ctx context.Context) {
	r := f.f.NewReader()
	defer r.Close()
	r.SetResponsive()
	r.SetReadahead(0)
	r.SetContext(ctx)
	size := f.f.Length()
	head := make([]byte, 0, min(int64(media.LocateMax), size))
	l, err := media.Locate(head, size)
	for errors.Is(err, media.ErrNeedMore) && len(head) < cap(head) {
		n, rerr := r.Read(head[len(head):cap(head)])
		head = head[:len(head)+n]
		if rerr != nil && n == 0 {
			if ctx.Err() != nil {
				f.mu.Lock()
				f.layout.looking = false // a later scheduler looks again
				f.mu.Unlock()
				return
			}
			break // unreadable: treat as unknown
		}
		l, err = media.Locate(head, size)
	}
	if err != nil {
		l = media.Layout{}
	}
	d, derr := media.DurationOfHead(head, size)
	if derr != nil {
		d = 0
	}
	f.mu.Lock()
	f.layout.l, f.layout.known, f.layout.headDur = l, true, d
	f.mu.Unlock()
	f.t.poke()
}

// indexSpan returns the pieces of the file's index, whether the player reads
// it before its first frame, and whether the layout is known yet. A file
// whose container is not read gets its last fallbackTail bytes as index;
// a consumer that reads in order (rule.NoIndex) none.
func (f *File) indexSpan() (s plan.Span, atOpen, known bool) {
	f.mu.Lock()
	ls, rule := f.layout, f.rule
	f.mu.Unlock()
	switch {
	case rule.NoIndex || !f.isVideo():
		return plan.Span{}, false, true
	case !ls.known:
		return plan.Span{}, false, false
	case ls.l.HasIndex():
		return plan.PieceSpan(f.g.Off+ls.l.IndexOff, ls.l.IndexEnd-ls.l.IndexOff, f.g.PieceLen), ls.l.OpenNeedsIndex, true
	case !ls.l.Known():
		return plan.TailSpan(f.g.Off, f.g.Size, f.g.PieceLen, fallbackTail), true, true
	}
	return plan.Span{}, false, true
}
