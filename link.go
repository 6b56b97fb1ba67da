package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/btstream/btstream/player"
	"github.com/btstream/btstream/player/resume"
	"github.com/btstream/btstream/torrentutil"
)

// The link to mpv: btstream starts mpv with an IPC socket of its own and
// follows it (player.Link). It learns where playback is (the scheduler's due
// times count from there: torrentutil.File.SetPlay), when mpv waits for its
// cache (a stall: said in mpv's OSD, on the status line and as JSON), which
// playlist entry plays (the next one's start is fetched during the last
// minute of this one), and where the viewer stopped (resume). Any failure of
// the link leaves playback as it would be without one.

const (
	// linkDial bounds the wait for mpv's socket: mpv creates it as it
	// starts, well before it opens the stream.
	linkDial = 10 * time.Second
	// stallOSD is how long one stall message stays in mpv's OSD; it is
	// sent again every stallOSDEvery while the stall lasts.
	stallOSD      = 3 * time.Second
	stallOSDEvery = 2 * time.Second
	// nextEpisodeLead: the next playlist entry's start is fetched once this
	// much of the current one is left.
	nextEpisodeLead = time.Minute
	// saveEvery spaces the saves of the play position while it moves.
	saveEvery = 10 * time.Second
	// linkDrain bounds the reading of mpv's last words after it exited.
	linkDrain = time.Second
)

// exits reports whether ch closes within d.
func exits(ch <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}

// closed reports whether ch is closed.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// linkProps are the properties btstream observes.
var linkProps = []string{"time-pos", "paused-for-cache", "cache-buffering-state", "seeking", "eof-reached", "playlist-pos", "duration"}

// linkSocket returns a private folder for mpv's IPC socket and the socket's
// path in it: in $XDG_RUNTIME_DIR when set, else the temporary folder, so
// that no other user can reach it. A Unix socket's path is short (108 bytes
// on Linux): a folder that makes it longer gives way to /tmp.
func linkSocket(getenv func(string) string) (dir, sock string, err error) {
	for _, base := range []string{getenv("XDG_RUNTIME_DIR"), os.TempDir(), "/tmp"} {
		if base == "" || !filepath.IsAbs(base) {
			continue
		}
		if len(filepath.Join(base, "btstream-mpv-0123456789", "ipc")) > 100 {
			continue
		}
		dir, err = os.MkdirTemp(base, "btstream-mpv-")
		if err == nil {
			return dir, filepath.Join(dir, "ipc"), nil
		}
	}
	if err == nil {
		err = fmt.Errorf("no folder with a path short enough for a socket")
	}
	return "", "", err
}

// follower follows one mpv over its link.
type follower struct {
	ui     *ui
	pb     playback
	store  *resume.Store // nil: positions are not remembered
	logf   func(format string, a ...any)
	now    func() time.Time
	cur    int // the playlist entry playing
	dur    time.Duration
	pos    time.Duration
	hasPos bool
	saved  time.Time // last save
	// stall: mpv waits for its cache since stallAt (zero when it plays).
	stallAt   time.Time
	stallPos  time.Duration
	stallSeek bool // the stall began while mpv was seeking
	osdAt     time.Time
	seeking   bool
	buffering float64      // mpv's cache-buffering-state: percent of what it waits for
	fetched   map[int]bool // playlist entries whose start was fetched ahead
}

