package torrentutil

import (
	"time"

	"github.com/anacrolix/torrent"

	"github.com/btstream/btstream/torrentutil/plan"
)

// In v1.61.0 a chunk is asked of one peer only, and another peer takes it
// over only when it has no more requests outstanding than the holder; the
// requests a peer holds are cancelled only when their piece completes or
// the connection closes. A chunk at a read head held by a slow peer waits
// for that peer's whole queue (measured: 0.3-0.67 s with a 256 KiB/s peer
// beside an 8 MiB/s one). The one lever that frees it at once is closing
// the connection: its requests go back to the pool and the faster peers
// take them. The peer is asked back later, so its bandwidth is not lost.
// When a piece is held hostage, and by whom, is plan's judgement
// (plan.Hostages, plan.SlowPeer).
const (
	// rescueCooldown spaces two rescues: the first must have time to work.
	rescueCooldown = 2 * time.Second
	// rejoinAfter: a dropped peer is asked back after this.
	rejoinAfter = 10 * time.Second
)

// rescuer drops a far slower peer while it holds an urgent piece hostage,
// and asks it back later.
type rescuer struct {
	t        *torrent.Torrent
	off      bool // benchmarks compare with and without
	last     time.Time
	parked   []parkedPeer
	hostages plan.Hostages
	drops    int
}

type parkedPeer struct {
	addr torrent.PeerRemoteAddr
	at   time.Time // when to ask it back
}

// step looks for a hostage and frees it: urgent maps the urgent pieces to
// whether a head is on them.
func (r *rescuer) step(now time.Time, urgent map[int]bool, pieceLen int64) {
	r.rejoin(now, false)
	if !r.hostages.Held(now, urgent, pieceLen, r.t.PieceBytesMissing) || r.off || now.Sub(r.last) < rescueCooldown {
		return
	}
	conns := r.t.PeerConns()
	ps := make([]plan.PeerRate, len(conns))
	for i, pc := range conns {
		st := pc.Stats()
		ps[i] = plan.PeerRate{Rate: st.DownloadRate, Chunks: st.ChunksReadUseful.Int64()}
	}
	i := plan.SlowPeer(ps)
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
