package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// scriptPlayer writes an executable shell script named name that runs body,
// and returns its path. A name containing "mpv" or "vlc" gets that player's
// argument dialect.
func scriptPlayer(t *testing.T, name, body string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("shell scripts")
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// recordingMpv is a player named like mpv that writes its arguments,
// NUL-terminated, to a file. It returns the player, the environment entry
// its command needs, and a function that reads the arguments back (an
// error when the player never ran).
func recordingMpv(t *testing.T) (player, env string, args func() ([]string, error)) {
	t.Helper()
	argv := filepath.Join(t.TempDir(), "argv")
	player = scriptPlayer(t, "recording-mpv", `for a in "$@"; do printf '%s\0' "$a"; done > "$ARGV_FILE"`)
	return player, "ARGV_FILE=" + argv, func() ([]string, error) {
		b, err := os.ReadFile(argv)
		if err != nil {
			return nil, err
		}
		return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00"), nil
	}
}

// Each --player-arg and --subtitles value reaches the player as one
// argument, commas and spaces included.
func TestBinaryPlayerArgsVerbatim(t *testing.T) {
	s := seed(t, "movie.mkv", torrenttest.Pattern(256<<10))
	mpv, env, args := recordingMpv(t)
	sub := filepath.Join(t.TempDir(), "Movie, The.srt")
	if err := os.WriteFile(sub, []byte("1\n00:00:00,000 --> 00:00:01,000\nhi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	cmd := btstreamCmd(t, tmp, "--player", mpv, "--player-arg=--slang=en,eng", "--player-arg", "--title=a, b",
		"--subtitles", sub, s.Magnet())
	cmd.Env = append(cmd.Env, env)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	guard(t, cmd)
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	got, err := args()
	if err != nil {
		t.Fatal(err)
	}
	// mpv's dialect: --input-terminal=no, the title, the subtitles, the
	// user's arguments, "--", the URL.
	if len(got) < 4 {
		t.Fatalf("argv %q", got)
	}
	var subs, user []string
	for _, a := range got {
		switch {
		case strings.HasPrefix(a, "--sub-file="):
			subs = append(subs, a)
		case a == "--slang=en,eng" || strings.HasPrefix(a, "--title="):
			user = append(user, a)
		}
	}
	if want := "--sub-file=" + sub; len(subs) == 0 || subs[0] != want {
		t.Errorf("subtitles %q, want first %q; argv %q", subs, want, got)
	}
	if want := []string{"--slang=en,eng", "--title=a, b"}; !reflect.DeepEqual(user, want) {
		t.Errorf("user arguments %q, want %q; argv %q", user, want, got)
	}
	noLeftovers(t, tmp)
}

// vlcAsRoot is what VLC 3.0 writes on stderr, and all it writes, when run
// as root (checked with VLC 3.0.24), before it exits 1.
const vlcAsRoot = `VLC is not supposed to be run as root. Sorry.
If you need to use real-time priorities and/or privileged TCP ports
you can use vlc-wrapper (make sure it is Set-UID root and
cannot be run by non-trusted users first).`

// withoutDisplay returns env without DISPLAY and WAYLAND_DISPLAY, plus extra.
func withoutDisplay(env []string, extra ...string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "DISPLAY=") && !strings.HasPrefix(kv, "WAYLAND_DISPLAY=") {
			out = append(out, kv)
		}
	}
	return append(out, extra...)
}

// A player that fails: btstream's error quotes the player's own last lines,
// and names the cause when it is a common one.
func TestBinaryPlayerFailureSaysWhy(t *testing.T) {
	s := seed(t, "movie.mkv", torrenttest.Pattern(256<<10))
	tests := []struct {
		name    string
		script  string // the player's name: mpv or vlc in it picks the dialect
		body    string
		flags   []string
		display bool // DISPLAY set
		want    []string
		notWant []string
	}{
		{"last lines quoted", "failing-mpv",
			`for i in 1 2 3 4 5 6 7; do echo "noise $i" >&2; done; echo "[file] Cannot open file: the reason"; exit 1`,
			nil, true,
			[]string{"player mpv: exit status 1; it said:\n  noise 4\n  noise 5\n  noise 6\n  noise 7\n  [file] Cannot open file: the reason\n"},
			[]string{"noise 3", "root", "display"}},
		{"escapes stripped", "failing-mpv",
			`printf '\033[K\rAV: 00:00:01\r\033[KAV: 00:00:02\n\033[31mred error\033[0m\n' >&2; exit 3`,
			nil, true,
			[]string{"exit status 3; it said:\n  AV: 00:00:02\n  red error\n"},
			[]string{"[K", "[31m", "\\x1b"}},
		{"with -v the output is passed on too", "failing-mpv",
			`for i in 1 2 3 4 5 6 7; do echo "noise $i" >&2; done; exit 1`,
			[]string{"-v"}, true,
			[]string{"noise 1\n", "it said:\n  noise 3\n"}, nil},
		{"VLC as root", "fake-vlc", "cat >&2 <<'END'\n" + vlcAsRoot + "\nEND\nexit 1", nil, false,
			[]string{"player vlc: exit status 1", "  VLC is not supposed to be run as root. Sorry.\n",
				"VLC refuses to run as root: run btstream as an ordinary user, or play with mpv (--player mpv)"},
			[]string{"no display"}},
		{"no display", "fake-mpv", `echo "Exiting... (Errors when loading file)"; exit 2`, nil, false,
			[]string{"exit status 2", "there is no display for the player's window (DISPLAY and WAYLAND_DISPLAY are unset)"}, nil},
		{"another program needs no display", "my-player", `exit 1`, nil, false,
			[]string{"player my-player: exit status 1"}, []string{"display", "it said"}},
		{"display named but no window", "fake-mpv",
			`echo "[vo/x11] X11 error: cannot open display :99"; echo "Error opening/initializing the selected video_out (--vo) device."; exit 2`,
			nil, true,
			[]string{"the player could not open a window on the display"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := scriptPlayer(t, tt.script, tt.body)
			tmp := t.TempDir()
			cmd := btstreamCmd(t, tmp, append(append([]string{"--player", p}, tt.flags...), s.Magnet())...)
			cmd.Env = withoutDisplay(cmd.Env)
			if tt.display {
				cmd.Env = append(cmd.Env, "DISPLAY=:0")
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			guard(t, cmd)
			if code := exitCode(cmd.Run()); code != exitPlayer {
				t.Fatalf("exit %d, want %d; stderr: %s", code, exitPlayer, stderr.String())
			}
			msg := stderr.String()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("stderr lacks %q:\n%s", w, msg)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(msg, w) {
					t.Errorf("stderr has %q:\n%s", w, msg)
				}
			}
			noLeftovers(t, tmp)
		})
	}
}

// The real VLC, run as root, refuses; btstream says why and what to do.
func TestBinaryRealVLCAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("not root: VLC would play")
	}
	vlc, err := exec.LookPath("vlc")
	if err != nil {
		t.Skip("no VLC")
	}
	s := seed(t, "movie.mkv", torrenttest.Pattern(256<<10))
	tmp := t.TempDir()
	cmd := btstreamCmd(t, tmp, "--player", vlc, s.Magnet())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	guard(t, cmd)
	if code := exitCode(cmd.Run()); code != exitPlayer {
		t.Fatalf("exit %d, want %d; stderr: %s", code, exitPlayer, stderr.String())
	}
	for _, w := range []string{"VLC is not supposed to be run as root", "VLC refuses to run as root"} {
		if !strings.Contains(stderr.String(), w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
		}
	}
}
