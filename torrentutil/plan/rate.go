package plan

import (
	"sync"
	"time"
)

// RateMeter turns a growing byte counter into a rate over the last few
// seconds. Sampling is lazy: whoever asks for the rate feeds it. The zero
// value is ready to use; it is safe for concurrent use.
type RateMeter struct {
	mu      sync.Mutex
	samples []rateSample
}

type rateSample struct {
	at time.Time
	n  int64
}

const rateWindow = 3 * time.Second

// Sample records the counter n at now and returns the rate over the last
// rateWindow, and the time span that rate is measured over.
func (m *RateMeter) Sample(now time.Time, n int64) (float64, time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.samples = append(m.samples, rateSample{now, n})
	// Keep one sample older than the window as the base.
	drop := 0
	for drop+1 < len(m.samples) && now.Sub(m.samples[drop+1].at) >= rateWindow {
		drop++
	}
	m.samples = m.samples[drop:]
	base := m.samples[0]
	dt := now.Sub(base.at)
	if dt <= 0 {
		return 0, 0
	}
	return float64(n-base.n) / dt.Seconds(), dt
}
