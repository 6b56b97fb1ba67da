package plan

import (
	"testing"
	"time"
)

func TestMargin(t *testing.T) {
	tests := []struct {
		name          string
		rate, bitrate float64
		want          time.Duration
	}{
		{"1.2 times: two seconds", 1.2e6, 1e6, 2 * time.Second},
		{"1.125 times: 3.2 s", 1.125e6, 1e6, 3200 * time.Millisecond},
		{"1.4 times and more: a second", 1.4e6, 1e6, time.Second},
		{"too little headroom: no early start", 1.05e6, 1e6, 0},
		{"no bitrate", 1e6, 0, 0},
	}
	for _, tc := range tests {
		if got := Margin(tc.rate, tc.bitrate); got != tc.want {
			t.Errorf("%s: Margin = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSeekMargin(t *testing.T) {
	tests := []struct {
		name          string
		rate, bitrate float64
		want          time.Duration
	}{
		{"1.25 times: a second", 1.25e6, 1e6, time.Second},
		{"1.85 times and more: the floor", 1.85e6, 1e6, 300 * time.Millisecond},
		{"1.05 times: capped at four", 1.05e6, 1e6, 4 * time.Second},
		{"slower than playback: the cap", 0.9e6, 1e6, 4 * time.Second},
	}
	for _, tc := range tests {
		if got := SeekMargin(tc.rate, tc.bitrate); got != tc.want {
			t.Errorf("%s: SeekMargin = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestStartEarly(t *testing.T) {
	// 1 MB/s against 0.5 MB/s: a margin of one second, 0.5 MB; the player's
	// start-up brings 0.3 MB.
	base := Start{Rate: 1e6, RateSpan: time.Second, Bitrate: 0.5e6}
	tests := []struct {
		name string
		mod  func(*Start)
		want bool
	}{
		{"nothing in yet", func(s *Start) {}, false},
		{"the margin less what start-up brings", func(s *Start) { s.Ahead = 200_000 }, true},
		{"just short of it", func(s *Start) { s.Ahead = 199_000 }, false},
		{"the index counts too", func(s *Start) { s.Ahead = 500_000; s.IndexMissing = 300_001 }, false},
		{"index and margin within start-up", func(s *Start) { s.Ahead = 500_000; s.IndexMissing = 300_000 }, true},
		{"the rate measured too briefly", func(s *Start) { s.Ahead = 1e9; s.RateSpan = 100 * time.Millisecond }, false},
		{"slower than playback", func(s *Start) { s.Ahead = 1e9; s.Rate = 0.5e6 }, false},
		{"the whole rest is in", func(s *Start) { s.Rate = 0.1e6; s.ToEnd = true }, true},
	}
	for _, tc := range tests {
		s := base
		tc.mod(&s)
		if got := s.Early(); got != tc.want {
			t.Errorf("%s: Early = %v, want %v (%+v)", tc.name, got, tc.want, s)
		}
	}
}
