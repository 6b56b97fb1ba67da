package torrentutil

import (
	"time"

	"github.com/anacrolix/torrent"

	"github.com/btstream/btstream/torrentutil/plan"
)

// The rescue frees a piece at a read head that waits on one peer: the
// holder of its requests that chokes us or stopped delivering, or a
// connection that sleeps with requests to make (plan.Culprit). Closing the
// connection hands its requests to the other peers at once; it is the only
// lever v1.61.0 offers, whose requests are cancelled only when their piece
// completes or the connection closes. The peer is dialled again at its
// listen port after rejoinAfter, trusted as it was.
const (
	// rescueCooldown spaces two rescues: the first must have time to work.
	rescueCooldown = 2 * time.Second
	// rejoinAfter: a dropped peer is dialled again after this. Its requests
	// are gone with the connection, so it need not stay away long: its
	// bandwidth may be needed (measured: with each of two seeders carrying
	// 60% of the bitrate, 10 s away cost pauses of 22-34 s).
	rejoinAfter = 3 * time.Second
	// liarAway: a liar (plan.Liar) is dialled again, untrusted, after this
	// at the earliest: a seeder whose disk woke late may be one once.
	liarAway = time.Minute
	// muteStrikes: a peer whose connections the rescue dropped this many
	// times in a row, none of them having delivered a chunk, is a liar.
	muteStrikes = 2
	// redialEvery spaces the looks for known peers to dial again.
	redialEvery = 500 * time.Millisecond
	// reannounceEvery spaces re-announces (reannounce.go): each leaves the
	// library one more announcer per tracker, and a minute after a failed
	// attempt the library announces again by itself.
	reannounceEvery = time.Minute
)

// rescuer is the rescue's state; only the scheduler's goroutine uses it.
type rescuer struct {
	t          *Torrent
	hostages   plan.Hostages
	last       time.Time // the last rescue
	lastRedial time.Time
	drops      int
	// announced: the last re-announce; announces: how many; dhtStops
	// end the DHT announces it started.
	announced time.Time
	announces int
	dhtStops  []func()
}

// step frees one held piece if it can, and dials the known peers that are
// due. urgent maps the urgent pieces to whether a head is on them.
func (r *rescuer) step(now time.Time, urgent map[int]bool, pieceLen int64) {
	tt := r.t.t
	held := r.hostages.Held(now, urgent, pieceLen, tt.PieceBytesMissing)
	if len(held) > 0 && now.Sub(r.last) >= rescueCooldown {
		r.free(now, held)
	}
	if now.Sub(r.lastRedial) >= redialEvery {
		r.lastRedial = now
		r.unmask(now)
		waiting := false
		for _, underHead := range urgent {
			waiting = waiting || underHead
		}
		r.redial(now, waiting)
		if r.t.peers.takeBack() {
			r.reannounce(now)
		}
	}
}

// reannounce asks the trackers and the DHT for peers at once: a
// connection came after none, the network is back after an outage, and
// the library would ask its trackers again only when their interval ends
// (or a minute after an attempt failed) and the DHT after 15 minutes.
// Peers that moved while the network was away are found only so.
func (r *rescuer) reannounce(now time.Time) {
	if !r.announced.IsZero() && now.Sub(r.announced) < reannounceEvery {
		return
	}
	r.announced = now
	r.announces++
	if l := reannounceList(r.t.t.Metainfo().AnnounceList, r.announces); len(l) > 0 {
		r.t.t.AddTrackers(l)
	}
	r.stopDHT()
	for _, s := range r.t.c.cl.DhtServers() {
		if _, stop, err := r.t.t.AnnounceToDht(s); err == nil {
			r.dhtStops = append(r.dhtStops, stop)
		}
	}
	r.t.c.log.Info("the network is back: announced again", "trackers", r.announces)
}

// stopDHT ends the DHT announces the rescue started.
func (r *rescuer) stopDHT() {
	for _, stop := range r.dhtStops {
		stop()
	}
	r.dhtStops = nil
}

