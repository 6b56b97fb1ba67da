package plan

import (
	"slices"
	"time"
)

// Judging peers. In v1.61.0 a chunk is asked of one peer only; another
// peer takes it over only when it holds no more requests than the holder,
// and a peer that chokes us keeps our requests (fast extension). A piece at
// a read head can therefore wait for one peer's whole queue, or for ever.
// Closing that connection is the one lever that frees its requests at
// once; torrentutil pulls it and dials the peer again later. This is when.
const (
	// hostageAfter: an urgent piece that gained no byte for this long
	// waits on somebody.
	hostageAfter = time.Second
	// newcomer: a peer connected for less than this that has delivered
	// fewer than judgeChunks chunks is too new to judge.
	newcomer    = 2 * time.Second
	judgeChunks = 8
	// stalled: a holder that delivered nothing at all for this long is
	// stuck. A peer that caps its upload can pause a second between bursts.
	stalled = 2 * time.Second
	// withheld: a peer that serves other pieces but none of the held one's
	// requests for this long withholds it. A slow peer that serves its
	// queue in order answers well within it.
	withheld = 5 * time.Second
	// sleptAlone: a holder that nobody else could replace, unchoking us and
	// sending nothing at all for this long, is taken for a connection
	// whose writer sleeps (an anacrolix seeder's lost wake-up, below) and
	// dialled again at once: a new connection is the one cure, and there
	// is nobody to lose.
	sleptAlone = 5 * time.Second
)

// Hostages remembers how the urgent pieces progress, to tell when one is
// held. The zero value is ready to use; it is for one goroutine.
type Hostages struct {
	watched map[int]progressMark
}

// progressMark is when an urgent piece last gained bytes.
type progressMark struct {
	missing int64
	since   time.Time
}

// Held returns the urgent pieces that gained nothing for hostageAfter
// although some of them came (others did their share) or a head waits on
// them, in increasing order. urgent maps the urgent pieces to whether a
// head is on them; missing returns the bytes a piece still lacks. Its cost
// is one lookup per urgent piece.
func (h *Hostages) Held(now time.Time, urgent map[int]bool, pieceLen int64, missing func(piece int) int64) []int {
	if h.watched == nil {
		h.watched = make(map[int]progressMark)
	}
	for i := range h.watched {
		if _, ok := urgent[i]; !ok {
			delete(h.watched, i)
		}
	}
	var held []int
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
			held = append(held, i)
		}
	}
	slices.Sort(held)
	return held
}

// Peer is what the judgement knows of one connection, for one held piece.
type Peer struct {
	Pending     int           // requests for the held piece it has outstanding
	Outstanding int           // requests it has outstanding, for any piece
	HasPiece    bool          // it has the held piece
	Choking     bool          // it chokes us
	Idle        time.Duration // since it last delivered a useful chunk, or connected
	// PieceIdle is how long it has held requests for the held piece
	// without delivering a chunk of it.
	PieceIdle time.Duration
	Age       time.Duration // since it connected
	Delivered int64         // useful chunks it delivered
	// Rejected is how many requests it rejected while unchoking us since
	// its last useful chunk.
	Rejected int
	// Chokes is how many times it choked us within the last FlapWindow.
	Chokes int
	// Mute is how long its address has been asked for chunks without
	// answering one: since the first request to any of its connections,
	// while none of them ever delivered a useful chunk; zero once one
	// did, or before the first request. It spans connections because the
	// rescue drops a peer that holds a piece up and sends nothing within
	// seconds (Culprit), before one connection is old enough to judge,
	// and dials it again.
	Mute time.Duration
	// BadPieces and GoodPieces count the pieces it sent data of that
	// failed and passed their hash check.
	BadPieces, GoodPieces int64
}

// judged reports whether the peer is old enough to judge.
func (p Peer) judged() bool { return p.Age >= newcomer || p.Delivered >= judgeChunks }

// late reports whether the peer holds requests for the piece that it does
// not serve: it chokes us, delivers nothing at all, or withholds the piece.
// A peer that delivers, however slowly, is not late: the library takes its
// requests over when a faster peer runs dry, and dropping it would lose
// its bandwidth, which may be needed.
func (p Peer) late() bool {
	return p.Pending > 0 && (p.Choking || p.Idle >= stalled || p.PieceIdle >= withheld)
}

