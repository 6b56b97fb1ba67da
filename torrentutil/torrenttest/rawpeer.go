package torrenttest

import (
	"bufio"
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"
	pp "github.com/anacrolix/torrent/peer_protocol"
)

// RawPeer is a peer that speaks just enough of the wire protocol for a test
// to watch a client, or to lie to it: it dials the client (DialRawPeer) or
// is dialled (ListenRawPeer), completes the handshakes, says it has every
// piece, unchokes, and then lies as RawPeerOptions.Lie says. It records
// every message the client sends it.
type RawPeer struct {
	conn net.Conn
	opts RawPeerOptions
	wmu  sync.Mutex    // serialises writes
	done chan struct{} // the reader ended
	wg   sync.WaitGroup

	choking bool // a Flap peer chokes now; under wmu

	mu     sync.Mutex
	got    []pp.Message
	closed bool // the client closed the connection
	change chan struct{}
}

// Lie is how a RawPeer misbehaves once it has said it has every piece.
type Lie int

const (
	// Silent takes requests and answers RawPeerOptions.Answer of them,
	// then none.
	Silent Lie = iota
	// Corrupt answers every request with the chunk's bytes, its first
	// byte flipped: every piece it touches fails its hash check.
	Corrupt
	// Flap chokes and unchokes every second. It answers the requests it
	// gets while unchoking and drops the others without a word.
	Flap
	// Reject rejects every request (fast extension).
	Reject
)

// RawPeerOptions configures DialRawPeer and ListenRawPeer.
type RawPeerOptions struct {
	// ListenPort is announced in the extended handshake (BEP 10 "p"): where
	// the client may dial this peer back.
	ListenPort int
	// Host is the loopback IP a dialling peer connects from; "" lets the
	// system choose (127.0.0.1). The library bans by IP: a liar beside
	// honest seeders needs an IP of its own.
	Host string
	Lie  Lie
	// Answer is how many requests a Silent peer answers, from Data in
	// pieces of PieceLen bytes, before it falls silent. Corrupt and Flap
	// answer from Data too.
	Answer   int
	Data     []byte
	PieceLen int64
}

// DialRawPeer connects to the client at addr as a peer of the torrent ih,
// and keeps reading what the client sends until the test ends.
func DialRawPeer(tb testing.TB, addr string, ih metainfo.Hash, opts RawPeerOptions) *RawPeer {
	tb.Helper()
	var d net.Dialer
	if opts.Host != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(opts.Host)}
	}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		if opts.Host != "" {
			tb.Skipf("cannot dial from %s: %v", opts.Host, err)
		}
		tb.Fatal(err)
	}
	p, err := startRawPeer(conn, ih, opts)
	if err != nil {
		tb.Fatalf("raw peer handshake with %s: %v", addr, err)
	}
	tb.Cleanup(p.close)
	return p
}

// startRawPeer completes the handshakes on conn and serves it.
func startRawPeer(conn net.Conn, ih metainfo.Hash, opts RawPeerOptions) (*RawPeer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var id [20]byte
	copy(id[:], "-RP0001-rawpeer-test")
	bits := pp.NewPeerExtensionBytes(pp.ExtensionBitFast, pp.ExtensionBitLtep)
	if _, err := pp.Handshake(ctx, conn, &ih, id, bits); err != nil {
		conn.Close()
		return nil, err
	}
	eh := pp.ExtendedHandshakeMessage{M: map[pp.ExtensionName]pp.ExtensionNumber{}, V: "rawpeer", Port: opts.ListenPort}
	for _, m := range []pp.Message{
		{Type: pp.Extended, ExtendedID: pp.HandshakeExtendedID, ExtendedPayload: bencode.MustMarshal(eh)},
		{Type: pp.HaveAll},
		{Type: pp.Unchoke},
	} {
		if _, err := conn.Write(m.MustMarshalBinary()); err != nil {
			conn.Close()
			return nil, err
		}
	}
	p := &RawPeer{conn: conn, opts: opts, change: make(chan struct{}), done: make(chan struct{})}
	p.wg.Go(p.read)
	if opts.Lie == Flap {
		p.wg.Go(p.flap)
	}
	return p, nil
}

// close ends the connection and waits for the peer's goroutines.
func (p *RawPeer) close() {
	p.conn.Close()
	p.wg.Wait()
}

// flapEvery is how often a Flap peer turns.
const flapEvery = time.Second

// flap chokes and unchokes in turn until the connection ends.
func (p *RawPeer) flap() {
	tick := time.NewTicker(flapEvery)
	defer tick.Stop()
	for choke := true; ; choke = !choke {
		select {
		case <-p.done:
			return
		case <-tick.C:
		}
		m := pp.Message{Type: pp.Unchoke}
		if choke {
			m.Type = pp.Choke
		}
		p.wmu.Lock()
		p.choking = choke
		p.conn.Write(m.MustMarshalBinary())
		p.wmu.Unlock()
	}
}

