package torrentutil

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/anacrolix/torrent"

	"github.com/btstream/btstream/torrentutil/plan"
)

// scheduleTick is how often the plan is made anew when nothing happens.
const scheduleTick = 200 * time.Millisecond

// errScheduled means Schedule is already running for the torrent.
var errScheduled = errors.New("schedule: already running for this torrent")

// Schedule steers every piece priority of the torrent for the life of a
// stream, and returns nil when ctx ends (or an error at once if it already
// runs). It serves every file opened with File: the read heads of all of
// them, and for the files given Prioritize their index, start buffer and
// background, all from one budget. Whenever a reader opens, reads first,
// seeks or closes, when a piece completes, and several times a second, it
// gives every piece ahead of a read head a due time at its file's bitrate
// and a priority tier by that time (plan.Needs), and lets only a frontier
// of the soonest pieces be requestable (plan.Admit); what is left of the
// frontier goes to the background, the rest of each prioritized file in
// order. Pieces behind every head lose their boost. A piece at a head
// that waits on one peer gets the rescue (rescue.go). The work per step
// grows with the read heads and windows, not with the torrent or the
// number of its files. When ctx ends, each prioritized file is left at
// normal priority, so that a seeding client completes it.
func (t *Torrent) Schedule(ctx context.Context) error {
	if !t.scheduled.CompareAndSwap(false, true) {
		return errScheduled
	}
	defer t.scheduled.Store(false)
	s := &scheduler{t: t, boosted: make(map[int]torrent.PiecePriority), cursor: make(map[*File]int)}
	s.rescue.t = t
	defer s.rescue.stopDHT()
	// A file's own priority would make all its pieces requestable.
	for _, f := range t.opened() {
		f.f.SetPriority(torrent.PiecePriorityNone)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	dctx, stop := context.WithCancel(ctx)
	defer stop()
	sub := t.t.SubscribePieceStateChanges()
	defer sub.Close()
	tick := time.NewTicker(scheduleTick)
	defer tick.Stop()
	for {
		s.step(time.Now(), func(f *File) { wg.Go(func() { f.discover(dctx) }) })
	wait:
		select {
		case <-ctx.Done():
			s.finish()
			return nil
		case <-tick.C:
		case <-t.wake:
		case v := <-sub.Values:
			if !v.Complete {
				goto wait // a chunk came or a priority changed: nothing to re-plan
			}
		}
	}
}

// backgroundWalk bounds the incomplete pieces the background looks at per
// step and file.
const backgroundWalk = 64

// scheduler is the state of one Schedule call. Only its goroutine uses it.
type scheduler struct {
	t       *Torrent
	boosted map[int]torrent.PiecePriority // the priorities it set
	cursor  map[*File]int                 // the background: no incomplete piece of the file before it
	rescue  rescuer
}

// step makes the plan anew and applies what changed. discover starts the
// reading of a file's layout.
func (s *scheduler) step(now time.Time, discover func(*File)) {
	t := s.t
	rate, _ := t.rate.Sample(now, t.stats().BytesRead)
	var claims []plan.Claim
	var primed []*File
	urgent := make(map[int]bool)
	for _, f := range t.opened() {
		c, ok := s.claim(f, now, discover)
		if !ok {
			continue
		}
		claims = append(claims, c)
		starting := !f.started.Load()
		for _, w := range c.Windows {
			if w.Pos >= f.g.Size {
				continue
			}
			i := f.g.Piece(w.Pos)
			if starting {
				// Before playback the start waits on the first missing
				// piece of its window, not on the one at its first byte:
				// the rescue watches that one as under a head, so that
				// connections asleep with it to ask for are woken
				// (plan.Culprit). Seen once under load: the first two
				// pieces in, both seeders idle with nothing asked, and
				// the start waited a minute.
				for end := f.g.Piece(min(w.Pos+w.Reach, f.g.Size) - 1); i < end && t.missingOf(i) == 0; i++ {
				}
			}
			if t.missingOf(i) > 0 {
				urgent[i] = true
			}
		}
		f.mu.Lock()
		if f.primed {
			primed = append(primed, f)
		}
		f.mu.Unlock()
	}
	want, left := plan.Admit(plan.Needs(claims...), plan.Frontier(rate, t.t.Info().PieceLength), t.missingOf)
	for _, f := range primed {
		left = s.background(f, want, left)
	}
	t.setWanted(want)
	for i, p := range want {
		if _, ok := urgent[i]; !ok && p == torrent.PiecePriorityNow {
			urgent[i] = false
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
	s.rescue.step(now, urgent, t.t.Info().PieceLength)
}

// claim is the file's share of the plan: the windows of its active read
// heads, and for a prioritized file its index and, before playback, the
// start buffer. While a prioritized video's layout is read, it claims its
// first bytes alone. ok is false for a file that claims nothing.
func (s *scheduler) claim(f *File, now time.Time, discover func(*File)) (plan.Claim, bool) {
	f.mu.Lock()
	primed, rule := f.primed, f.rule
	look := primed && !f.layout.known && !f.layout.looking && !rule.NoIndex && f.isVideo()
	if look {
		f.layout.looking = true
	}
	f.mu.Unlock()
	if look {
		discover(f)
	}
	hs := f.headStates(now, true)
	if _, playing := f.Play(); !primed && len(hs) == 0 && !playing {
		return plan.Claim{}, false
	}
	bitrate, _ := f.bitrate(now, hs)
	c := plan.Claim{Geometry: f.g, Bitrate: bitrate}
	reach := plan.WindowBytes(bitrate, f.g.PieceLen)
	if p, ok := f.playOffset(); ok {
		c.Windows = f.playWindows(hs, p, reach)
	} else {
		for _, h := range hs {
			c.Windows = append(c.Windows, plan.Window{Pos: h.Pos, Reach: reach})
		}
	}
	if !primed {
		return c, true
	}
	idx, _, known := f.indexSpan()
	switch {
	case !known:
		c.Windows = append(c.Windows, plan.Window{Pos: 0, Reach: 1})
	case !f.started.Load():
		c.Index = idx
		c.Windows = append(c.Windows, plan.Window{Pos: rule.From, Reach: max(reach, rule.Want)})
	default:
		c.Index = idx
	}
	return c, true
}

// background lets the first incomplete pieces of f, in order, into what is
// left of the budget at normal priority, and returns what is left then.
func (s *scheduler) background(f *File, want map[int]torrent.PiecePriority, left int64) int64 {
	end := f.g.End()
	i, ok := s.cursor[f]
	if !ok {
		i = f.g.Piece(0)
	}
	for i < end && s.t.missingOf(i) == 0 {
		i++
	}
	s.cursor[f] = i
	for n := 0; i < end && left > 0 && n < backgroundWalk; i++ {
		m := s.t.missingOf(i)
		if _, ok := want[i]; ok || m == 0 {
			continue
		}
		want[i] = torrent.PiecePriorityNormal
		left -= m
		n++
	}
	return left
}

// finish hands the priorities back: none for what the plan boosted, normal
// for the prioritized files.
func (s *scheduler) finish() {
	for i := range s.boosted {
		s.t.t.Piece(i).SetPriority(torrent.PiecePriorityNone)
	}
	for _, f := range s.t.opened() {
		f.mu.Lock()
		primed := f.primed
		f.mu.Unlock()
		if primed {
			f.f.SetPriority(torrent.PiecePriorityNormal)
		}
	}
}

// missingOf returns the bytes piece i lacks: 0 when it is complete.
func (t *Torrent) missingOf(i int) int64 {
	if t.t.PieceState(i).Complete {
		return 0
	}
	return t.t.PieceBytesMissing(i)
}
