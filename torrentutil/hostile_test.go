package torrentutil

import (
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	path    string
	share   float64
	c       *Client
	tt      *Torrent
	f       *File
	honest  []*torrenttest.Seeder
	liar    *torrenttest.RawListener // nil without one
	pos     atomic.Int64             // the player's read position
	blocked atomic.Bool              // the player waits in a read
	ended   chan struct{}            // the player stopped: it read the last byte, or failed
	longest time.Duration            // the longest blocked read
}

// newFilm seeds the film from n honest seeders, each carrying share of
// the bitrate, and with withLiar a liar telling lie on liarHost; the
// leecher knows them all as trusted peers (--peer, x.pe), the liar too.
func newFilm(tb testing.TB, n int, share float64, lie torrenttest.Lie, withLiar bool) *film {
	tb.Helper()
	return newFilmOn(tb, newTestClient(tb, Config{}), n, share, lie, withLiar)
}

// newFilmOn is newFilm with c as the leecher.
func newFilmOn(tb testing.TB, c *Client, n int, share float64, lie torrenttest.Lie, withLiar bool) *film {
	tb.Helper()
	data := torrenttest.Pattern(int(filmBitrate * filmLen / time.Second))
	path := torrenttest.WriteFile(tb, tb.TempDir(), "movie.mkv", data)
	fm := &film{data: data, path: path, share: share, ended: make(chan struct{})}
	for range n {
		fm.honest = append(fm.honest, torrenttest.NewSeeder(tb, path, filmPieceLen, torrenttest.SeederOptions{UploadRate: int64(share * filmBitrate)}))
	}
	fm.c = c
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
	// Whatever ends the play, what waits beside it (until) stops waiting:
	// a failed read must fail the test, not leave it hanging.
	defer close(fm.ended)
	sctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		fm.tt.Schedule(sctx)
	}()
	defer func() { stop(); <-done }()
	if err := fm.f.WaitReady(ctx, rule); err != nil {
		tb.Fatalf("wait for the start: %v\n%s", err, fm.status())
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
		fm.blocked.Store(true)
		n, err := r.Read(buf)
		fm.blocked.Store(false)
		fm.longest = max(fm.longest, time.Since(t0))
		got = append(got, buf[:n]...)
		fm.pos.Store(int64(len(got)))
		if err == io.EOF {
			return got
		}
		if err != nil {
			tb.Fatalf("read at %d: %v\n%s", len(got), err, fm.status())
		}
	}
}

// status describes the leecher, its peer book and the honest seeders as
// the library and the book see them, for a failure's report.
func (fm *film) status() string {
	var sb strings.Builder
	sb.WriteString("leecher:\n")
	fm.c.cl.WriteStatus(&sb)
	b := &fm.tt.peers
	b.mu.Lock()
	for p, r := range b.peers {
		fmt.Fprintf(&sb, "book: %v %+v\n", p.RemoteAddr, *r)
	}
	for a, d := range b.dials {
		fmt.Fprintf(&sb, "book: dial %s %+v\n", a, *d)
	}
	b.mu.Unlock()
	for i, s := range fm.honest {
		fmt.Fprintf(&sb, "seeder %d:\n", i)
		s.Client.WriteStatus(&sb)
	}
	return sb.String()
}

// trusted reports whether the leecher's peer book trusts addr.
func (fm *film) trusted(addr string) bool {
	b := &fm.tt.peers
	b.mu.Lock()
	defer b.mu.Unlock()
	d := b.dials[addr]
	return d != nil && d.trusted
}

// dial describes the peer book's entry for addr.
func (fm *film) dial(addr string) string {
	b := &fm.tt.peers
	b.mu.Lock()
	defer b.mu.Unlock()
	if d := b.dials[addr]; d != nil {
		return fmt.Sprintf("%+v", *d)
	}
	return "not in the book"
}

// requests counts the requests each connection received.
func requests(ps []*torrenttest.RawPeer) []int {
	var n []int
	for _, p := range ps {
		n = append(n, p.Count(torrenttest.IsRequest))
	}
	return n
}

// banned reports whether the library banned the liar's IP.
func (fm *film) banned() bool { return slices.Contains(fm.c.cl.BadPeerIPs(), liarHost) }

// lies are the liars of TestHostilePeer and BenchmarkHostile.
var lies = []struct {
	name string
	lie  torrenttest.Lie
}{
	{"silent", torrenttest.Silent},
	{"corrupt", torrenttest.Corrupt},
	{"flap", torrenttest.Flap},
	{"reject", torrenttest.Reject},
}

// Each liar beside two honest seeders: the film is read to its end, byte
// for byte; the liar was dropped or banned, and is no longer trusted.
func TestHostilePeer(t *testing.T) {
	for _, tc := range lies {
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
				t.Errorf("the liar is still trusted (requests per connection %v; %s)", requests(ps), fm.dial(fm.liar.Addr()))
			}
			t.Logf("liar accepted %d connections; longest blocked read %v; stats %+v", fm.liar.Accepted(), fm.longest, fm.tt.stats())
		})
	}
}

