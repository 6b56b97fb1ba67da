package plan

import (
	"testing"
	"time"
)

func TestRateMeter(t *testing.T) {
	var m RateMeter
	t0 := time.Unix(1000, 0)
	steps := []struct {
		at       time.Duration // since t0
		n        int64
		rate     float64
		measured time.Duration
	}{
		{0, 0, 0, 0},                                     // one sample: no rate yet
		{time.Second, 1000, 1000, time.Second},           // 1000 B in 1 s
		{2 * time.Second, 3000, 1500, 2 * time.Second},   // 3000 B in 2 s
		{4 * time.Second, 4000, 1000, 3 * time.Second},   // the base is the newest sample 3 s old or more: 1 s
		{10 * time.Second, 10000, 1000, 6 * time.Second}, // after a pause, the last sample before it
	}
	for _, s := range steps {
		rate, measured := m.Sample(t0.Add(s.at), s.n)
		if rate != s.rate || measured != s.measured {
			t.Errorf("at %v: rate %v over %v, want %v over %v", s.at, rate, measured, s.rate, s.measured)
		}
	}
}
