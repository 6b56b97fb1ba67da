package torrentutil

import (
	"context"
	"time"

	"github.com/anacrolix/torrent"

	"github.com/btstream/btstream/torrentutil/plan"
)

// StartRule says when playback may start.
type StartRule struct {
	// Want is the amount from the start of the file that always suffices,
	// about 1% of the file by default.
	Want int64
	// Exact means Want was asked for explicitly (--buffer): wait for all of
	// it, never start earlier.
	Exact bool
}

// Early start: with at least earlyAhead of playback buffered and a download
// rate of at least earlyMargin times the bitrate, measured over at least
// earlyRateSpan, playback will not stall, so it need not wait for Want.
const (
	earlyAhead    = 4 * time.Second
	earlyMargin   = 1.5
	earlyRateSpan = 2 * time.Second
)

// Prioritize starts the download of the file alone: its tail first, then
// the first want bytes, then the rest in order in the background. Readers
// opened with Open add a window at their position on top of this; Schedule,
// when it runs, takes these priorities over.
func (f *File) Prioritize(want int64) {
	f.mu.Lock()
	f.want, f.primed = want, true
	f.mu.Unlock()
	tail, head := f.spans(want)
	f.f.SetPriority(torrent.PiecePriorityNormal)
	for i := head.Begin; i < head.End; i++ {
		f.t.t.Piece(i).SetPriority(torrent.PiecePriorityNext)
	}
	for i := tail.Begin; i < tail.End; i++ {
		f.t.t.Piece(i).SetPriority(torrent.PiecePriorityNow)
	}
}

// spans returns the tail pieces and the pieces of the first want bytes.
func (f *File) spans(want int64) (tail, head plan.Span) {
	pl := f.t.t.Info().PieceLength
	size := f.f.Length()
	return plan.TailSpan(f.f.Offset(), size, pl, plan.TailBytes),
		plan.PieceSpan(f.f.Offset(), min(max(want, 0), size), pl)
}

// Progress is a snapshot of a file's download, for the start rule and the
// status line.
type Progress struct {
	Buffered  int64   // bytes complete from the start of the file without a gap
	Want      int64   // bytes the start rule asks for from the start
	TailDone  bool    // the tail of the file is complete
	Completed int64   // bytes of the file complete, anywhere
	Size      int64   // file size
	Rate      float64 // download rate of the torrent, bytes per second
	Peers     int     // connected peers
	Seeds     int     // connected peers that have everything
	// Ahead is the playback time buffered ahead of the play head, at
	// Bitrate: what the player read and has likely not played yet (as if
	// playback began when its reader last moved) plus the bytes complete
	// without a gap after its reader. The play head is the reader that read
	// last; before any reader has read, Ahead counts from the start.
	Ahead time.Duration
	// Bitrate is the estimated playback bitrate in bytes per second: the
	// download rate the stream needs.
	Bitrate float64
	// Early reports that playback may start before Want: the rule is not
	// Exact, Ahead is a few seconds and Rate comfortably above Bitrate.
	Early bool
}

// Ready reports whether the start rule is met: the tail is in, and Want
// bytes are buffered or an early start is safe.
func (p Progress) Ready() bool {
	return p.TailDone && (p.Buffered >= min(p.Want, p.Size) || p.Early)
}

// Progress returns the file's progress against the start rule.
func (f *File) Progress(rule StartRule) Progress {
	now := time.Now()
	size := f.f.Length()
	want := min(max(rule.Want, 0), size)
	tail, _ := f.spans(want)
	s := f.t.stats()
	hs := f.headStates()
	bitrate, _ := f.bitrate(now, hs)
	// Players read ahead into their own cache: what they read and have not
	// played yet counts, as if playback began when the head last moved.
	from, read := int64(0), int64(0)
	if h, ok := plan.PlayHead(hs); ok {
		from = h.Pos
		read = h.Pos - min(h.Pos, h.StartPos+int64(bitrate*now.Sub(h.Since).Seconds()))
	}
	lookAhead := int64(bitrate * plan.WindowDuration.Seconds())
	rate, span := f.t.rate.Sample(now, s.BytesRead)
	p := Progress{
		Buffered:  f.bufferedFrom(0, want),
		Want:      want,
		TailDone:  f.complete(tail),
		Completed: f.f.BytesCompleted(),
		Size:      size,
		Rate:      rate,
		Peers:     s.Peers,
		Seeds:     s.Seeds,
		Bitrate:   bitrate,
	}
	ahead := f.bufferedFrom(from, max(lookAhead, want))
	p.Ahead = time.Duration(float64(read+ahead) / bitrate * float64(time.Second))
	p.Early = !rule.Exact && (p.Ahead >= earlyAhead || from+ahead >= size) &&
		span >= earlyRateSpan && rate >= earlyMargin*bitrate
	return p
}

// complete reports whether every piece of s is complete.
func (f *File) complete(s plan.Span) bool {
	for i := s.Begin; i < s.End; i++ {
		if !f.t.t.PieceState(i).Complete {
			return false
		}
	}
	return true
}

// bufferedFrom returns how many bytes from file offset pos on are complete
// without a gap, looking no further than limit bytes.
func (f *File) bufferedFrom(pos, limit int64) int64 {
	size := f.f.Length()
	if pos >= size || limit <= 0 {
		return 0
	}
	pl := f.t.t.Info().PieceLength
	off := f.f.Offset() + pos
	end := min(size-pos, limit)
	var n int64
	for i := int(off / pl); n < end; i++ {
		if !f.t.t.PieceState(i).Complete {
			break
		}
		n = int64(i+1)*pl - off
	}
	return min(n, size-pos)
}

// WaitReady waits until the start rule holds (Progress.Ready). It returns
// ctx's error when ctx ends first, or the storage's error when writing
// failed.
func (f *File) WaitReady(ctx context.Context, rule StartRule) error {
	sub := f.t.t.SubscribePieceStateChanges()
	defer sub.Close()
	// Progress is also polled: a state change may land between two checks.
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := f.t.writeErr(); err != nil {
			return err
		}
		if f.Progress(rule).Ready() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-sub.Values:
		case <-tick.C:
		}
	}
}
