package plan

import "time"

// Head is a snapshot of one read head: a reader that has read.
type Head struct {
	Pos      int64
	StartPos int64     // position at open or at the last seek
	Since    time.Time // time of open or of the last seek
	LastRead time.Time // when a read last began
}

// consumptionMinAge: a younger head's rate is its first burst, not playback.
const consumptionMinAge = 5 * time.Second

// Consumption is the head's mean read rate since its last seek, bytes per
// second; 0 until it has read for a while.
func (h Head) Consumption(now time.Time) float64 {
	dt := now.Sub(h.Since)
	if dt < consumptionMinAge {
		return 0
	}
	return float64(h.Pos-h.StartPos) / dt.Seconds()
}

// PlayHead returns the head read most recently: the player's playback
// connection rather than a finished probe. ok is false without heads.
func PlayHead(hs []Head) (h Head, ok bool) {
	for _, c := range hs {
		if !ok || c.LastRead.After(h.LastRead) {
			h, ok = c, true
		}
	}
	return h, ok
}
