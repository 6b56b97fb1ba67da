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
	// much download time, and never fewer bytes. Measured on a shaped link
	// with qBittorrent, aria2 and Transmission seeding a 4.2 Mbit/s MP4 at
	// 8 Mbit/s, medians of four runs: with 2 s of budget a seek's first
	// frame took 1.3 s, with 0.5 s 1.05 s, with 0.25 s 0.73 s; the download
	// rate fell by about a tenth.
	frontierTime = 250 * time.Millisecond
	frontierMin  = 256 << 10
)

// Frontier is the admission budget at a download rate of rate bytes per
// second, for pieces of pieceLen bytes: enough requests to keep every peer
// busy, few enough that a piece turning urgent does not queue behind
// seconds of others.
//
// It admits a second piece before the first completes: at once for pieces
// up to twice frontierMin, once the first lacks less than that for larger
// ones (a piece of 64 chunks keeps the peers busy by itself; admitting two
// whole 1 MiB pieces at 8 Mbit/s made the peers compete for them: the
// seeders sent 36-42 MB where 29-30 MB had done, and every run of a
// Matroska film paused for 0.8-1.9 s, against one pause of 1.3 s in
// three). With one piece
// admitted, a peer that has answered all its requests finds
// nothing to ask for; v1.61.0 offers it the next piece, once admitted,
// through a wake-up its connection writer can miss (peer-conn-msg-writer.go
// takes writeCond.Signaled() after the request update, and
// PeerConn.onNeedUpdateRequests does nothing while an update is marked
// pending), and then only a piece completing anywhere wakes it again.
// Measured on the shaped link with qBittorrent and aria2 each capped at
// 60% of a 4 Mbit/s MP4's rate, 256 KiB pieces: with one piece admitted at
// a time both connections sat idle with the next piece wanted, three to six
// times a run, and playback paused for 2-7 s per run.
func Frontier(rate float64, pieceLen int64) int64 {
	return max(int64(rate*frontierTime.Seconds()), frontierMin, min(pieceLen+1, 2*frontierMin))
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

// Claim is one file's share of the plan: where it lies in the torrent, how
// fast it plays, its index (due at once: players read it first) and the
// windows of its read heads.
type Claim struct {
	Geometry Geometry
	Bitrate  float64
	Index    Span
	Windows  []Window
}

// Needs returns the pieces that the claims want, each due when its nearest
// head reaches it, the soonest first and ties in torrent order. A piece two
// files share is due when the first of them needs it. Its cost is the
// windows' length in pieces, never the torrent's.
func Needs(cs ...Claim) []Need {
	due := make(map[int]time.Duration)
	for _, c := range cs {
		c.dues(due)
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

// dues records in due when each piece of the claim is due, keeping the
// sooner of two.
func (c Claim) dues(due map[int]time.Duration) {
	g, bitrate := c.Geometry, c.Bitrate
	set := func(i int, d time.Duration) {
		if old, ok := due[i]; !ok || d < old {
			due[i] = d
		}
	}
	for i := c.Index.Begin; i < c.Index.End; i++ {
		set(i, 0)
	}
	for _, w := range c.Windows {
		if w.Pos < 0 || w.Pos >= g.Size || w.Reach <= 0 {
			continue
		}
		last := g.Piece(min(w.Pos+w.Reach, g.Size) - 1)
		for i := g.Piece(w.Pos); i <= last; i++ {
			set(i, dueIn(g.Start(i), w.Pos-max(w.Lead, 0), bitrate))
		}
	}
}

// Admit turns needs into piece priorities. v1.61.0 keeps every request it
// has sent until its piece completes, and a connection asks for more only
// once all its requests are answered, so the more is requestable, the
// longer a piece that turns urgent (a seek) waits behind it. Admit
// therefore lets in, soonest first, only the incomplete pieces whose
// missing bytes fit in budget, and always the pieces due at once (under a
// head, the index). missing returns the bytes a piece lacks, 0 when it is
// complete. It returns the priorities and what is left of the budget.
func Admit(ns []Need, budget int64, missing func(piece int) int64) (map[int]types.PiecePriority, int64) {
	out := make(map[int]types.PiecePriority)
	for _, n := range ns {
		if budget <= 0 && n.Due > 0 {
			break
		}
		m := missing(n.Piece)
		if m <= 0 {
			continue
		}
		out[n.Piece] = tierFor(n.Due)
		budget -= m
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
