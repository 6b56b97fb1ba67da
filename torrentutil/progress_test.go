package torrentutil

import (
	"testing"
	"time"

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
}