// follow connects to mpv's socket and follows it until ctx ends or the link
// breaks. Once gone closes (mpv exited) it reads what mpv said last, for at
// most linkDrain. It never holds playback up: a link that cannot be made
// or breaks is noted with -v, and playback goes on without it.
func (fo *follower) follow(ctx context.Context, sock string, gone <-chan struct{}) {
	dctx, cancel := context.WithTimeout(ctx, linkDial)
	go func() {
		select {
		case <-gone:
			cancel()
		case <-dctx.Done():
		}
	}()
	link, err := player.DialLink(dctx, sock)
	cancel()
	if err != nil {
		if ctx.Err() == nil && !closed(gone) {
			fo.logf("no player link: %v", err)
			fo.ui.link("failed", err.Error())
		}
		return
	}
	defer link.Close()
	if err := link.Observe(linkProps...); err != nil {
		fo.logf("player link: %v", err)
		fo.ui.link("failed", err.Error())
		return
	}
	fo.ui.link("connected", "")
	defer fo.finish()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	lctx, stopLate := context.WithCancel(ctx)
	defer stopLate()
	arrived := fo.awaitLate(lctx)
	msgs := link.Messages()
	var drain <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-gone:
			gone = nil
			t := time.NewTimer(linkDrain)
			defer t.Stop()
			drain = t.C
		case <-drain:
			return
		case sub := <-arrived:
			fo.addSubtitle(link, sub)
		case m, ok := <-msgs:
			if !ok {
				// mpv closes the socket as it exits, a moment before
				// the player is seen gone: only a link that breaks
				// while mpv lives on is lost.
				if ctx.Err() == nil && gone != nil && !exits(gone, linkDrain) {
					fo.logf("player link closed; playback goes on without it")
					fo.ui.link("lost", "")
				}
				return
			}
			fo.handle(m)
		case <-tick.C:
		}
		fo.osd(link)
		fo.save(false)
	}
}

// handle takes in one message from mpv.
func (fo *follower) handle(m player.Message) {
	if m.Event != "property-change" {
		return
	}
	switch m.Name {
	case "time-pos":
		t, ok := m.Float()
		if !ok {
			return
		}
		fo.pos, fo.hasPos = secondsOf(t), true
		fo.file().SetPlay(fo.pos)
		fo.prefetchNext()
	case "seeking":
		fo.seeking, _ = m.Bool()
	case "eof-reached":
		if eof, ok := m.Bool(); ok && eof && fo.dur > 0 {
			fo.pos, fo.hasPos = fo.dur, true // watched to the end
			fo.save(true)
		}
	case "cache-buffering-state":
		fo.buffering, _ = m.Float()
	case "duration":
		if d, ok := m.Float(); ok {
			fo.dur = secondsOf(d)
		}
	case "playlist-pos":
		i, ok := m.Float()
		if !ok || int(i) == fo.cur || i < 0 || int(i) >= len(fo.pb.videos) {
			return
		}
		fo.save(true)
		fo.file().ForgetPlay()
		fo.cur, fo.hasPos, fo.dur = int(i), false, 0
	case "paused-for-cache":
		waiting, ok := m.Bool()
		if !ok {
			return
		}
		now := fo.now()
		switch {
		case waiting && fo.stallAt.IsZero():
			fo.stallAt, fo.stallPos, fo.stallSeek, fo.osdAt = now, fo.pos, fo.seeking, time.Time{}
			fo.ui.stall(fo.stallEvent("begin", now))
		case !waiting && !fo.stallAt.IsZero():
			fo.endStall(now)
		}
	}
}

// awaitLate waits, beside the following, for each subtitle the player
// started without, and sends it on the returned channel once it is in;
// the waits end with ctx.
func (fo *follower) awaitLate(ctx context.Context) <-chan lateSubtitle {
	arrived := make(chan lateSubtitle)
	for _, sub := range fo.pb.late {
		go func() {
			if sub.file.WaitReady(ctx, sub.rule) != nil {
				return
			}
			select {
			case arrived <- sub:
			case <-ctx.Done():
			}
		}()
	}
	return arrived
}

// addSubtitle gives mpv a subtitle that arrived after it started, while
// the video it belongs to (the first) plays.
func (fo *follower) addSubtitle(link *player.Link, sub lateSubtitle) {
	if fo.cur != 0 {
		return
	}
	flag := "auto"
	if sub.first {
		flag = "select"
	}
	if err := link.Command("sub-add", sub.url, flag); err != nil {
		fo.logf("player link: %v", err)
		return
	}
	fo.ui.subtitleAdded(sub.path)
}

