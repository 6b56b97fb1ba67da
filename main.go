// Btstream plays the main video of a torrent in mpv or VLC while it
// downloads: it fetches the metadata, picks the largest video, fetches its
// tail first, serves it over HTTP on loopback with Range support, and starts
// the player once about 1% is buffered.
//
// This package is the command line and the wiring: flags become a config,
// the steps are torrentutil's, stream's and player's, and errors become exit
// codes and the only words btstream says to people. It does no streaming
// work of its own.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/btstream/btstream/player"
	"github.com/btstream/btstream/torrentutil"
	"github.com/btstream/btstream/torrentutil/pick"
	"github.com/btstream/btstream/torrentutil/source"
)

// Exit codes, documented in the README; scripts branch on them.
const (
	exitOK          = 0
	exitError       = 1   // runtime failure: network, disk, server
	exitUsage       = 2   // bad flags or arguments
	exitBadSource   = 3   // the magnet, .torrent or URL is unreadable or unsupported
	exitNoMetadata  = 4   // no peer delivered the metadata in time
	exitNoFile      = 5   // no playable file, or --file matched nothing
	exitPlayer      = 6   // no player found, or the player failed
	exitInterrupted = 130 // SIGINT (128+2)
	exitTerminated  = 143 // SIGTERM (128+15)
)

func main() {
	ctx, stop := signalContext()
	// A reader that goes away (btstream --stdout | mpv -, mpv quits) must be
	// an EPIPE write error that btstream handles, not death by SIGPIPE.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	code := realMain(ctx, os.Args, deps{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr})
	stop()
	os.Exit(code)
}

// realMain runs btstream with args (args[0] is the program name) and returns
// the exit code. It is the one place where errors become exit codes and
// user-facing messages.
func realMain(ctx context.Context, args []string, d deps) int {
	start := time.Now()
	d.fill()
	args = reorderArgs(args)
	var cmd *command
	err := newApp(d, func(ctx context.Context, c *command) error {
		cmd = c
		return c.run(ctx)
	}).RunContext(ctx, args)
	code, msg := classify(ctx, err)
	if msg != "" {
		fmt.Fprintf(d.stderr, "btstream: %s\n", msg)
	}
	// Under --json the events end with one exit event, whether the command
	// ran or its command line was refused.
	ev := exitEvent{Event: "exit", Elapsed: time.Since(start).Seconds(), Code: code}
	if err != nil {
		ev.Error = msg
	}
	switch {
	case cmd != nil && cmd.ui != nil:
		cmd.ui.emit(ev)
	case cmd == nil && err != nil && wantsEvents(args, d.getenv):
		newJSONEncoder(d.stdout).Encode(ev)
	}
	return code
}

