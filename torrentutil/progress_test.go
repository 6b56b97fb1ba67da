package torrentutil

import (
	"io"
	"math"
	"testing"
	"time"

	"github.com/btstream/btstream/torrentutil/plan"
	"github.com/btstream/btstream/torrentutil/torrenttest"
)

func TestReady(t *testing.T) {
	tests := []struct {
		name string
		p    Progress
		want bool
	}{
		{"want buffered", Progress{IndexDone: true, Buffered: 100, Want: 100, Size: 1000}, true},
		{"index missing", Progress{Buffered: 100, Want: 100, Size: 1000}, false},
		{"early start weighs the index itself (plan.Start)", Progress{Buffered: 10, Want: 100, Size: 1000, Early: true}, true},
		{"short of want", Progress{IndexDone: true, Buffered: 99, Want: 100, Size: 1000}, false},
		{"early start", Progress{IndexDone: true, Buffered: 10, Want: 100, Size: 1000, Early: true}, true},
		{"want beyond the file", Progress{IndexDone: true, Buffered: 50, Want: 100, Size: 50}, true},
	}
	for _, tc := range tests {
		if got := tc.p.Ready(); got != tc.want {
			t.Errorf("%s: Ready = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// With a download rate well above the bitrate, playback may start long
// before the start buffer is in: once the moov at the end and a margin
// from the start are. The seeder sends 512 KiB/s of an MP4 that plays at
// 128 KiB/s; half of it (the buffer asked for here) would take 8 s.
func TestEarlyStart(t *testing.T) {
	const size, dur = 8 << 20, 64 * time.Second
	path := torrenttest.MP4File(t, t.TempDir(), size, dur, 4096)
	s, err := NewSeeder(path, 64<<10, Config{Offline: true, UploadRate: 512 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := newTestClient(t, Config{})
	_, f := firstFile(t, c, s)
	rule := StartRule{Want: size / 2}
	stream(t, f, rule)
	if err := f.WaitReady(deadline(t), rule); err != nil {
		t.Fatal(err)
	}
	p := f.Progress(rule)
	if !p.Early || p.Buffered >= p.Want || !p.IndexDone {
		t.Fatalf("ready with %+v; want an early start: the index in, the buffer not", p)
	}
	if p.Bitrate != float64(size)/dur.Seconds() {
		t.Fatalf("bitrate %.0f, want the moov's %.0f", p.Bitrate, float64(size)/dur.Seconds())
	}
	if !p.BitrateKnown || p.Index == 0 || p.IndexMissing != 0 {
		t.Fatalf("ready with %+v; want the moov's pieces counted in Index, all in, and the bitrate known", p)
	}
}

// A read head that appears far from the others once playback has begun (a
// seek) gets its first bytes only when a margin of playback after them is
// in, not with its first chunk: a player shown the frame at once would
// pause for its cache right after it.
func TestSeekHoldsFirstBytes(t *testing.T) {
	// The busy seeder sends a 16 KiB chunk every 62 ms; 0.3 s of playback
	// is two and a half chunks.
	const size, dur = 8 << 20, 64 * time.Second // 128 KiB/s
	path := torrenttest.MP4File(t, t.TempDir(), size, dur, 4096)
	s, err := NewSeeder(path, 64<<10, Config{Offline: true, UploadRate: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := newTestClient(t, Config{})
	_, f := firstFile(t, c, s)
	rule := StartRule{Want: 64 << 10}
	stream(t, f, rule)
	if err := f.WaitReady(deadline(t), rule); err != nil {
		t.Fatal(err)
	}
	play := openFile(t, f)
	if _, err := play.Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	play.Close() // as mpv drops its connection to seek
	// The seek: far beyond what the slow seeder has sent yet.
	pos := int64(size * 3 / 4)
	if got := f.bufferedFrom(pos, 1, true); got != 0 {
		t.Fatalf("%d bytes at the seek target before the seek", got)
	}
	seek := openFile(t, f)
	if _, err := seek.Seek(pos, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if _, err := seek.Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	bitrate := float64(size) / dur.Seconds()
	least := plan.SeekMargin(math.Inf(1), bitrate) // the least a seek waits for
	floor := int64(least.Seconds() * bitrate)
	if got := f.bufferedFrom(pos, floor, true); got < floor {
		t.Fatalf("the seek's first byte came with %d bytes after it; want at least %d (%v of playback)", got, floor, least)
	}
}

// Only a seek is held: not the index, and not the start buffer, to which
// mpv comes back with a new request after reading an MP4's moov at the end.
func TestHoldsOnlySeeks(t *testing.T) {
	const size, dur = 8 << 20, 64 * time.Second
	path := torrenttest.MP4File(t, t.TempDir(), size, dur, 4096)
	s, err := NewSeeder(path, 64<<10, Config{Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := newTestClient(t, Config{})
	_, f := firstFile(t, c, s)
	rule := StartRule{Want: 256 << 10}
	stream(t, f, rule)
	if err := f.WaitReady(deadline(t), rule); err != nil {
		t.Fatal(err)
	}
	idx, _, known := f.indexSpan()
	if !known || idx.Begin >= idx.End {
		t.Fatalf("no index span (%v, known %v)", idx, known)
	}
	for _, c := range []struct {
		name string
		pos  int64
		want bool
	}{
		{"the first byte", 0, false},
		{"inside the start buffer", rule.Want - 1, false},
		{"just past it", rule.Want, true},
		{"a seek to the middle", size / 2, true},
		{"the index", max(f.g.Start(idx.Begin), 0), false},
		{"the end", size, false},
	} {
		if got := f.holds(c.pos); got != c.want {
			t.Errorf("%s (%d): holds %v, want %v", c.name, c.pos, got, c.want)
		}
	}
}
