package main

import (
	"context"
	"errors"
	"time"

	"github.com/btstream/btstream/torrentutil"
)

// subtitleWait is how long the start waits for the first video's subtitles
// once the video itself is ready. A subtitle that no peer has would
// otherwise hold the film back for ever; one that is not in by then is left
// out of the player's command line (it stays served and keeps coming).
const subtitleWait = 5 * time.Second

// awaitSubtitles waits until each of subs meets rule, for at most wait, and
// returns the positions in subs of those that did not. Only ctx's end or a
// storage error is an error.
func awaitSubtitles(ctx context.Context, subs []*torrentutil.File, rule func(*torrentutil.File) torrentutil.StartRule, wait time.Duration) (late []int, err error) {
	if len(subs) == 0 {
		return nil, nil
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for i, sf := range subs {
		// Once wctx has ended, WaitReady still says nil for a subtitle
		// that is in: it checks before it waits.
		err := sf.WaitReady(wctx, rule(sf))
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			late = append(late, i)
		default:
			return nil, err
		}
	}
	return late, nil
}

type subtitleSkippedEvent struct {
	Event   string  `json:"event"` // "subtitle_skipped"
	Elapsed float64 `json:"elapsed"`
	Path    string  `json:"path"`
	Waited  float64 `json:"waited"` // seconds waited for it after the video was ready
}

// subtitleSkipped says that a subtitle was not in when the film started.
func (u *ui) subtitleSkipped(name string, waited time.Duration) {
	u.emit(subtitleSkippedEvent{"subtitle_skipped", u.elapsed(), name, waited.Seconds()})
	u.note("subtitle %s has not arrived after %s; playing without it", name, waited.Round(time.Second))
}

type subtitleAddedEvent struct {
	Event   string  `json:"event"` // "subtitle_added"
	Elapsed float64 `json:"elapsed"`
	Path    string  `json:"path"`
}

// subtitleAdded says that a subtitle the player started without reached
// it later, over its link.
func (u *ui) subtitleAdded(name string) {
	u.emit(subtitleAddedEvent{"subtitle_added", u.elapsed(), name})
	u.note("subtitle %s arrived; the player has it now", name)
}

type indexSkippedEvent struct {
	Event   string  `json:"event"` // "index_skipped"
	Elapsed float64 `json:"elapsed"`
	Waited  float64 `json:"waited"` // seconds waited for it after the start buffer was in
}

// indexSkipped says that the film starts without its end, which was
// fetched first in case it held an index (torrentutil.GuessWait).
func (u *ui) indexSkipped(name string, waited time.Duration) {
	u.emit(indexSkippedEvent{"index_skipped", u.elapsed(), waited.Seconds()})
	u.note("the end of %s has not arrived after %s; playing without it", name, waited.Round(time.Second))
}

// without returns urls without those in drop.
func without(urls []string, drop map[string]bool) []string {
	var out []string
	for _, u := range urls {
		if !drop[u] {
			out = append(out, u)
		}
	}
	return out
}
