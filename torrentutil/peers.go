package torrentutil

import (
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/anacrolix/torrent"
	pp "github.com/anacrolix/torrent/peer_protocol"

	"github.com/btstream/btstream/torrentutil/plan"
)

// A torrent's peer book: what the library's callbacks tell of each
// connection (the requests it holds, piece by piece; whether the peer
// chokes us; when it last delivered), and the addresses worth dialling
// again. The library exposes none of this otherwise; the rescue (rescue.go)
// judges peers by it.

// peerRecord is what the book knows of one connection.
type peerRecord struct {
	pending map[int]int // piece -> requests outstanding
	// waiting maps a piece with requests outstanding to when the peer last
	// delivered a chunk of it, or was first asked for one.
	waiting   map[int]time.Time
	choking   bool      // the peer chokes us (every connection starts so)
	since     time.Time // connected
	lastChunk time.Time // last useful chunk, zero before the first
	chunks    int64     // useful chunks delivered
	firstAsk  time.Time // the first request sent, zero before it
	rejected  int       // live requests rejected while unchoking, since the last chunk
	// live holds the requests outstanding: a reject of one of them is a
	// refusal; a reject of a request we cancelled is what the fast
	// extension asks a peer to send.
	live   map[chunkKey]struct{}
	chokes []time.Time // when it choked us, within plan.FlapWindow
}

// chunkKey names a request.
type chunkKey struct{ index, begin uint32 }

// dialState is what the book knows of one address to dial.
type dialState struct {
	trusted  bool      // added as trusted (x.pe, --peer): keep it so
	attempts int       // drops and failed dials in a row
	next     time.Time // not before this, unless a head waits (see due)
	last     time.Time // last dialled
	parked   time.Time // dropped by the rescue: not before this, whatever happens
	// liar: the peer lied (plan.Liar): it is never trusted again, whoever
	// names it. banned: the library banned its IP for bad data: it is
	// never dialled again either.
	liar, banned bool
	// mute: rescue drops in a row of connections that delivered nothing
	// (see strike).
	mute int
	// heard: one of its closed connections delivered a useful chunk.
	// firstAsk: the first request sent to one of its closed connections,
	// zero before. chokes: when they choked us, within plan.FlapWindow.
	// With the live connection's own, they make plan.Peer's Mute and
	// Chokes, which run across connections (see history).
	heard    bool
	firstAsk time.Time
	chokes   []time.Time
}

// peerBook is a torrent's peer book. The callbacks run with the client lock
// held: they only touch the book, under its own lock.
type peerBook struct {
	mu sync.Mutex
	// peers holds the live connections' records, from PeerConnAdded (or
	// their first event, for a connection added before the torrent was
	// in the client's map) to PeerConnClosed. A request deleted after the
	// close (v1.61.0 deletes a closed connection's requests after its
	// PeerConnClosed) makes no record.
	peers map[*torrent.Peer]*peerRecord
	dials map[string]*dialState
	// hadPeers: a connection was added once. back: a connection came
	// after none, and no re-announce has answered it yet (see takeBack).
	hadPeers, back bool
}

// added records a new connection p; the caller holds the lock.
func (b *peerBook) added(p *torrent.Peer, now time.Time) {
	if b.peers == nil {
		b.peers = make(map[*torrent.Peer]*peerRecord)
	}
	if len(b.peers) == 0 {
		b.wake(now)
		b.back = b.back || b.hadPeers
	}
	b.hadPeers = true
	b.peers[p] = newRecord(now)
}

// newRecord is the record of a connection made at now.
func newRecord(now time.Time) *peerRecord {
	return &peerRecord{pending: make(map[int]int), waiting: make(map[int]time.Time), live: make(map[chunkKey]struct{}), choking: true, since: now}
}

// takeBack reports whether a connection came after none since the last
// call: the network is back after an outage (the first connection of the
// torrent does not count).
func (b *peerBook) takeBack() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	back := b.back
	b.back = false
	return back
}

