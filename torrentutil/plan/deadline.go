package plan

import (
	"cmp"
	"slices"
	"time"

	"github.com/anacrolix/torrent/types"
)

// The library has no piece deadlines and fetches the pieces of one priority
// tier rarest first. The plan therefore turns due times into tiers:
// the nearer a piece is due, the higher its tier, so that inside the window
// rarity only reorders pieces due at about the same time.
const (
	// urgentHorizon: pieces due sooner than this are fetched before anything.
	urgentHorizon = 2500 * time.Millisecond
	// nextHorizon and soonHorizon split the rest of the window.
	nextHorizon = 3 * urgentHorizon
	soonHorizon = 6 * urgentHorizon
	// frontierTime and frontierMin size the admission budget: about this
	// much download time, and never fewer bytes.
	frontierTime = 2 * time.Second
	frontierMin  = 2 << 20
)

// Frontier is the admission budget at a download rate of rate bytes per
// second: enough requests to keep every peer busy, few enough that a piece
// turning urgent does not queue behind seconds of others.
func Frontier(rate float64) int64 {
	return max(int64(rate*frontierTime.Seconds()), frontierMin)
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
func tierFor(due time.Duration) types.PiecePriority {
	switch {
	case due < urgentHorizon:
		return types.PiecePriorityNow
	case due < nextHorizon:
		return types.PiecePriorityNext
	case due < soonHorizon:
		return types.PiecePriorityReadahead
	}
	return types.PiecePriorityHigh
}

// Need is a piece some head will read, and when.
type Need struct {
	Piece int
	Due   time.Duration
}

// Needs returns the pieces of the windows and the tail, each due when its
// nearest head reaches it (the tail at once: players read it first), the
// soonest first and ties in file order. Its cost is the windows' length in
// pieces, never the torrent's.
func Needs(g Geometry, ws []Window, tail Span, bitrate float64) []Need {
	due := make(map[int]time.Duration)
	for i := tail.Begin; i < tail.End; i++ {
		due[i] = 0
	}
	for _, w := range ws {
		if w.Pos < 0 || w.Pos >= g.Size || w.Reach <= 0 {
			continue
		}
		last := g.Piece(min(w.Pos+w.Reach, g.Size) - 1)
		for i := g.Piece(w.Pos); i <= last; i++ {
			d := dueIn(g.Start(i), w.Pos, bitrate)
			if old, ok := due[i]; !ok || d < old {
				due[i] = d
			}
		}
	}
	ns := make([]Need, 0, len(due))
	for i, d := range due {
		ns = append(ns, Need{i, d})
	}
	slices.SortFunc(ns, func(a, b Need) int {
		return cmp.Or(cmp.Compare(a.Due, b.Due), cmp.Compare(a.Piece, b.Piece))
	})
	return ns
}

// Admit turns needs into piece priorities. The library keeps every request
// it has sent until the piece completes, and peers serve their queues in
// their own order, so the more pieces are requestable, the longer a piece
// that turns urgent waits behind them. Admit therefore lets in, soonest
// first, only the incomplete pieces that fit in budget bytes, and always the
// urgent ones. It returns the priorities and the bytes left in the budget.
func Admit(ns []Need, budget, pieceLen int64, complete func(int) bool) (map[int]types.PiecePriority, int64) {
	out := make(map[int]types.PiecePriority)
	for _, n := range ns {
		p := tierFor(n.Due)
		if budget <= 0 && p < types.PiecePriorityNow {
			break
		}
		if complete(n.Piece) {
			continue
		}
		out[n.Piece] = p
		budget -= pieceLen
	}
	return out, budget
}

// Change is one piece priority to set.
type Change struct {
	Piece int
	Prio  types.PiecePriority
}

// Diff returns the changes that turn the boosted pieces into want: new and
// changed tiers, and None for pieces no longer wanted.
func Diff(boosted, want map[int]types.PiecePriority) []Change {
	var cs []Change
	for i, p := range want {
		if boosted[i] != p {
			cs = append(cs, Change{i, p})
		}
	}
	for i := range boosted {
		if _, ok := want[i]; !ok {
			cs = append(cs, Change{i, types.PiecePriorityNone})
		}
	}
	return cs
}
