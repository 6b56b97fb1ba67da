package plan

import "time"

// The early start. A player started before the file's first percent is in
// will not pause if the download outruns playback from then on; the
// margin it needs shrinks as the headroom grows. The rule, measured with
// headless mpv against qBittorrent, aria2 and Transmission on a shaped
// link (see the README's benchmarks):
const (
	// startLead is how long a player takes from its start to its first
	// read of the stream's data (mpv: 0.1-0.5 s); the bytes that arrive
	// meanwhile count towards the start.
	startLead = 300 * time.Millisecond
	// startRateSpan: a rate measured over less is a guess.
	startRateSpan = 500 * time.Millisecond
	// minHeadroom: below this download rate over the bitrate, playback
	// starts only on the full start buffer.
	minHeadroom = 1.1
)

// Start is what the start rule weighs.
type Start struct {
	Rate     float64       // download rate, bytes per second
	RateSpan time.Duration // how long Rate was measured over
	Bitrate  float64       // playback bitrate, bytes per second
	// Ahead is how many bytes are in from where playback starts on, without
	// a gap; ToEnd, that they reach the end of the file.
	Ahead int64
	ToEnd bool
	// IndexMissing is how many bytes of the index that the player reads
	// before its first frame (an MP4's moov) are still missing.
	IndexMissing int64
}

// Margin is the playback that must be buffered for an early start at a
// headroom of rate over bitrate: 0.4 s over the headroom's excess (rate
// over bitrate, minus one), between one and eight seconds. It is 0 below
// minHeadroom: no margin is enough.
func Margin(rate, bitrate float64) time.Duration {
	return margin(rate, bitrate, 400*time.Millisecond, time.Second, 8*time.Second)
}

// SeekMargin is the playback that a seek waits for before its first bytes
// reach the player: 0.25 s over the headroom's excess, between 0.3 and 4
// seconds; 4 s below minHeadroom.
func SeekMargin(rate, bitrate float64) time.Duration {
	if m := margin(rate, bitrate, 250*time.Millisecond, 300*time.Millisecond, 4*time.Second); m > 0 {
		return m
	}
	return 4 * time.Second
}

// margin is scale over the headroom's excess, within [lo, hi]; 0 below
// minHeadroom.
func margin(rate, bitrate float64, scale, lo, hi time.Duration) time.Duration {
	if bitrate <= 0 || rate < minHeadroom*bitrate {
		return 0
	}
	m := time.Duration(float64(scale) / (rate/bitrate - 1))
	return min(max(m, lo), hi)
}

// Early reports whether playback can start now without waiting for the full
// start buffer: the rate is measured, it outruns the bitrate, and what is
// still missing of the index and the margin arrives within startLead, while
// the player starts.
func (s Start) Early() bool {
	if s.RateSpan < startRateSpan {
		return false
	}
	deficit := s.IndexMissing
	if !s.ToEnd {
		m := Margin(s.Rate, s.Bitrate)
		if m == 0 {
			return false
		}
		deficit += max(0, int64(m.Seconds()*s.Bitrate)-s.Ahead)
	}
	return float64(deficit) <= s.Rate*startLead.Seconds()
}
