package torrentutil

import (
	"cmp"
	"slices"
	"time"

	"github.com/anacrolix/torrent"
)

// The library has no piece deadlines and fetches the pieces of one priority
// tier rarest first. The scheduler therefore turns due times into tiers:
// the nearer a piece is due, the higher its tier, so that inside the window
// rarity only reorders pieces due at about the same time.
const (
	// urgentHorizon: pieces due sooner than this are fetched before anything.
	urgentHorizon = 2500 * time.Millisecond
	// nextHorizon and soonHorizon split the rest of the window.
	nextHorizon = 3 * urgentHorizon
	soonHorizon = 6 * urgentHorizon
	// windowDuration is how much playback ahead of each head is boosted,
	// within [readaheadMin, readaheadMax] bytes.
	windowDuration = 30 * time.Second
	// frontierTime and frontierMin size the admission budget: about this
	// much download time, and never fewer bytes.
	frontierTime = 2 * time.Second
	frontierMin  = 2 << 20
)

// frontier is the admission budget at a download rate of rate bytes per
// second: enough requests to keep every peer busy, few enough that a piece
// turning urgent does not queue behind seconds of others.
func frontier(rate float64) int64 {
	return max(int64(rate*frontierTime.Seconds()), frontierMin)
}

// geometry places a file in its torrent's pieces.
type geometry struct {
	off, size, pieceLen int64 // file offset in the torrent, file size, piece length
}

// piece returns the index of the piece holding file byte pos.
func (g geometry) piece(pos int64) int { return int((g.off + pos) / g.pieceLen) }

// start returns the file position of piece i's first byte (negative when
// the piece begins in an earlier file).
func (g geometry) start(i int) int64 { return int64(i)*g.pieceLen - g.off }

// end returns one past the last piece of the file.
func (g geometry) end() int {
	if g.size <= 0 {
		return g.piece(0)
	}
	return g.piece(g.size-1) + 1
}

// windowBytes is how far ahead of a head the window reaches at bitrate
// bytes per second: windowDuration of playback, bounded in bytes, and never
// less than two pieces so that the next piece is asked for in time.
func windowBytes(bitrate float64, pieceLen int64) int64 {
	w := int64(bitrate * windowDuration.Seconds())
	return max(min(max(w, readaheadMin), readaheadMax), 2*pieceLen)
}

// dueIn is how long until a head at pos, playing at bitrate, reaches the
// piece whose first byte is at file position start.
func dueIn(start, pos int64, bitrate float64) time.Duration {
	if start <= pos || bitrate <= 0 {
		return 0
	}
	return time.Duration(float64(start-pos) / bitrate * float64(time.Second))
}

// tierFor ranks a piece by its due time.
func tierFor(due time.Duration) torrent.PiecePriority {
	switch {
	case due < urgentHorizon:
		return torrent.PiecePriorityNow
	case due < nextHorizon:
		return torrent.PiecePriorityNext
	case due < soonHorizon:
		return torrent.PiecePriorityReadahead
	}
	return torrent.PiecePriorityHigh
}

// window is one head's claim: from pos, reach bytes of the file.
type window struct {
	pos, reach int64
}

// need is a piece some head will read, and when.
type need struct {
	piece int
	due   time.Duration
}

// needs returns the pieces of the windows and the tail, each due when its
// nearest head reaches it (the tail at once: players read it first), the
// soonest first and ties in file order. Its cost is the windows' length in
// pieces, never the torrent's.
func needs(g geometry, ws []window, tail span, bitrate float64) []need {
	due := make(map[int]time.Duration)
	for i := tail.begin; i < tail.end; i++ {
		due[i] = 0
	}
	for _, w := range ws {
		if w.pos < 0 || w.pos >= g.size || w.reach <= 0 {
			continue
		}
		last := g.piece(min(w.pos+w.reach, g.size) - 1)
		for i := g.piece(w.pos); i <= last; i++ {
			d := dueIn(g.start(i), w.pos, bitrate)
			if old, ok := due[i]; !ok || d < old {
				due[i] = d
			}
		}
	}
	ns := make([]need, 0, len(due))
	for i, d := range due {
		ns = append(ns, need{i, d})
	}
	slices.SortFunc(ns, func(a, b need) int {
		return cmp.Or(cmp.Compare(a.due, b.due), cmp.Compare(a.piece, b.piece))
	})
	return ns
}

// admit turns needs into piece priorities. The library keeps every request
// it has sent until the piece completes, and peers serve their queues in
// their own order, so the more pieces are requestable, the longer a piece
// that turns urgent waits behind them. admit therefore lets in, soonest
// first, only the incomplete pieces that fit in budget bytes, and always the
// urgent ones. It returns the priorities and the bytes left in the budget.
func admit(ns []need, budget, pieceLen int64, complete func(int) bool) (map[int]torrent.PiecePriority, int64) {
	out := make(map[int]torrent.PiecePriority)
	for _, n := range ns {
		p := tierFor(n.due)
		if budget <= 0 && p < torrent.PiecePriorityNow {
			break
		}
		if complete(n.piece) {
			continue
		}
		out[n.piece] = p
		budget -= pieceLen
	}
	return out, budget
}

// change is one piece priority to set.
type change struct {
	piece int
	prio  torrent.PiecePriority
}

// diff returns the changes that turn the boosted pieces into want: new and
// changed tiers, and None for pieces no longer wanted.
func diff(boosted, want map[int]torrent.PiecePriority) []change {
	var cs []change
	for i, p := range want {
		if boosted[i] != p {
			cs = append(cs, change{i, p})
		}
	}
	for i := range boosted {
		if _, ok := want[i]; !ok {
			cs = append(cs, change{i, torrent.PiecePriorityNone})
		}
	}
	return cs
}
