package resume

import (
	"testing"
	"time"
)

func TestFinished(t *testing.T) {
	const s, m, h = time.Second, time.Minute, time.Hour
	tests := []struct {
		name           string
		time, duration time.Duration
		want           bool
	}{
		{"duration unknown", 2 * h, 0, false},
		{"duration negative", 2 * h, -1, false},
		{"at the start", 0, 2 * h, false},
		{"the middle", h, 2 * h, false},
		{"just before the last 5%", 114*m - s, 2 * h, false},
		{"the last 5% begins", 114 * m, 2 * h, true},
		{"in the credits", 118 * m, 2 * h, true},
		{"at the end", 2 * h, 2 * h, true},
		{"past the end (a stale duration)", 3 * h, 2 * h, true},
		{"12 s clip 1.1 s before the end: its tail is 1 s, not 5%", 10*s + 900*time.Millisecond, 12 * s, false},
		{"12 s clip on its last frame", 11*s + 960*time.Millisecond, 12 * s, true},
		{"12 s clip one second before the end", 11 * s, 12 * s, true},
		{"3 s clip on its last frame: the tail is at least 1 s", 2*s + 500*time.Millisecond, 3 * s, true},
		{"3 s clip half way", 1500 * time.Millisecond, 3 * s, false},
		{"10 h recording 15 min before the end: the tail is at most 10 min", 585 * m, 10 * h, false},
		{"10 h recording 10 min before the end", 590 * m, 10 * h, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Position{Time: tt.time, Duration: tt.duration}
			if got := p.Finished(); got != tt.want {
				t.Errorf("Position{Time: %v, Duration: %v}.Finished() = %v, want %v", tt.time, tt.duration, got, tt.want)
			}
		})
	}
}