// until polls cond every 10 ms until it holds (true) or the player ends
// (false). It measures nothing.
func (fm *film) until(cond func() bool) bool {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-fm.ended:
			return false
		case <-tick.C:
		}
	}
	return true
}

// midway reports whether the player has read half the film.
func (fm *film) midway() bool { return fm.pos.Load() >= int64(len(fm.data))/2 }

// outage closes every seeder once the player is midway, waits for gap (a
// read blocks, then the rest of gap), and starts new seeders with the same
// data on the same ports. It runs beside the player, in a goroutine that
// its caller waits for. It returns the time from their return to the
// leecher's first new bytes, or 0 if the player ended first.
func (fm *film) outage(tb testing.TB, gap time.Duration) time.Duration {
	if !fm.until(fm.midway) {
		return 0
	}
	ports := make([]int, len(fm.honest))
	for i, s := range fm.honest {
		ports[i] = s.Client.LocalPort()
		s.Close()
	}
	down := time.Now()
	if !fm.until(fm.blocked.Load) {
		return 0
	}
	time.Sleep(gap - time.Since(down)) // the outage itself, not a synchronisation
	before := fm.tt.stats().BytesRead
	for i, port := range ports {
		opts := torrenttest.SeederOptions{UploadRate: int64(fm.share * filmBitrate), Port: port}
		if !portFree(port) {
			opts.Port = 0
		}
		fm.honest[i] = torrenttest.NewSeeder(tb, fm.path, filmPieceLen, opts)
		if opts.Port == 0 {
			// Its port was taken while it was away: by another test, or
			// by the leecher's own dial of it (a TCP self-connect, which
			// the library then never dials again). It comes back on a
			// new port and dials the leecher, as a tracker would have it
			// do. Otherwise the play would wait for the deadline (a
			// failure seen once under load).
			tb.Logf("seeder %d: port %d taken; back on %d, dialling the leecher", i, port, fm.honest[i].Client.LocalPort())
			fm.honest[i].Dial(net.JoinHostPort("127.0.0.1", strconv.Itoa(fm.c.cl.LocalPort())))
		}
	}
	back := time.Now()
	if !fm.until(func() bool { return fm.tt.stats().BytesRead > before }) {
		return 0
	}
	return time.Since(back)
}

// portFree reports whether a seeder could listen on port of 127.0.0.1.
func portFree(port int) bool {
	l, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// After every seeder left and came back on the same ports, the player that
// waited reads on to the end, byte for byte.
func TestOutageRecovery(t *testing.T) {
	t.Parallel()
	fm := newFilm(t, 2, 0.75, 0, false)
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { fm.outage(t, 0) })
	got := fm.play(t, deadline(t), false)
	mustEqual(t, got, fm.data)
}

// One of three seeders leaves for good midway; the two left carry the
// bitrate: the player reads on to the end, byte for byte.
func TestSeederLeaves(t *testing.T) {
	t.Parallel()
	fm := newFilm(t, 3, 0.6, 0, false)
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		if fm.until(fm.midway) {
			fm.honest[0].Close()
		}
	})
	got := fm.play(t, deadline(t), false)
	mustEqual(t, got, fm.data)
}

// BenchmarkHostile measures the longest blocked read of the player in each
// hostile swarm (maxblock-s), and after an outage of outageGap the time
// from the seeders' return to the first new bytes (back-s).
func BenchmarkHostile(b *testing.B) {
	const outageGap = 10 * time.Second
	// run plays the film of newFm b.N times, with during beside the player;
	// back: during measures the return.
	run := func(b *testing.B, newFm func() *film, during func(*film) time.Duration, back bool) {
		var longest, returned time.Duration
		for range b.N {
			fm := newFm()
			var wg sync.WaitGroup
			var d time.Duration
			if during != nil {
				wg.Go(func() { d = during(fm) })
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			fm.play(b, ctx, false)
			cancel()
			wg.Wait()
			longest += fm.longest
			returned += d
		}
		b.ReportMetric(longest.Seconds()/float64(b.N), "maxblock-s")
		if back {
			b.ReportMetric(returned.Seconds()/float64(b.N), "back-s")
		}
		b.ReportMetric(0, "ns/op")
	}
	for _, l := range lies {
		b.Run(l.name, func(b *testing.B) {
			run(b, func() *film { return newFilm(b, 2, 0.75, l.lie, true) }, nil, false)
		})
	}
	b.Run("leave", func(b *testing.B) {
		run(b, func() *film { return newFilm(b, 3, 0.6, 0, false) }, func(fm *film) time.Duration {
			if fm.until(fm.midway) {
				fm.honest[0].Close()
			}
			return 0
		}, false)
	})
	b.Run("outage", func(b *testing.B) {
		run(b, func() *film { return newFilm(b, 2, 0.75, 0, false) }, func(fm *film) time.Duration { return fm.outage(b, outageGap) }, true)
	})
}
