package main

import (
	"testing"
	"time"

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