// watchPeers installs the callbacks that keep the torrents' peer books.
func (c *Client) watchPeers(cb *torrent.Callbacks) {
	book := func(p *torrent.Peer) *peerBook {
		if t, ok := c.torrents.Load(p.Torrent()); ok {
			return &t.(*Torrent).peers
		}
		return nil
	}
	// update applies f to p's record; create: make one if there is none.
	// Only a connection's own events create (a request sent, a message
	// read): a deleted request can come after the close, and a webseed
	// delivers data but is no connection.
	update := func(p *torrent.Peer, create bool, f func(*peerRecord, time.Time)) {
		if b := book(p); b != nil {
			b.mu.Lock()
			now := time.Now()
			r := b.peers[p]
			if r == nil && create {
				if b.peers == nil {
					b.peers = make(map[*torrent.Peer]*peerRecord)
				}
				r = newRecord(now)
				b.peers[p] = r
			}
			if r != nil {
				f(r, now)
			}
			b.mu.Unlock()
		}
	}
	cb.SentRequest = append(cb.SentRequest, func(e torrent.PeerRequestEvent) {
		update(e.Peer, true, func(r *peerRecord, now time.Time) {
			i := int(e.Index)
			if r.pending[i] == 0 {
				r.waiting[i] = now
			}
			r.pending[i]++
			r.live[chunkKey{uint32(e.Index), uint32(e.Begin)}] = struct{}{}
			if r.firstAsk.IsZero() {
				r.firstAsk = now
			}
		})
	})
	cb.DeletedRequest = append(cb.DeletedRequest, func(e torrent.PeerRequestEvent) {
		update(e.Peer, false, func(r *peerRecord, _ time.Time) {
			delete(r.live, chunkKey{uint32(e.Index), uint32(e.Begin)})
			if i := int(e.Index); r.pending[i] > 1 {
				r.pending[i]--
			} else {
				delete(r.pending, i)
				delete(r.waiting, i)
			}
		})
	})
	cb.ReceivedUsefulData = append(cb.ReceivedUsefulData, func(e torrent.ReceivedUsefulDataEvent) {
		update(e.Peer, false, func(r *peerRecord, now time.Time) {
			r.lastChunk = now
			r.chunks++
			r.rejected = 0
			if _, ok := r.waiting[int(e.Message.Index)]; ok {
				r.waiting[int(e.Message.Index)] = now
			}
		})
	})
	cb.ReadMessage = func(pc *torrent.PeerConn, m *pp.Message) {
		if m.Keepalive {
			return
		}
		switch m.Type {
		case pp.Choke, pp.Unchoke:
			update(&pc.Peer, true, func(r *peerRecord, now time.Time) {
				choke := m.Type == pp.Choke
				if choke && !r.choking {
					r.chokes = append(r.chokes, now)
					for len(r.chokes) > 0 && now.Sub(r.chokes[0]) >= plan.FlapWindow {
						r.chokes = r.chokes[1:]
					}
				}
				r.choking = choke
			})
		case pp.Reject:
			// Before the library handles it: a live request is still live.
			update(&pc.Peer, true, func(r *peerRecord, _ time.Time) {
				if _, ok := r.live[chunkKey{uint32(m.Index), uint32(m.Begin)}]; ok && !r.choking {
					r.rejected++
				}
			})
		}
	}
	cb.PeerConnAdded = append(cb.PeerConnAdded, func(pc *torrent.PeerConn) {
		if b := book(&pc.Peer); b != nil {
			b.mu.Lock()
			b.added(&pc.Peer, time.Now())
			b.mu.Unlock()
		}
	})
	cb.PeerConnClosed = func(pc *torrent.PeerConn) {
		b := book(&pc.Peer)
		if b == nil {
			return
		}
		addr := listenAddr(pc)
		b.mu.Lock()
		defer b.mu.Unlock()
		r := b.peers[&pc.Peer]
		delete(b.peers, &pc.Peer)
		if addr != "" {
			b.dropped(addr, r, time.Now())
		}
	}
}