// file is the playlist entry playing.
func (fo *follower) file() *torrentutil.File { return fo.pb.videos[fo.cur] }

// endStall ends the stall under way at now.
func (fo *follower) endStall(now time.Time) {
	fo.ui.stall(fo.stallEvent("end", now))
	fo.stallAt = time.Time{}
}

func (fo *follower) stallEvent(state string, now time.Time) stallEvent {
	ev := stallEvent{Event: "stall", State: state, Start: fo.ui.at(fo.stallAt), Position: fo.stallPos.Seconds(), Seek: fo.stallSeek, File: fo.pb.indexes[fo.cur]}
	if state == "end" {
		end := fo.ui.at(now)
		ev.End, ev.Duration = &end, ptr(now.Sub(fo.stallAt).Seconds())
	}
	return ev
}

// osd says in mpv's OSD why it waits, while it does.
func (fo *follower) osd(link *player.Link) {
	now := fo.now()
	if fo.stallAt.IsZero() || now.Sub(fo.osdAt) < stallOSDEvery {
		return
	}
	fo.osdAt = now
	f := fo.file()
	p := f.Progress(torrentutil.StartRule{})
	wait, ok := f.Refill(time.Second)
	if err := link.ShowText(stallText(p, fo.buffering, wait, ok), stallOSD); err != nil {
		fo.logf("player link: %v", err)
	}
}

// stallText is the OSD line for a stall: why mpv waits (buffered: the
// percent of what it waits for that is in), and for how long.
func stallText(p torrentutil.Progress, buffered float64, wait time.Duration, ok bool) string {
	head := "btstream: waiting for data"
	if buffered > 0 {
		head += fmt.Sprintf(" (%.0f%%)", buffered)
	}
	parts := []string{head, count(p.Peers, "peer")}
	rate := humanRate(p.Rate)
	if p.BitrateKnown {
		rate += " of " + humanRate(p.Bitrate) + " needed"
	}
	parts = append(parts, rate)
	switch {
	case p.Peers == 0:
		parts = append(parts, "looking for peers")
	case !ok:
		parts = append(parts, "no data coming")
	default:
		parts = append(parts, fmt.Sprintf("~%.0f s", math.Max(1, math.Ceil(wait.Seconds()))))
	}
	return strings.Join(parts, " · ")
}

// prefetchNext fetches the next playlist entry's start once the current
// one has less than nextEpisodeLead left.
func (fo *follower) prefetchNext() {
	next := fo.cur + 1
	if next >= len(fo.pb.videos) || fo.fetched[next] || fo.dur <= 0 || fo.dur-fo.pos > nextEpisodeLead {
		return
	}
	if fo.fetched == nil {
		fo.fetched = make(map[int]bool)
	}
	fo.fetched[next] = true
	f := fo.pb.videos[next]
	f.Prioritize(fo.pb.rule(f))
	fo.logf("fetching the start of %s", safeText(f.Name()))
	fo.ui.prefetch(fo.pb.indexes[next])
}

// save remembers the play position: at most every saveEvery unless now.
func (fo *follower) save(now bool) {
	if fo.store == nil || !fo.hasPos || (!now && fo.now().Sub(fo.saved) < saveEvery) {
		return
	}
	fo.saved = fo.now()
	p := resume.Position{Time: fo.pos, Offset: fo.file().OffsetAt(fo.pos), Duration: fo.dur, Saved: fo.saved}
	if err := fo.store.Put(fo.pb.keys[fo.cur], p); err != nil {
		fo.logf("remember the play position: %v", err)
	}
}

// finish ends the following: a stall under way ends, the position is saved
// and the scheduler counts from the read heads again.
func (fo *follower) finish() {
	if !fo.stallAt.IsZero() {
		fo.endStall(fo.now())
	}
	fo.save(true)
	fo.file().ForgetPlay()
}

// secondsOf turns mpv's seconds into a duration.
func secondsOf(s float64) time.Duration {
	return time.Duration(s * float64(time.Second))
}
