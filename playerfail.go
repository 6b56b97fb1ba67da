package main

import (
	"errors"
	"os"
	"regexp"
	"runtime"
	"strings"

	"github.com/btstream/btstream/player"
)

// playerExitError is the player failing while it played: exit code 6.
type playerExitError struct {
	err error
	// noDisplay: the environment names no display for the player's window.
	noDisplay bool
}

func (e playerExitError) Error() string { return e.err.Error() }
func (e playerExitError) Unwrap() error { return e.err }

// playerTailShown is how many of the player's last lines its failure quotes.
const playerTailShown = 5

// playerMessage words a player's failure: the status, the player's own last
// lines, and a hint when the cause is a common one.
func playerMessage(e playerExitError) string {
	var b strings.Builder
	b.WriteString(oneLine(e.Error()))
	var ee *player.ExitError
	if !errors.As(e.err, &ee) {
		return b.String()
	}
	if tail := ee.Tail[max(len(ee.Tail)-playerTailShown, 0):]; len(tail) > 0 {
		b.WriteString("; it said:")
		for _, l := range tail {
			b.WriteString("\n  " + safeText(stripEscapes(l)))
		}
	}
	if h := playerHint(ee.Player, ee.Tail, e.noDisplay); h != "" {
		b.WriteString("\n" + h)
	}
	return b.String()
}

// playerHint names the likely cause of a player's failure from its last
// lines and the environment, and what to do; "" when nothing is likely.
// Only mpv and VLC are known to need a window: a program of another name
// gets the display hint only from its own words.
func playerHint(name string, tail []string, noDisplay bool) string {
	said := strings.ToLower(strings.Join(tail, "\n"))
	switch {
	case strings.Contains(said, "not supposed to be run as root"): // VLC 3.0's words
		return "VLC refuses to run as root: run btstream as an ordinary user, or play with mpv (--player mpv)"
	case noDisplay && (name == player.MPV || name == player.VLC):
		return "there is no display for the player's window (DISPLAY and WAYLAND_DISPLAY are unset): " +
			"run btstream in a graphical session, or use --no-player or --stdout and play elsewhere"
	case containsAny(said, noWindowPhrases):
		return "the player could not open a window on the display: check DISPLAY or WAYLAND_DISPLAY, " +
			"or use --no-player or --stdout and play elsewhere"
	}
	return ""
}

// noWindowPhrases are what mpv 0.35 and VLC 3.0 say, lower case, when they
// cannot open a window on the display they were given.
var noWindowPhrases = []string{
	"cannot open display",
	"can't open display",
	"cannot connect to x server",
	"x server failure",
	"error opening/initializing the selected video_out",
	"failed to connect to the wayland display",
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// noDisplay reports whether the environment names no display that a player
// could open a window on, on systems where windows need one. A nil getenv
// is os.Getenv.
func noDisplay(getenv func(string) string) bool {
	if getenv == nil {
		getenv = os.Getenv
	}
	switch runtime.GOOS {
	case "darwin", "windows", "ios", "android":
		return false
	}
	return getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == ""
}

// escapeSeq matches a terminal's control sequences (CSI and OSC), which a
// player writes for its own status line.
var escapeSeq = regexp.MustCompile(`\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)?`)

// stripEscapes removes terminal control sequences from s; safeText then
// shows any control character left.
func stripEscapes(s string) string { return escapeSeq.ReplaceAllString(s, "") }