// forgetAfter: an untrusted address that failed this many times in a row
// is no longer dialled; the ones the user named (--peer, x.pe) always are.
const forgetAfter = 8

// A connection that delivered for this long before it dropped was good:
// its address is dialled again at once, its failures forgotten.
const goodConnection = 30 * time.Second

// dropped schedules a new dial of addr, whose connection r closed: soon
// after a good connection, later after each failure in a row.
func (b *peerBook) dropped(addr string, r *peerRecord, now time.Time) {
	d := b.dialOf(addr)
	if r != nil && r.chunks > 0 && now.Sub(r.since) >= goodConnection {
		d.attempts = 0
	}
	if r != nil {
		d.heard = d.heard || r.chunks > 0
		d.firstAsk = earliest(d.firstAsk, r.firstAsk)
		d.chokes = append(d.chokes, r.chokes...)
	}
	d.chokes = slices.DeleteFunc(d.chokes, func(at time.Time) bool { return now.Sub(at) >= plan.FlapWindow })
	d.next = now.Add(plan.Redial(d.attempts))
	d.attempts++
}

// earliest returns the earlier of two times, a zero one being none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// history returns what plan.Liar judges of addr over its closed
// connections and r, its live one (nil: none; "" addr: r alone): how long
// it has been asked for chunks without delivering one (plan.Peer.Mute),
// and how often it choked us within plan.FlapWindow (plan.Peer.Chokes).
// The caller holds the lock.
//
// One history per address, not per connection: the rescue drops a
// connection that holds a piece up, chokes us or delivers nothing within
// 2 s (plan.Culprit), sooner than one connection is old enough to judge,
// and dials it again; the judgement of a connection started afresh then
// never reached plan.Liar's bars: a silent liar went through four
// connections in a 10 s film and kept its trust, and a flapping one was
// parked after one.
func (b *peerBook) history(addr string, r *peerRecord, now time.Time) plan.Peer {
	var heard bool
	var first time.Time
	var chokes []time.Time
	if r != nil {
		heard, first, chokes = r.chunks > 0, r.firstAsk, r.chokes
	}
	if d := b.dials[addr]; d != nil && addr != "" {
		heard, first = heard || d.heard, earliest(first, d.firstAsk)
		chokes = append(slices.Clip(chokes), d.chokes...)
	}
	var p plan.Peer
	if !heard && !first.IsZero() {
		p.Mute = now.Sub(first)
	}
	for _, at := range chokes {
		if now.Sub(at) < plan.FlapWindow {
			p.Chokes++
		}
	}
	return p
}

// liarsAway returns the addresses, none of them connected now or shunned
// already, that plan.Liar judges a liar's on their closed connections
// alone: a silent or flapping peer is judged when its history says so,
// not when it is next dialled (which the rescue's parking puts off).
func (b *peerBook) liarsAway(now time.Time, connected map[string]bool) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for a, d := range b.dials {
		if d.liar || connected[a] {
			continue
		}
		if plan.Liar(b.history(a, nil, now)) {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return out
}

// know records addresses to keep dialling while the stream runs.
func (b *peerBook) know(trusted bool, addrs ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dials == nil {
		b.dials = make(map[string]*dialState)
	}
	for _, a := range addrs {
		if d := b.dials[a]; d != nil {
			d.trusted = !d.liar && (d.trusted || trusted)
		} else {
			b.dials[a] = &dialState{trusted: trusted}
		}
	}
}

// dialOf returns addr's dial state, made empty if there is none. It is
// called with b.mu held.
func (b *peerBook) dialOf(addr string) *dialState {
	if b.dials == nil {
		b.dials = make(map[string]*dialState)
	}
	d := b.dials[addr]
	if d == nil {
		d = &dialState{}
		b.dials[addr] = d
	}
	return d
}

// shun marks addr as a liar's: never trusted again, and not dialled
// before until.
func (b *peerBook) shun(addr string, until time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	d := b.dialOf(addr)
	d.liar, d.trusted = true, false
	d.next, d.parked = until, until
}

// strike records a rescue drop of addr's connection, which delivered
// delivered chunks, and returns the drops in a row of connections that
// delivered nothing. A peer that takes requests and never answers is
// dropped by the rescue within seconds of each connection, too soon for
// plan.Liar's mute rule; two such connections in a row make it a liar.
func (b *peerBook) strike(addr string, delivered int64) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	d := b.dials[addr]
	if d == nil {
		return 0
	}
	if delivered > 0 {
		d.mute = 0
	} else {
		d.mute++
	}
	return d.mute
}

