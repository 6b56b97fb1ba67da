package plan

import "time"

// DefaultBitrate is assumed until the container or the player tells better:
// 8 Mbit/s, more than most films need, so that windows err long and an
// early start errs late.
const DefaultBitrate = 1 << 20

// BitrateSource says where a bitrate estimate comes from, best last.
type BitrateSource int

const (
	BitrateDefault   BitrateSource = iota // nothing known yet
	BitrateObserved                       // the players' mean consumption
	BitrateContainer                      // file size over the container's duration
)

// EstimateBitrate picks the best playback bitrate estimate for a file of
// size bytes: from its duration when known, else from the heads' observed
// consumption (the fastest head: players read at least as fast as they
// play), else DefaultBitrate.
func EstimateBitrate(size int64, dur time.Duration, consumption []float64) (float64, BitrateSource) {
	if dur > 0 && size > 0 {
		return float64(size) / dur.Seconds(), BitrateContainer
	}
	best := 0.0
	for _, c := range consumption {
		best = max(best, c)
	}
	if best > 0 {
		return best, BitrateObserved
	}
	return DefaultBitrate, BitrateDefault
}
