package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/btstream/btstream/player"
	"github.com/btstream/btstream/player/resume"
	"github.com/btstream/btstream/torrentutil"
)

// consumer is where the stream goes once the start rule holds: a player,
// stdout, or a URL printed for anything that plays HTTP. It is chosen once,
// from the flags (command.consumer); a new kind of consumer is a new type.
type consumer interface {
	// overHTTP reports whether the consumer reads the stream from the HTTP
	// server, which then runs and offers the subtitles too.
	overHTTP() bool
	// consume hands over the ready playback pb and returns when the
	// consumer is done with it: nil when playback is over, ctx's error
	// when ctx ends first.
	consume(ctx context.Context, pb playback) error
}

// playback is what a consumer is handed once the start rule holds.
type playback struct {
	// media is the stream, its URL when the consumer reads over HTTP.
	media player.Media
	// videos are the files played, in order: one, or a playlist's
	// entries. indexes are their indexes in the torrent, keys where their
	// play positions are remembered ("INFOHASH/INDEX").
	videos  []*torrentutil.File
	indexes []int
	keys    []string
	// rule is a video's start rule: what to fetch of the next episode.
	rule func(*torrentutil.File) torrentutil.StartRule
	// store remembers play positions; nil when it cannot (no state folder).
	store *resume.Store
	// late are the first video's subtitles that had not arrived when the
	// player started: a player with a link gets each once it is in.
	late []lateSubtitle
}

// lateSubtitle is a subtitle the player started without.
type lateSubtitle struct {
	file  *torrentutil.File
	rule  torrentutil.StartRule // when it is in
	url   string                // where it is served
	path  string                // in the torrent, for messages
	first bool                  // the video's first subtitle: selected when added
}

// consumer returns where the stream goes: stdout (--stdout), a printed URL
// (--no-player), or the player. It is called before any download, so that
// a missing player or a terminal on stdout is known at once.
func (c *command) consumer() (consumer, error) {
	switch {
	case c.cfg.Stdout:
		if c.d.terminal(c.d.stdout) {
			return nil, usagef("--stdout writes video bytes: pipe it into a player (btstream --stdout SRC | mpv -)")
		}
		return stdoutConsumer{c.d.stdout}, nil
	case c.cfg.NoPlayer:
		return urlConsumer{c.ui}, nil
	}
	pc := &playerConsumer{ui: c.ui, play: c.d.play, noDisplay: noDisplay(c.d.getenv), getenv: c.d.getenv, verbose: c.cfg.Verbose || c.cfg.Debug}
	if pc.play == nil { // a test plays instead
		p, err := player.Find(c.cfg.Player)
		if err != nil {
			return nil, err
		}
		p.Args = append(p.Args, c.cfg.PlayerArgs...)
		pc.p = p
	}
	if c.d.terminal(c.d.stdin) {
		pc.stdio.Stdin = c.d.stdin // the player's keyboard controls
	}
	if c.cfg.Verbose || c.cfg.Debug {
		pc.stdio.Stdout, pc.stdio.Stderr = c.d.stderr, c.d.stderr
	}
	return pc, nil
}

// playerConsumer starts the player on the stream and waits for it to exit.
type playerConsumer struct {
	p     player.Player
	stdio player.Stdio
	// play runs the player instead of p.Run: tests' stand-in. Nil runs p.
	play func(ctx context.Context, p player.Player, m player.Media) error
	ui   *ui
	// noDisplay: no display is named for the player's window (a hint
	// when it fails).
	noDisplay bool
	getenv    func(string) string
	verbose   bool // -v: say why there is no link to mpv
}

func (*playerConsumer) overHTTP() bool { return true }

func (pc *playerConsumer) consume(ctx context.Context, pb playback) error {
	m := pb.media
	stop := pc.link(ctx, &m, pb)
	pc.ui.playerStarted(pc.p)
	var err error
	if pc.play != nil {
		err = pc.play(ctx, pc.p, m)
	} else {
		err = pc.p.Run(ctx, m, pc.stdio)
	}
	stop()
	pc.ui.playerExited(err)
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case killedByInterrupt(err):
		// Ctrl-C reaches the player too, and may end it before btstream
		// sees the signal: that is the user quitting, not a failure.
		return errInterrupted
	case err != nil:
		return playerExitError{err, pc.noDisplay}
	}
	return nil
}

// link gives mpv an IPC socket of btstream's own in m and follows it
// (follower), unless the player is not mpv or the user made a socket of
// their own. The returned stop ends the following, saves the play position
// and removes the socket's folder; it returns within about a second.
func (pc *playerConsumer) link(ctx context.Context, m *player.Media, pb playback) (stop func()) {
	logf := func(format string, a ...any) {
		if pc.verbose {
			pc.ui.note(format, a...)
		}
	}
	if pc.p.Name != player.MPV {
		return func() {}
	}
	if why := pc.p.LinkBlocked(pc.getenv); why != "" {
		logf("no player link: mpv has an IPC socket of its own (%s)", why)
		pc.ui.link("off", why)
		return func() {}
	}
	dir, sock, err := linkSocket(pc.getenv)
	if err != nil {
		logf("no player link: %v", err)
		pc.ui.link("failed", err.Error())
		return func() {}
	}
	m.IPC = sock
	gone, done := make(chan struct{}), make(chan struct{})
	fo := &follower{ui: pc.ui, pb: pb, store: pb.store, logf: logf, now: time.Now}
	go func() {
		defer close(done)
		fo.follow(ctx, sock, gone)
	}()
	return func() {
		close(gone)
		<-done
		os.RemoveAll(dir)
	}
}

// killedByInterrupt reports whether err is a process dying of SIGINT.
func killedByInterrupt(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGINT
}

// urlConsumer prints the stream's URL (--no-player) and serves until
// interrupted.
type urlConsumer struct{ ui *ui }

func (urlConsumer) overHTTP() bool { return true }

func (u urlConsumer) consume(ctx context.Context, pb playback) error {
	u.ui.url(pb.media.URL)
	<-ctx.Done()
	return ctx.Err()
}

// stdoutConsumer writes the file's bytes to stdout (--stdout), in order and
// only verified ones: what goes to stdout may be kept. A reader that goes
// away (EPIPE: mpv quit) ends it without error.
type stdoutConsumer struct{ w io.Writer }

func (stdoutConsumer) overHTTP() bool { return false }

func (s stdoutConsumer) consume(ctx context.Context, pb playback) error {
	r, err := pb.videos[0].OpenVerified(ctx)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = io.CopyBuffer(s.w, r, make([]byte, 256<<10))
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrClosedPipe) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("write to stdout: %w", err)
	}
	return nil
}
