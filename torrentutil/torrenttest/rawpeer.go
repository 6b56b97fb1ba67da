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
// to watch a client, or to lie to it: it dials the client, completes the
// handshakes, says it has every piece, unchokes, answers at most a few
// requests (RawPeerOptions.Answer), and then serves nothing. It records
// every message the client sends it.
type RawPeer struct {
	conn net.Conn
	opts RawPeerOptions
	wmu  sync.Mutex // serialises writes

	mu     sync.Mutex
	got    []pp.Message
	closed bool // the client closed the connection
	change chan struct{}
}

// RawPeerOptions configures DialRawPeer.
type RawPeerOptions struct {
	// ListenPort is announced in the extended handshake (BEP 10 "p"): where
	// the client may dial this peer back.
	ListenPort int
	// Answer is how many requests the peer answers, from Data in pieces of
	// PieceLen bytes, before it falls silent.
	Answer   int
	Data     []byte
	PieceLen int64
}

// DialRawPeer connects to the client at addr as a peer of the torrent ih,
// and keeps reading what the client sends until the test ends.
func DialRawPeer(tb testing.TB, addr string, ih metainfo.Hash, opts RawPeerOptions) *RawPeer {
	tb.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var id [20]byte
	copy(id[:], "-RP0001-rawpeer-test")
	bits := pp.NewPeerExtensionBytes(pp.ExtensionBitFast, pp.ExtensionBitLtep)
	if _, err := pp.Handshake(ctx, conn, &ih, id, bits); err != nil {
		tb.Fatalf("raw peer handshake with %s: %v", addr, err)
	}
	eh := pp.ExtendedHandshakeMessage{M: map[pp.ExtensionName]pp.ExtensionNumber{}, V: "rawpeer", Port: opts.ListenPort}
	for _, m := range []pp.Message{
		{Type: pp.Extended, ExtendedID: pp.HandshakeExtendedID, ExtendedPayload: bencode.MustMarshal(eh)},
		{Type: pp.HaveAll},
		{Type: pp.Unchoke},
	} {
		if _, err := conn.Write(m.MustMarshalBinary()); err != nil {
			tb.Fatal(err)
		}
	}
	p := &RawPeer{conn: conn, opts: opts, change: make(chan struct{})}
	go p.read()
	return p
}

// read records the client's messages until the connection ends.
func (p *RawPeer) read() {
	d := pp.Decoder{
		R:         bufio.NewReader(p.conn),
		Pool:      &sync.Pool{New: func() any { b := make([]byte, 16<<10); return &b }},
		MaxLength: 1 << 20,
	}
	answered := 0
	for {
		var m pp.Message
		err := d.Decode(&m)
		if err == nil && IsRequest(m) && answered < p.opts.Answer {
			answered++
			off := int64(m.Index)*p.opts.PieceLen + int64(m.Begin)
			piece := pp.Message{Type: pp.Piece, Index: m.Index, Begin: m.Begin, Piece: p.opts.Data[off : off+int64(m.Length)]}
			p.wmu.Lock()
			p.conn.Write(piece.MustMarshalBinary())
			p.wmu.Unlock()
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
