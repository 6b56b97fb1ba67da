package plan

import "time"

// Judging peers. In v1.61.0 a chunk is asked of one peer only, and a piece
// at a read head can wait for a slow peer's whole queue; torrentutil frees
// it by dropping that peer for a while (rescue.go). This is when to.
const (
	// hostageAfter: an urgent piece that gained no byte for this long while
	// it is partly in, or under a read head, waits on a slow peer.
	hostageAfter = time.Second
	// rescueRatio: a peer this many times slower than the fastest is far
	// slower than the rest.
	rescueRatio = 3
	// rescueMinChunks: a peer that delivered fewer chunks is too new to judge.
	rescueMinChunks = 8
)

// PeerRate is what the judgement knows of one connection.
type PeerRate struct {
	Rate   float64 // useful bytes per second while expecting chunks
	Chunks int64   // useful chunks delivered
}

// SlowPeer returns the index of the peer to drop, or -1: the slowest peer
// old enough to judge, and far slower than the fastest.
func SlowPeer(ps []PeerRate) int {
	slow, fastest := -1, 0.0
	for i, p := range ps {
		fastest = max(fastest, p.Rate)
		if p.Chunks >= rescueMinChunks && (slow < 0 || p.Rate < ps[slow].Rate) {
			slow = i
		}
	}
	if slow < 0 || len(ps) < 2 || ps[slow].Rate*rescueRatio > fastest {
		return -1
	}
	return slow
}

// Hostages remembers how the urgent pieces progress, to tell when one waits
// on a slow peer. The zero value is ready to use; it is for one goroutine.
type Hostages struct {
	watched map[int]progressMark
}

// progressMark is when an urgent piece last gained bytes.
type progressMark struct {
	missing int64
	since   time.Time
}

// Held reports whether an urgent piece waits on a slow peer: it gained
// nothing for hostageAfter although some of it came (the faster peers did
// their share), or although a head waits on it. urgent maps the urgent
// pieces to whether a head is on them; missing returns the bytes a piece
// still lacks. Its cost is one lookup per urgent piece.
func (h *Hostages) Held(now time.Time, urgent map[int]bool, pieceLen int64, missing func(piece int) int64) bool {
	if h.watched == nil {
		h.watched = make(map[int]progressMark)
	}
	for i := range h.watched {
		if _, ok := urgent[i]; !ok {
			delete(h.watched, i)
		}
	}
	held := false
	for i, underHead := range urgent {
		left := missing(i)
		m, ok := h.watched[i]
		switch {
		case left == 0:
			delete(h.watched, i)
			continue
		case !ok || left < m.missing:
			h.watched[i] = progressMark{left, now}
			continue
		}
		if now.Sub(m.since) > hostageAfter && (underHead || left < pieceLen) {
			held = true
		}
	}
	return held
}
