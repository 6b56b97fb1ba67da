package main

import (
	"bytes"
	"os"
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

// Each --player-arg and --subtitles value reaches the player as one
// argument, commas and spaces included.
func TestBinaryPlayerArgsVerbatim(t *testing.T) {
	s := seed(t, "movie.mkv", torrenttest.Pattern(256<<10))
	argv := filepath.Join(t.TempDir(), "argv")
	// The recording player: its arguments, NUL-terminated, in a file.
	mpv := scriptPlayer(t, "recording-mpv", `for a in "$@"; do printf '%s\0' "$a"; done > "$ARGV_FILE"`)
	sub := filepath.Join(t.TempDir(), "Movie, The.srt")
	if err := os.WriteFile(sub, []byte("1\n00:00:00,000 --> 00:00:01,000\nhi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	cmd := btstreamCmd(t, tmp, "--player", mpv, "--player-arg=--slang=en,eng", "--player-arg", "--title=a, b",
		"--subtitles", sub, s.Magnet())
	cmd.Env = append(cmd.Env, "ARGV_FILE="+argv)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	guard(t, cmd)
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	b, err := os.ReadFile(argv)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
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