// able reports whether the peer could serve the piece now.
func (p Peer) able() bool { return p.HasPiece && !p.Choking && !p.late() }

// Culprit returns the index of the peer to drop to free a held piece, or
// -1, and whether that peer is asleep rather than at fault. The culprit
// holds requests for the piece and is late (see late), and another peer
// that has the piece could serve it: dropping the culprit hands its
// requests to that one. When nobody holds a request for the piece, the
// culprit is an unchoked peer that has it and has no request outstanding
// at all: v1.61.0's connection writer can miss a wake-up and sleep with
// requests to make, until its keep-alive timer (a minute) fires; that peer
// is asleep, and may be dialled again at once. So is a holder that no
// other peer could replace when it unchokes us and has sent nothing for
// sleptAlone: v1.61.0 seeders have the same writer. Newcomers are never
// culprits.
func Culprit(ps []Peer) (int, bool) {
	culprit, holders, others := -1, 0, false
	for i, p := range ps {
		if p.Pending == 0 {
			continue
		}
		holders++
		if p.late() && p.judged() && (culprit < 0 || p.Pending > ps[culprit].Pending) {
			culprit = i
		}
	}
	for i, p := range ps {
		if i != culprit && p.able() {
			others = true
		}
	}
	if holders == 0 {
		for i, p := range ps {
			if p.HasPiece && !p.Choking && p.Outstanding == 0 && p.judged() && p.Idle >= hostageAfter {
				return i, true
			}
		}
		return -1, false
	}
	if !others {
		if culprit >= 0 && !ps[culprit].Choking && ps[culprit].Idle >= sleptAlone {
			return culprit, true
		}
		return -1, false
	}
	return culprit, false
}

// What makes a peer a liar rather than slow. Each bar is far beyond what an
// honest peer does, however slow: such a peer delivers a 16 KiB chunk
// within mute even at 3 KiB/s, rejects requests only as it chokes or when
// its queue overflows, and turns its choke at most once per rechoke round
// (10 s in most clients, 15 s in libtorrent).
const (
	// mute: a peer first asked for chunks this long ago, on any of its
	// connections, that has not delivered one on any. (Its requests may
	// be gone: the library takes them over when another peer runs dry,
	// and the rescue drops the connection.) A peer that delivered once is
	// never mute: an outage silences honest peers too.
	mute = 5 * time.Second
	// refusals: a peer that unchokes us and rejected this many requests
	// in a row, with no chunk between.
	refusals = 8
	// flaps: a peer that choked us this many times within FlapWindow.
	flaps      = 3
	FlapWindow = 10 * time.Second
	// badPieces: a peer whose data was in this many pieces that failed
	// their check, and in none that passed. v1.61.0 bans a peer alone in
	// a failed piece unless it is trusted (--peer, x.pe), and one proven
	// to differ once the piece passes: a trusted liar that is quick to
	// answer wins the refetch, again and again (measured: 65-87 failed
	// pieces in a 10 s film). An honest peer that shared a piece with a
	// liar has it fail too, but passes its others.
	badPieces = 2
)

// Liar reports whether the peer lies about what it serves: it holds
// requests and never delivers, rejects what it says it would serve, chokes
// and unchokes us over and over, or sends only data that fails its check.
// A liar is dropped and not dialled again; a slow peer that delivers is
// never one.
func Liar(p Peer) bool {
	switch {
	case p.Mute >= mute:
		return true
	case p.Rejected >= refusals && !p.Choking:
		return true
	case Worthless(p):
		return true
	}
	return p.Chokes >= flaps
}

// Worthless reports whether every piece the peer sent data of failed its
// check, badPieces of them at least.
func Worthless(p Peer) bool { return p.BadPieces >= badPieces && p.GoodPieces == 0 }

// Redial is how long to wait before dialling a peer again after attempts
// failed or dropped connections in a row: one second, doubling to a
// minute.
func Redial(attempts int) time.Duration {
	return time.Second << min(max(attempts, 0), 6) // 1 s .. 64 s
}
