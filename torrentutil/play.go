package torrentutil

import (
	"time"

	"github.com/btstream/btstream/torrentutil/plan"
)

// playState is where the player says it plays the file; File.mu guards it.
type playState struct {
	known bool
	t     time.Duration
	piece int // the piece playback is in, at t
}

// SetPlay tells the scheduler that the player plays the file at t: mpv's
// time-pos over its IPC link, or the target of a seek it has begun. From
// then on, until ForgetPlay, the due times of the pieces ahead of the
// player's read head count from the byte where playback is (OffsetAt), not
// from the read head: what the player has read and not played is its own
// cache, and pieces ahead of it are due when playback reaches them. A play
// position that the player's reading has not reached (a seek, announced
// before its first request) gets a window of its own at once.
func (f *File) SetPlay(t time.Duration) {
	t = max(t, 0)
	piece := f.g.Piece(f.OffsetAt(t))
	f.mu.Lock()
	moved := !f.play.known || f.play.piece != piece
	f.play = playState{known: true, t: t, piece: piece}
	f.mu.Unlock()
	if moved { // the plan changes when playback enters another piece
		f.t.poke()
	}
}

// ForgetPlay undoes SetPlay: the player no longer says where it plays (its
// link closed, or it plays another file). Due times count from the read
// heads again.
func (f *File) ForgetPlay() {
	f.mu.Lock()
	f.play = playState{}
	f.mu.Unlock()
	f.t.poke()
}

// Play returns the play position given by SetPlay; ok is false without one.
func (f *File) Play() (t time.Duration, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.play.t, f.play.known
}

// OffsetAt returns the byte offset of the file where playback at t is: the
// key frame at or before t in the container's index once that is in
// (media.SeekIndex: where a player seeking to t reads first), else t at
// the estimated bitrate.
func (f *File) OffsetAt(t time.Duration) int64 {
	now := time.Now()
	if x := f.seekIndex(now); x != nil && x.Len() > 0 {
		return x.Offset(t)
	}
	bitrate, _ := f.bitrate(now, nil)
	return min(max(int64(t.Seconds()*bitrate), 0), max(f.g.Size-1, 0))
}

// playOffset returns the byte where playback is, when the player says.
func (f *File) playOffset() (int64, bool) {
	t, ok := f.Play()
	if !ok {
		return 0, false
	}
	return f.OffsetAt(t), true
}

// playLeadMax bounds how far ahead of the play position a read head may be
// and still count as the player's own read-ahead: mpv's default cache for
// a network stream holds up to 150 MiB.
const playLeadMax = 256 << 20

// playWindows returns the windows of the read heads hs, each reach bytes,
// when the player plays at byte p. The head the player reads its playback
// from (the nearest at or after p with every byte between in) reaches to
// reach past p and is due from p; the others keep their own windows. When
// no head is that one, p gets a window of its own: the player will ask for
// it next.
func (f *File) playWindows(hs []plan.Head, p, reach int64) []plan.Window {
	lead := -1
	for i, h := range hs {
		if h.Pos < p || h.Pos-p > playLeadMax || (lead >= 0 && h.Pos >= hs[lead].Pos) {
			continue
		}
		if f.bufferedFrom(p, h.Pos-p, true) >= h.Pos-p-f.g.PieceLen {
			lead = i
		}
	}
	var ws []plan.Window
	for i, h := range hs {
		w := plan.Window{Pos: h.Pos, Reach: reach}
		if i == lead {
			w.Lead = h.Pos - p
			w.Reach = max(reach-w.Lead, 2*f.g.PieceLen)
		}
		ws = append(ws, w)
	}
	if lead < 0 && p < f.g.Size {
		ws = append(ws, plan.Window{Pos: p, Reach: reach})
	}
	return ws
}

// Refill estimates how long until d of playback past the play position
// (SetPlay; the start of the file without one) is in, at the current
// download rate: how long a player that waits for its cache waits. ok is
// false when nothing arrives (a rate of 0) and some of it is missing.
func (f *File) Refill(d time.Duration) (wait time.Duration, ok bool) {
	now := time.Now()
	var p int64
	if t, playing := f.Play(); playing {
		p = f.OffsetAt(t)
	}
	bitrate, _ := f.bitrate(now, nil)
	need := min(int64(d.Seconds()*bitrate), f.g.Size-p)
	if need <= 0 {
		return 0, true
	}
	var missing int64
	for i := f.g.Piece(p); i <= f.g.Piece(p+need-1); i++ {
		missing += f.t.missingOf(i)
	}
	if missing == 0 {
		return 0, true
	}
	rate, _ := f.t.rate.Sample(now, f.t.stats().BytesRead)
	if rate <= 0 {
		return 0, false
	}
	return time.Duration(float64(missing) / rate * float64(time.Second)), true
}
