package torrentutil

import (
	"context"
	"errors"
	"time"

	"github.com/anacrolix/torrent"

	"github.com/btstream/btstream/torrentutil/plan"
)

// scheduleTick is how often the windows are re-ranked when no head moves.
const scheduleTick = 200 * time.Millisecond

// errScheduled means Schedule is already running for the file.
var errScheduled = errors.New("schedule: already running for this file")

// Schedule steers the file's piece priorities for the life of a stream, and
// returns nil when ctx ends (or an error at once if it already runs for the
// file). Without Prioritize it serves the read heads alone: no tail, no
// start buffer, no background. Several times a second, and whenever a
// reader opens, seeks or closes, it gives every piece ahead of a read head
// a due time at the estimated bitrate and a priority tier by that time:
// pieces due within 2.5 s first, then the rest of a window of
// plan.WindowDuration (bounded in bytes), nearest first. Only a frontier of
// the soonest pieces is requestable at a time (see plan.Admit); what is
// left of it goes to the background, the rest of the file in order. The
// plan is package plan's; applying it is this loop's. Pieces behind
// every head and outside the tail lose their boost. An urgent piece held
// hostage by a far slower peer gets the rescue of rescue.go. The work per
// tick is proportional to the windows, not to the torrent. When ctx ends
// the file's own priority is what Prioritize set (normal), or none.
func (f *File) Schedule(ctx context.Context) error {
	if !f.scheduled.CompareAndSwap(false, true) {
		return errScheduled
	}
	defer f.scheduled.Store(false)
	s := newScheduler(f)
	// The file's own priority would make every piece requestable.
	f.f.SetPriority(torrent.PiecePriorityNone)
	if s.primed {
		defer f.f.SetPriority(torrent.PiecePriorityNormal)
	}
	tick := time.NewTicker(scheduleTick)
	defer tick.Stop()
	for {
		s.step(time.Now())
		select {
		case <-ctx.Done():
			s.rescue.release()
			return nil
		case <-tick.C:
		case <-f.wake:
		}
	}
}

// backgroundWalk bounds the pieces the background looks at per tick.
const backgroundWalk = 256

// scheduler is the state of one Schedule call. Only its goroutine uses it.
type scheduler struct {
	f       *File
	g       plan.Geometry
	tail    plan.Span
	want    int64 // the start buffer: the window of the start before playback
	primed  bool  // Prioritize was called
	boosted map[int]torrent.PiecePriority
	cursor  int // the background: no incomplete piece of the file before it
	rescue  rescuer
}

func newScheduler(f *File) *scheduler {
	f.mu.Lock()
	want, primed := f.want, f.primed
	f.mu.Unlock()
	tail, start := f.spans(want)
	g := f.geometry()
	s := &scheduler{f: f, g: g, want: want, primed: primed, boosted: make(map[int]torrent.PiecePriority), cursor: g.Piece(0)}
	s.rescue.t = f.t.t
	if !primed {
		return s
	}
	s.tail = tail
	// What Prioritize set: the plan takes it over, and resets what it drops.
	for i := start.Begin; i < start.End; i++ {
		s.boosted[i] = torrent.PiecePriorityNext
	}
	for i := tail.Begin; i < tail.End; i++ {
		s.boosted[i] = torrent.PiecePriorityNow
	}
	return s
}

// step re-plans the windows and applies what changed.
func (s *scheduler) step(now time.Time) {
	t := s.f.t
	hs := s.f.headStates()
	bitrate, _ := s.f.bitrate(now, hs)
	reach := plan.WindowBytes(bitrate, s.g.PieceLen)
	var ws []plan.Window
	for _, h := range hs {
		ws = append(ws, plan.Window{Pos: h.Pos, Reach: reach})
	}
	if s.primed && !s.f.started.Load() {
		// Before playback the start of the file is the one head.
		ws = append(ws, plan.Window{Pos: 0, Reach: max(reach, s.want)})
	}
	rate, _ := t.rate.Sample(now, t.stats().BytesRead)
	complete := func(i int) bool { return t.t.PieceState(i).Complete }
	want, left := plan.Admit(plan.Needs(s.g, ws, s.tail, bitrate), plan.Frontier(rate), s.g.PieceLen, complete)
	if s.primed {
		s.background(want, left, complete)
	}

	urgent := make(map[int]bool)
	for i, p := range want {
		if p == torrent.PiecePriorityNow {
			urgent[i] = false
		}
	}
	for _, w := range ws {
		if i := s.g.Piece(w.Pos); w.Pos < s.g.Size && !complete(i) {
			urgent[i] = true
		}
	}
	for _, c := range plan.Diff(s.boosted, want) {
		t.t.Piece(c.Piece).SetPriority(c.Prio)
		if c.Prio == torrent.PiecePriorityNone {
			delete(s.boosted, c.Piece)
		} else {
			s.boosted[c.Piece] = c.Prio
		}
	}
	s.rescue.step(now, urgent, s.g.PieceLen)
}

// background lets the first incomplete pieces of the file, in order, into
// what is left of the budget at normal priority.
func (s *scheduler) background(want map[int]torrent.PiecePriority, left int64, complete func(int) bool) {
	for s.cursor < s.g.End() && complete(s.cursor) {
		s.cursor++
	}
	for i, n := s.cursor, 0; i < s.g.End() && left > 0 && n < backgroundWalk; i, n = i+1, n+1 {
		if _, ok := want[i]; ok || complete(i) {
			continue
		}
		want[i] = torrent.PiecePriorityNormal
		left -= s.g.PieceLen
	}
}
