package plan

import (
	"testing"
	"time"
)

func TestHeadConsumption(t *testing.T) {
	t0 := time.Unix(1000, 0)
	h := Head{Pos: 11000, StartPos: 1000, Since: t0}
	if got := h.Consumption(t0.Add(4 * time.Second)); got != 0 {
		t.Errorf("4 s after a seek: %v B/s, want 0 (a first burst is not playback)", got)
	}
	if got := h.Consumption(t0.Add(10 * time.Second)); got != 1000 {
		t.Errorf("10 s after a seek: %v B/s, want 1000", got)
	}
}

func TestPlayHead(t *testing.T) {
	t0 := time.Unix(1000, 0)
	probe := Head{Pos: 900, LastRead: t0}
	play := Head{Pos: 100, LastRead: t0.Add(time.Second)}
	if h, ok := PlayHead([]Head{probe, play}); !ok || h != play {
		t.Errorf("PlayHead = %+v, %v; want the head read last", h, ok)
	}
	if _, ok := PlayHead(nil); ok {
		t.Error("PlayHead of no heads is ok")
	}
}
