package plan

import (
	"testing"
	"time"
)

func TestEstimateBitrate(t *testing.T) {
	tests := []struct {
		name        string
		size        int64
		dur         time.Duration
		consumption []float64
		want        float64
		from        BitrateSource
	}{
		{"container duration wins", 600 << 20, 10 * time.Minute, []float64{5 << 20}, 1 << 20, BitrateContainer},
		{"the fastest head", 600 << 20, 0, []float64{100, 300, 0}, 300, BitrateObserved},
		{"nothing known", 600 << 20, 0, []float64{0}, DefaultBitrate, BitrateDefault},
		{"an empty file has no rate from its duration", 0, time.Minute, nil, DefaultBitrate, BitrateDefault},
	}
	for _, tc := range tests {
		if got, from := EstimateBitrate(tc.size, tc.dur, tc.consumption); got != tc.want || from != tc.from {
			t.Errorf("%s: EstimateBitrate = %v, %v; want %v, %v", tc.name, got, from, tc.want, tc.from)
		}
	}
}
