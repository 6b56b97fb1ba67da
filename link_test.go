package main

import (
	"testing"
	"time"

	"github.com/btstream/btstream/player/resume"
	"github.com/btstream/btstream/torrentutil"
)

// The OSD line says why mpv waits: no peers, no data at all, or how long
// until it plays again.
func TestStallText(t *testing.T) {
	tests := []struct {
		name     string
		p        torrentutil.Progress
		buffered float64
		wait     time.Duration
		ok       bool
		want     string
	}{
		{"no peers", torrentutil.Progress{}, 0, 0, false,
			"btstream: waiting for data · 0 peers · 0 B/s · looking for peers"},
		{"peers, nothing coming", torrentutil.Progress{Peers: 2, Bitrate: 500 << 10, BitrateKnown: true}, 0, 0, false,
			"btstream: waiting for data · 2 peers · 0 B/s of 500 KiB/s needed · no data coming"},
		{"slow", torrentutil.Progress{Peers: 1, Rate: 120 << 10, Bitrate: 500 << 10, BitrateKnown: true}, 40, 2200 * time.Millisecond, true,
			"btstream: waiting for data (40%) · 1 peer · 120 KiB/s of 500 KiB/s needed · ~3 s"},
		{"at once", torrentutil.Progress{Peers: 3, Rate: 1 << 20}, 90, 0, true,
			"btstream: waiting for data (90%) · 3 peers · 1.0 MiB/s · ~1 s"},
	}
	for _, tc := range tests {
		if got := stallText(tc.p, tc.buffered, tc.wait, tc.ok); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// The next run starts where the viewer stopped, unless --from-start, the
// film was watched to its end or left in its first seconds, or the place
// is not in the file.
func TestResumeAt(t *testing.T) {
	const key, size = "0123456789abcdef0123456789abcdef01234567/0", 1 << 20
	film := 2 * time.Minute
	tests := []struct {
		name      string
		pos       resume.Position
		fromStart bool
		want      bool
	}{
		{"midway", resume.Position{Time: time.Minute, Offset: size / 2, Duration: film}, false, true},
		{"--from-start", resume.Position{Time: time.Minute, Offset: size / 2, Duration: film}, true, false},
		{"in its first 5%", resume.Position{Time: 5 * time.Second, Offset: 1000, Duration: film}, false, false},
		{"past its first 5%", resume.Position{Time: 7 * time.Second, Offset: 1000, Duration: film}, false, true},
		{"a long film: past 10 s", resume.Position{Time: 11 * time.Second, Offset: 1000, Duration: 2 * time.Hour}, false, true},
		{"watched to the end", resume.Position{Time: film - time.Second, Offset: size - 1, Duration: film}, false, false},
		{"past the file", resume.Position{Time: time.Minute, Offset: size, Duration: film}, false, false},
	}
	for _, tc := range tests {
		store := resume.Open(t.TempDir())
		if err := store.Put(key, tc.pos); err != nil {
			t.Fatal(err)
		}
		c := &command{cfg: config{FromStart: tc.fromStart}}
		got, ok := c.resumeAt(store, key, size)
		if ok != tc.want || (ok && got.Time != tc.pos.Time) {
			t.Errorf("%s: resumeAt = %v, %v; want %v", tc.name, got.Time, ok, tc.want)
		}
	}
}