// wantsEvents reports whether a command line that was refused asked for
// JSON events: --json (or BTSTREAM_JSON) for playback or demo. ls and info
// print one document of their own; help, version and completion none.
// args are reordered (reorderArgs): the subcommand first, flags before "--".
func wantsEvents(args []string, getenv func(string) string) bool {
	rest := args[1:]
	if len(rest) > 0 && isSubcommand(rest[0]) {
		if rest[0] != "demo" {
			return false
		}
		rest = rest[1:]
	}
	takesValue := map[string]bool{}
	for _, f := range newFlags() {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	for i := 0; i < len(rest); i++ {
		if rest[i] == "--" {
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(rest[i], "-"), "=")
		if name != "json" {
			if takesValue[name] && !hasVal {
				i++ // its value: --player-arg --json is not --json
			}
			continue
		}
		if !hasVal {
			return true
		}
		on, err := strconv.ParseBool(val)
		return err == nil && on
	}
	on, err := strconv.ParseBool(getenv("BTSTREAM_JSON"))
	return err == nil && on
}

// signalContext returns a context cancelled by the first SIGINT or SIGTERM,
// with the signal as its cause (classify tells them apart); later ones are
// ignored until stop.
func signalContext() (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			cancel(signalled{s})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// signalled is the cause of a cancellation by a signal.
type signalled struct{ sig os.Signal }

func (s signalled) Error() string { return s.sig.String() }

// classify maps an outcome to an exit code and a one-line message.
func classify(ctx context.Context, err error) (int, string) {
	var ue usageError
	var pe playerExitError
	var nv *pick.NoVideoError
	switch {
	case err == nil:
		return exitOK, ""
	case errors.Is(err, errInterrupted) || (ctx.Err() != nil && errors.Is(err, context.Canceled)):
		var s signalled
		if errors.As(context.Cause(ctx), &s) && s.sig == syscall.SIGTERM {
			return exitTerminated, "terminated"
		}
		return exitInterrupted, "interrupted"
	case errors.As(err, &ue):
		return exitUsage, ue.Error() + " (see btstream --help)"
	case errors.Is(err, source.ErrBadSource):
		return exitBadSource, oneLine(err.Error())
	case errors.Is(err, torrentutil.ErrNoMetadata):
		return exitNoMetadata, oneLine(err.Error()) +
			"; the torrent may have no live peers: add --tracker URL or --peer HOST:PORT"
	case errors.As(err, &nv):
		return exitNoFile, noVideoMessage(nv)
	case errors.Is(err, player.ErrNotFound):
		return exitPlayer, oneLine(err.Error()) +
			"; install mpv or VLC, pass --player PATH, or use --no-player to print the URL"
	case errors.As(err, &pe):
		return exitPlayer, playerMessage(pe)
	default:
		return exitError, oneLine(err.Error())
	}
}

// noVideoListMax is how many files the no-video message lists.
const noVideoListMax = 20

// noVideoMessage says why no file fits, lists the files to choose from and
// how: the one multi-line message.
func noVideoMessage(e *pick.NoVideoError) string {
	var why string
	switch e.Reason {
	case pick.NoPlayable:
		why = "none of the files is a non-empty video (mkv, mp4, avi, …)"
	case pick.EmptyIndex:
		n, _ := strconv.Atoi(e.Sel)
		why = fmt.Sprintf("file %d is empty", n)
	case pick.NoSuchIndex:
		why = fmt.Sprintf("no file with index %s", e.Sel)
	case pick.NoMatch:
		why = fmt.Sprintf("no non-empty file matches %q", e.Sel)
	default:
		why = e.Reason.String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s; the torrent has %d files:", pick.ErrNoVideo, safeText(why), len(e.Files))
	for i, f := range e.Files {
		if i == noVideoListMax {
			fmt.Fprintf(&b, "\n  … and %d more", len(e.Files)-i)
			break
		}
		fmt.Fprintf(&b, "\n  %4d  %9s  %s", f.Index, humanBytes(f.Size), safeText(f.Path))
	}
	b.WriteString("\nchoose one with --file INDEX or --file 'GLOB'")
	return b.String()
}

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

var errInterrupted = errors.New("interrupted")

// deps are the process's outside world, replaced in tests.
type deps struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// terminal reports whether w is a terminal; nil uses the real check.
	terminal func(w any) bool
	// play runs the player; nil finds and runs a real one.
	play func(ctx context.Context, p player.Player, m player.Media) error
	// tune adjusts the torrent client's config (tests: loopback only).
	tune func(*torrentutil.Config)
	// getenv reads the environment; nil is os.Getenv.
	getenv func(string) string
}

func (d *deps) fill() {
	if d.terminal == nil {
		d.terminal = isTerminal
	}
	if d.getenv == nil {
		d.getenv = os.Getenv
	}
	if d.stdin == nil {
		d.stdin = eofReader{}
	}
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// isTerminal reports whether f is an *os.File open on a terminal: not any
// character device (/dev/null is one), and without Fd, which would make the
// file blocking.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	if !ok {
		return false
	}
	rc, err := file.SyscallConn()
	if err != nil {
		return false
	}
	var tty bool
	if err := rc.Control(func(fd uintptr) { tty = term.IsTerminal(int(fd)) }); err != nil {
		return false
	}
	return tty
}
