package torrentutil

import (
	"time"

	"github.com/anacrolix/torrent"
)

// In v1.61.0 a chunk is asked of one peer only, and another peer takes it
// over only when it has no more requests outstanding than the holder; the
// requests a peer holds are cancelled only when their piece completes or
// the connection closes. A chunk at a read head held by a slow peer waits
// for that peer's whole queue (measured: 0.3-0.67 s with a 256 KiB/s peer
// beside an 8 MiB/s one). The one lever that frees it at once is closing
// the connection: its requests go back to the pool and the faster peers
// take them. The peer is asked back later, so its bandwidth is not lost.
const (
	// hostageAfter: an urgent piece that gained no byte for this long while
	// it is partly in, or under a read head, waits on a slow peer.
	hostageAfter = time.Second
	// rescueRatio: a peer this many times slower than the fastest is far
	// slower than the rest.
	rescueRatio = 3
	// rescueCooldown spaces two rescues: the first must have time to work.
	rescueCooldown = 2 * time.Second
	// rejoinAfter: a dropped peer is asked back after this.
	rejoinAfter = 10 * time.Second
	// rescueMinChunks: a peer that delivered fewer chunks is too new to judge.
	rescueMinChunks = 8
)

// rescuer drops a far slower peer while it holds an urgent piece hostage,
// and asks it back later.
type rescuer struct {
	t       *torrent.Torrent
	off     bool // benchmarks compare with and without
	last    time.Time
	parked  []parkedPeer
	watched map[int]progressMark
	drops   int
}

type parkedPeer struct {
	addr torrent.PeerRemoteAddr
	at   time.Time // when to ask it back
}

// progressMark is when an urgent piece last gained bytes.
type progressMark struct {
	missing int64
	since   time.Time
}

// peerRate is what the rescue knows of one connection.
type peerRate struct {
	rate   float64 // useful bytes per second while expecting chunks
	chunks int64   // useful chunks delivered
}

// slowPeer returns the index of the peer to drop, or -1: the slowest peer
// old enough to judge, and far slower than the fastest.
func slowPeer(ps []peerRate) int {
	slow, fastest := -1, 0.0
	for i, p := range ps {
		fastest = max(fastest, p.rate)
		if p.chunks >= rescueMinChunks && (slow < 0 || p.rate < ps[slow].rate) {
			slow = i
		}
	}
	if slow < 0 || len(ps) < 2 || ps[slow].rate*rescueRatio > fastest {
		return -1
	}
	return slow
}

// hostage reports whether an urgent piece waits on a slow peer: it gained
// nothing for hostageAfter although some of it came (the faster peers did
// their share), or although a head waits on it. It remembers the urgent
// pieces' progress between calls; its cost is one lookup per urgent piece.
func (r *rescuer) hostage(now time.Time, urgent map[int]bool, pieceLen int64) bool {
	if r.watched == nil {
		r.watched = make(map[int]progressMark)
	}
	for i := range r.watched {
		if _, ok := urgent[i]; !ok {
			delete(r.watched, i)
		}
	}
	held := false
	for i, underHead := range urgent {
		missing := r.t.PieceBytesMissing(i)
		m, ok := r.watched[i]
		switch {
		case missing == 0:
			delete(r.watched, i)
			continue
		case !ok || missing < m.missing:
			r.watched[i] = progressMark{missing, now}
			continue
		}
		if now.Sub(m.since) > hostageAfter && (underHead || missing < pieceLen) {
			held = true
		}
	}
	return held
}

// step looks for a hostage and frees it: urgent maps the urgent pieces to
// whether a head is on them.
func (r *rescuer) step(now time.Time, urgent map[int]bool, pieceLen int64) {
	r.rejoin(now, false)
	if !r.hostage(now, urgent, pieceLen) || r.off || now.Sub(r.last) < rescueCooldown {
		return
	}
	conns := r.t.PeerConns()
	ps := make([]peerRate, len(conns))
	for i, pc := range conns {
		st := pc.Stats()
		ps[i] = peerRate{st.DownloadRate, st.ChunksReadUseful.Int64()}
	}
	i := slowPeer(ps)
	if i < 0 {
		return
	}
	r.last = now
	r.drops++
	if addr := conns[i].RemoteAddr; addr != nil {
		r.parked = append(r.parked, parkedPeer{addr, now.Add(rejoinAfter)})
	}
	conns[i].Close()
}

// rejoin asks the parked peers back whose time has come, or all of them.
func (r *rescuer) rejoin(now time.Time, all bool) {
	var back []torrent.PeerInfo
	kept := r.parked[:0]
	for _, p := range r.parked {
		if all || !now.Before(p.at) {
			back = append(back, torrent.PeerInfo{Addr: p.addr, Source: torrent.PeerSourceDirect, Trusted: true})
		} else {
			kept = append(kept, p)
		}
	}
	r.parked = kept
	if len(back) > 0 {
		r.t.AddPeers(back)
	}
}

// release asks every parked peer back: the stream is over, and a seeding
// torrent wants them.
func (r *rescuer) release() { r.rejoin(time.Time{}, true) }
