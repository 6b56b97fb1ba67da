package plan

import (
	"testing"
	"time"
)

func TestSlowPeer(t *testing.T) {
	tests := []struct {
		name string
		ps   []PeerRate
		want int
	}{
		{"far slower", []PeerRate{{1 << 20, 100}, {256 << 10, 100}}, 1},
		{"not slow enough", []PeerRate{{1 << 20, 100}, {400 << 10, 100}}, -1},
		{"the slowest of three", []PeerRate{{100, 100}, {1 << 20, 100}, {200, 100}}, 0},
		{"too new to judge", []PeerRate{{1 << 20, 100}, {0, 2}}, -1},
		{"alone", []PeerRate{{10, 100}}, -1},
		{"none", nil, -1},
	}
	for _, tc := range tests {
		if got := SlowPeer(tc.ps); got != tc.want {
			t.Errorf("%s: SlowPeer = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestHostages(t *testing.T) {
	const pieceLen = 1000
	t0 := time.Unix(1000, 0)
	missing := map[int]int64{1: 400, 2: pieceLen}
	steps := []struct {
		name   string
		at     time.Duration
		urgent map[int]bool
		change func()
		want   bool
	}{
		{"first sight: nothing to judge", 0, map[int]bool{1: false, 2: false}, nil, false},
		{"no gain, but not for long", 900 * time.Millisecond, map[int]bool{1: false, 2: false}, nil, false},
		{"partly in and stuck past a second", 1100 * time.Millisecond, map[int]bool{1: false, 2: false}, nil, true},
		{"it gained bytes: the clock restarts", 1200 * time.Millisecond, map[int]bool{1: false, 2: false}, func() { missing[1] = 200 }, false},
		{"nothing of it came and no head waits: no hostage", 2500 * time.Millisecond, map[int]bool{2: false}, nil, false},
		{"a head waits on it", 2600 * time.Millisecond, map[int]bool{2: true}, nil, true},
	}
	var h Hostages
	for _, s := range steps {
		if s.change != nil {
			s.change()
		}
		got := h.Held(t0.Add(s.at), s.urgent, pieceLen, func(i int) int64 { return missing[i] })
		if got != s.want {
			t.Errorf("%s: Held = %v, want %v", s.name, got, s.want)
		}
	}
}