// answer replies to the request m as the peer's lie says.
func (p *RawPeer) answer(m pp.Message, answered *int) {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	var out pp.Message
	switch p.opts.Lie {
	case Silent:
		if *answered >= p.opts.Answer {
			return
		}
		*answered++
		out = p.chunk(m)
	case Corrupt:
		out = p.chunk(m)
		b := append([]byte(nil), out.Piece...)
		b[0] ^= 0xff
		out.Piece = b
	case Flap:
		if p.choking {
			return
		}
		out = p.chunk(m)
	case Reject:
		out = pp.Message{Type: pp.Reject, Index: m.Index, Begin: m.Begin, Length: m.Length}
	}
	p.conn.Write(out.MustMarshalBinary())
}

// chunk is the honest answer to the request m.
func (p *RawPeer) chunk(m pp.Message) pp.Message {
	off := int64(m.Index)*p.opts.PieceLen + int64(m.Begin)
	return pp.Message{Type: pp.Piece, Index: m.Index, Begin: m.Begin, Piece: p.opts.Data[off : off+int64(m.Length)]}
}

// read records the client's messages until the connection ends.
func (p *RawPeer) read() {
	d := pp.Decoder{
		R:         bufio.NewReader(p.conn),
		Pool:      &sync.Pool{New: func() any { b := make([]byte, 16<<10); return &b }},
		MaxLength: 1 << 20,
	}
	defer close(p.done)
	answered := 0
	for {
		var m pp.Message
		err := d.Decode(&m)
		if err == nil && IsRequest(m) {
			p.answer(m, &answered)
		}
		p.mu.Lock()
		if err != nil {
			p.closed = true
		} else {
			p.got = append(p.got, m)
		}
		close(p.change)
		p.change = make(chan struct{})
		p.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// Count returns how many of the client's messages so far match.
func (p *RawPeer) Count(match func(pp.Message) bool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, m := range p.got {
		if match(m) {
			n++
		}
	}
	return n
}

// Wait waits until cond holds of the peer, checked at every message and
// when the connection ends, or until ctx ends; it reports whether cond held.
func (p *RawPeer) Wait(ctx context.Context, cond func(*RawPeer) bool) bool {
	for {
		p.mu.Lock()
		ch := p.change
		p.mu.Unlock()
		if cond(p) {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-ch:
		}
	}
}

// Closed reports whether the client closed the connection.
func (p *RawPeer) Closed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// IsKeepalive matches keep-alive messages.
func IsKeepalive(m pp.Message) bool { return m.Keepalive }

// IsRequest matches requests for chunks.
func IsRequest(m pp.Message) bool { return !m.Keepalive && m.Type == pp.Request }

// RawListener accepts the client's connections as raw peers, each served
// as its RawPeerOptions say: a liar the client dials itself, by an address
// it was given.
type RawListener struct {
	l    net.Listener
	ih   metainfo.Hash
	opts RawPeerOptions
	wg   sync.WaitGroup

	mu       sync.Mutex
	peers    []*RawPeer
	accepted int
	change   chan struct{}
}

// ListenRawPeer listens on host (a loopback IP) for the client's
// connections to a peer of the torrent ih, until the test ends. It skips
// the test when host cannot be listened on.
func ListenRawPeer(tb testing.TB, host string, ih metainfo.Hash, opts RawPeerOptions) *RawListener {
	tb.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		tb.Skipf("cannot listen on %s: %v", host, err)
	}
	opts.ListenPort = l.Addr().(*net.TCPAddr).Port
	rl := &RawListener{l: l, ih: ih, opts: opts, change: make(chan struct{})}
	rl.wg.Go(rl.accept)
	tb.Cleanup(rl.close)
	return rl
}

// Addr is where the listener accepts, host:port.
func (rl *RawListener) Addr() string { return rl.l.Addr().String() }

func (rl *RawListener) accept() {
	for {
		conn, err := rl.l.Accept()
		if err != nil {
			return
		}
		rl.mu.Lock()
		rl.accepted++
		close(rl.change)
		rl.change = make(chan struct{})
		rl.mu.Unlock()
		rl.wg.Go(func() {
			p, err := startRawPeer(conn, rl.ih, rl.opts)
			if err != nil {
				return
			}
			rl.mu.Lock()
			rl.peers = append(rl.peers, p)
			rl.mu.Unlock()
		})
	}
}

func (rl *RawListener) close() {
	rl.l.Close()
	rl.mu.Lock()
	ps := rl.peers
	rl.mu.Unlock()
	for _, p := range ps {
		p.conn.Close()
	}
	rl.wg.Wait()
	rl.mu.Lock()
	ps = rl.peers // a handshake may have finished meanwhile
	rl.mu.Unlock()
	for _, p := range ps {
		p.close()
	}
}

// Accepted is how many connections the client made to the listener.
func (rl *RawListener) Accepted() int {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	return rl.accepted
}

// Peers returns the connections served so far, in order.
func (rl *RawListener) Peers() []*RawPeer {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	return append([]*RawPeer(nil), rl.peers...)
}

// Open reports whether a connection from the client is open now.
func (rl *RawListener) Open() bool {
	for _, p := range rl.Peers() {
		if !p.Closed() {
			return true
		}
	}
	return false
}