// unmask drops the liars among the connections (plan.Liar) when another
// peer's data passed a hash check (a lone peer is kept: without it nothing
// comes at all), and shuns their addresses: never trusted again, dialled
// again after liarAway at the earliest. The addresses on the IPs the
// library banned for bad data are never dialled again.
func (r *rescuer) unmask(now time.Time) {
	r.t.peers.shunHosts(r.t.c.cl.BadPeerIPs())
	conns := r.t.t.PeerConns()
	ps := r.judge(now, conns, -1)
	serves := false
	for _, p := range ps {
		serves = serves || (p.GoodPieces > 0 && !plan.Liar(p))
	}
	if !serves {
		return
	}
	connected := make(map[string]bool)
	for i, p := range ps {
		pc := conns[i]
		a := listenAddr(pc)
		if !plan.Liar(p) {
			connected[a] = a != ""
			continue
		}
		r.drops++
		if a != "" {
			r.t.peers.shun(a, now.Add(liarAway))
		}
		r.t.c.log.Warn("dropped a peer that lies", "peer", pc.RemoteAddr, "client", pc.PeerClientName.Load(), "judged", p)
		pc.Close()
	}
	for _, a := range r.t.peers.liarsAway(now, connected) {
		r.t.c.log.Warn("a peer that lied on its closed connections is not trusted again", "peer", a)
		r.t.peers.shun(a, now.Add(liarAway))
	}
}

// free drops the culprit of the first held piece that has one.
func (r *rescuer) free(now time.Time, held []int) {
	conns := r.t.t.PeerConns()
	for _, piece := range held {
		if i, asleep := plan.Culprit(r.judge(now, conns, piece)); i >= 0 {
			rejoin := rejoinAfter
			if asleep {
				rejoin = 0 // nothing wrong with the peer: only our side slept
			}
			r.drop(now, conns[i], rejoin, !asleep)
			return
		}
	}
}

// judge describes the connections for the judgement of the held piece
// (-1: none).
func (r *rescuer) judge(now time.Time, conns []*torrent.PeerConn, piece int) []plan.Peer {
	ps := make([]plan.Peer, len(conns))
	addrs := make([]string, len(conns))
	// What the library knows first, without the book's lock: the library
	// takes its client lock, which its callbacks hold while they wait for
	// the book's.
	for i, pc := range conns {
		addrs[i] = listenAddr(pc)
		st := pc.Stats()
		ps[i] = plan.Peer{
			HasPiece:   piece >= 0 && pc.PeerPieces().Contains(uint32(piece)),
			BadPieces:  st.PiecesDirtiedBad.Int64(),
			GoodPieces: st.PiecesDirtiedGood.Int64(),
		}
	}
	b := &r.t.peers
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, pc := range conns {
		p := ps[i]
		if rec := b.peers[&pc.Peer]; rec != nil {
			p.Pending = rec.pending[piece]
			for _, n := range rec.pending {
				p.Outstanding += n
			}
			p.Choking = rec.choking
			p.Age = now.Sub(rec.since)
			p.Delivered = rec.chunks
			p.Idle = now.Sub(rec.since)
			if !rec.lastChunk.IsZero() {
				p.Idle = now.Sub(rec.lastChunk)
			}
			if w, ok := rec.waiting[piece]; ok {
				p.PieceIdle = now.Sub(w)
			}
			p.Rejected = rec.rejected
			h := b.history(addrs[i], rec, now)
			p.Mute, p.Chokes = h.Mute, h.Chokes
		}
		ps[i] = p
	}
	return ps
}

// drop closes pc, whose requests go back to the other peers, and dials it
// again after rejoin at its listen port, trusted as it was.
func (r *rescuer) drop(now time.Time, pc *torrent.PeerConn, rejoin time.Duration, late bool) {
	r.last = now
	r.drops++
	a := listenAddr(pc)
	if a != "" {
		r.t.peers.know(false, a) // keeps a trust it had
	}
	if late && a != "" {
		b := &r.t.peers
		b.mu.Lock()
		var delivered int64
		if rec := b.peers[&pc.Peer]; rec != nil {
			delivered = rec.chunks
		}
		b.mu.Unlock()
		if b.strike(a, delivered) >= muteStrikes {
			r.t.c.log.Warn("dropped a peer that never delivers; not trusted again", "peer", pc.RemoteAddr, "client", pc.PeerClientName.Load())
			pc.Close()
			b.shun(a, now.Add(liarAway))
			return
		}
	}
	r.t.c.log.Warn("dropped a peer that held a piece up", "peer", pc.RemoteAddr, "client", pc.PeerClientName.Load(), "rejoin", rejoin)
	pc.Close()
	if a != "" {
		r.t.peers.park(a, now.Add(rejoin))
	}
}

// redial dials the known peers that are not connected and whose time has
// come; waiting: a read head waits for bytes.
func (r *rescuer) redial(now time.Time, waiting bool) {
	connected := make(map[string]bool)
	for _, pc := range r.t.t.PeerConns() {
		if a := listenAddr(pc); a != "" {
			connected[a] = true
		}
	}
	if ps := r.t.peers.due(now, connected, waiting); len(ps) > 0 {
		r.t.t.AddPeers(ps)
	}
}
