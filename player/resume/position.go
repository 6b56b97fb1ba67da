package resume

import "time"

// Position is where the viewer stopped in one file.
type Position struct {
	Time     time.Duration // where playback was
	Offset   int64         // byte offset in the file at Time (where to fetch first)
	Duration time.Duration // the film's length; 0 unknown
	Saved    time.Time     // when it was recorded; Put fills in the current time when zero
}

// The end of a film that counts as watched (see Finished).
const (
	finishedShare = 20               // the last 1/20th, 5%
	finishedMin   = time.Second      // a short clip's last frame is still "the end"
	finishedMax   = 10 * time.Minute // a long recording's last 5% is more than its credits
)

// Finished reports whether the viewer reached the end: Time is in the last 5% of Duration,
// with that tail at least one second long (mpv stops a short clip on its last frame, a frame
// before Duration) and at most ten minutes (5% of a ten-hour recording is not its credits). A
// Time at or past Duration is finished. With Duration unknown (0 or less) nothing is finished.
// A finished film is not resumed: it starts from the beginning next time.
func (p Position) Finished() bool {
	if p.Duration <= 0 {
		return false
	}
	tail := min(max(p.Duration/finishedShare, finishedMin), finishedMax)
	return p.Time >= p.Duration-tail
}

// valid reports whether p can be stored: nothing negative.
func (p Position) valid() bool {
	return p.Time >= 0 && p.Offset >= 0 && p.Duration >= 0
}
