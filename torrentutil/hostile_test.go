package torrentutil

import (
	"context"
	"io"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// The hostile swarms: a film played at its bitrate from honest seeders
// that together carry 1.5 times it, with one of them or a liar beside them
// misbehaving. The tests assert what must hold (the bytes, the end of the
// read, the liar's fate); BenchmarkHostile measures the pauses:
//
//	go test -run '^$' -bench BenchmarkHostile -benchtime 1x ./torrentutil/
const (
	filmBitrate  = 512 << 10 // bytes per second
	filmLen      = 10 * time.Second
	filmPieceLen = 128 << 10
	// filmAhead is how far ahead of playback the player reads: its cache.
	filmAhead = 2 * time.Second
	// liarHost is the liar's IP: the library bans by IP, and the honest
	// seeders live on 127.0.0.1.
	liarHost = "127.0.0.3"
)

// film is one run: a leecher, its file, the honest seeders and a liar.
type film struct {
	data    []byte
	c       *Client
	tt      *Torrent
	f       *File
	honest  []*torrenttest.Seeder
	liar    *torrenttest.RawListener // nil without one
	pos     atomic.Int64             // the player's read position
	longest time.Duration            // the longest blocked read
}

// newFilm seeds the film from n honest seeders, each carrying share of
// the bitrate, and a liar telling lie unless lie < 0; the leecher knows
// them all as trusted peers (--peer, x.pe), the liar too.
func newFilm(tb testing.TB, n int, share float64, lie torrenttest.Lie, withLiar bool) *film {
	tb.Helper()
	data := torrenttest.Pattern(int(filmBitrate * filmLen / time.Second))
	path := torrenttest.WriteFile(tb, tb.TempDir(), "movie.mkv", data)
	fm := &film{data: data}
	for range n {
		fm.honest = append(fm.honest, torrenttest.NewSeeder(tb, path, filmPieceLen, torrenttest.SeederOptions{UploadRate: int64(share * filmBitrate)}))
	}
	fm.c = newTestClient(tb, Config{})
	var err error
	if fm.tt, err = fm.c.addSpec(mustSpec(tb, fm.honest[0].MetaInfo)); err != nil {
		tb.Fatal(err)
	}
	var addrs []string
	for _, s := range fm.honest {
		addrs = append(addrs, s.Addr())
	}
	if withLiar {
		fm.liar = torrenttest.ListenRawPeer(tb, liarHost, fm.honest[0].MetaInfo.HashInfoBytes(),
			torrenttest.RawPeerOptions{Lie: lie, Data: data, PieceLen: filmPieceLen})
		addrs = append(addrs, fm.liar.Addr())
	}
	fm.tt.addPeers(addrs...)
	fm.f, _ = fm.tt.File(0)
	return fm
}

// play streams the file as btstream does and reads it as a player with a
// filmAhead cache: never more than that ahead of its clock, which starts
// at the first read. It returns the bytes read.
func (fm *film) play(tb testing.TB, ctx context.Context, verified bool) []byte {
	tb.Helper()
	rule := StartRule{Want: filmBitrate, NoIndex: true}
	fm.f.Prioritize(rule)
	sctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		fm.tt.Schedule(sctx)
	}()
	defer func() { stop(); <-done }()
	if err := fm.f.WaitReady(ctx, rule); err != nil {
		tb.Fatal(err)
	}
	open := fm.f.Open
	if verified {
		open = fm.f.OpenVerified
	}
	r, err := open(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	got := make([]byte, 0, len(fm.data))
	buf := make([]byte, 64<<10)
	start := time.Now()
	for {
		allowed := int64((time.Since(start) + filmAhead).Seconds() * filmBitrate)
		if pos := int64(len(got)); pos >= allowed {
			// The cache is full: the player waits for playback to move.
			time.Sleep(time.Duration(float64(pos-allowed+1) / filmBitrate * float64(time.Second)))
			continue
		}
		t0 := time.Now()
		n, err := r.Read(buf)
		fm.longest = max(fm.longest, time.Since(t0))
		got = append(got, buf[:n]...)
		fm.pos.Store(int64(len(got)))
		if err == io.EOF {
			return got
		}
		if err != nil {
			tb.Fatalf("read at %d: %v", len(got), err)
		}
	}
}

// trusted reports whether the leecher's peer book trusts addr.
func (fm *film) trusted(addr string) bool {
	b := &fm.tt.peers
	b.mu.Lock()
	defer b.mu.Unlock()
	d := b.dials[addr]
	return d != nil && d.trusted
}

// banned reports whether the library banned the liar's IP.
func (fm *film) banned() bool { return slices.Contains(fm.c.cl.BadPeerIPs(), liarHost) }

// Each liar beside two honest seeders: the film is read to its end, byte
// for byte; the liar was dropped or banned, and is no longer trusted.
func TestHostilePeer(t *testing.T) {
	tests := []struct {
		name string
		lie  torrenttest.Lie
	}{
		{"silent", torrenttest.Silent},
		{"corrupt", torrenttest.Corrupt},
		{"flap", torrenttest.Flap},
		{"reject", torrenttest.Reject},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fm := newFilm(t, 2, 0.75, tc.lie, true)
			// A responsive reader can pass a liar's chunk on before its
			// piece fails the check (File.Open): the bytes are compared
			// through a verified one.
			got := fm.play(t, deadline(t), tc.lie == torrenttest.Corrupt)
			mustEqual(t, got, fm.data)
			ps := fm.liar.Peers()
			if len(ps) == 0 {
				t.Fatal("the leecher never dialled the liar")
			}
			if !ps[0].Closed() {
				t.Errorf("the liar's first connection is still open (accepted %d, banned %v)", fm.liar.Accepted(), fm.banned())
			}
			if tc.lie == torrenttest.Corrupt && !fm.banned() {
				t.Errorf("the corrupting liar is not banned: banned IPs %v", fm.c.cl.BadPeerIPs())
			}
			if fm.trusted(fm.liar.Addr()) {
				t.Errorf("the liar is still trusted (accepted %d)", fm.liar.Accepted())
			}
			t.Logf("liar accepted %d connections; longest blocked read %v; stats %+v", fm.liar.Accepted(), fm.longest, fm.tt.stats())
		})
	}
}