// shunHosts marks every address on the given IPs as banned: the library
// banned those IPs for bad data, and dials a banned IP anyway when told the
// peer is trusted.
func (b *peerBook) shunHosts(ips []string) {
	if len(ips) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for a, d := range b.dials {
		if host, _, err := net.SplitHostPort(a); err == nil && slices.Contains(ips, host) {
			d.liar, d.banned, d.trusted = true, true, false
		}
	}
}

// park keeps addr from being dialled before until.
func (b *peerBook) park(addr string, until time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if d := b.dials[addr]; d != nil {
		d.next, d.parked = until, until
	}
}

// wake makes every known address due at once, but the parked ones: the
// torrent got a connection after it had none, a sign that the network is
// back, and the backoff of the addresses that failed meanwhile measured
// the outage, not the peers.
func (b *peerBook) wake(now time.Time) {
	for _, d := range b.dials {
		if d.next.After(now) {
			d.next = now
		}
	}
}

// waitingRedial spaces the dials of a trusted address while a read head
// waits for bytes, whatever its backoff: the peers the user named (--peer,
// x.pe) are few, and after an outage the first dial that succeeds ends the
// pause (issue 13: the first bytes within 2 s of the peers' return).
const waitingRedial = 500 * time.Millisecond

// due returns the known addresses not connected (connected holds the
// listen addresses of the live connections) whose time to dial has come,
// and moves their next dial on by the backoff. While a read head waits
// (waiting), a trusted address is due every waitingRedial.
func (b *peerBook) due(now time.Time, connected map[string]bool, waiting bool) []torrent.PeerInfo {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []torrent.PeerInfo
	for a, d := range b.dials {
		if d.banned {
			continue
		}
		if !d.trusted && d.attempts >= forgetAfter {
			delete(b.dials, a) // gone from the swarm, most likely
			continue
		}
		if connected[a] || now.Before(d.parked) {
			continue
		}
		if now.Before(d.next) && !(waiting && d.trusted && now.Sub(d.last) >= waitingRedial) {
			continue
		}
		d.last = now
		out = append(out, torrent.PeerInfo{Addr: torrent.StringAddr(a), Source: torrent.PeerSourceDirect, Trusted: d.trusted})
		d.next = now.Add(plan.Redial(d.attempts))
		d.attempts++
	}
	return out
}

// listenAddr is where the peer of pc accepts connections: the address we
// dialled, or for a peer that dialled us the port it announced in its
// extended handshake; "" when it announced none (its outgoing port would
// reach nobody).
func listenAddr(pc *torrent.PeerConn) string {
	if pc.RemoteAddr == nil {
		return ""
	}
	a := pc.RemoteAddr.String()
	if pc.Discovery != torrent.PeerSourceIncoming {
		return a
	}
	host, _, err := net.SplitHostPort(a)
	if err != nil || pc.PeerListenPort <= 0 || pc.PeerListenPort > 65535 {
		return ""
	}
	return net.JoinHostPort(host, strconv.Itoa(pc.PeerListenPort))
}
