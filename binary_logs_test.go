package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/btstream/btstream/torrentutil"
	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// TestHelperQuitter is not a test: it is a player that seeks to the byte
// BTSTREAM_TEST_QUITTER says, reads a little there and quits while the
// stream still comes, as a user quitting mpv.
func TestHelperQuitter(t *testing.T) {
	seek := os.Getenv("BTSTREAM_TEST_QUITTER")
	if seek == "" {
		t.Skip("helper process")
	}
	req, _ := http.NewRequest(http.MethodGet, os.Args[len(os.Args)-1], nil)
	req.Header.Set("Range", "bytes="+seek+"-")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		os.Exit(1)
	}
	io.CopyN(io.Discard, resp.Body, 1)
	resp.Body.Close()
	os.Exit(0)
}

// stderr carries btstream's own lines only: the torrent library says
// nothing by default and with -v (a player quitting mid-read is no error),
// and everything with --debug.
func TestBinaryStderrHasNoLibraryLines(t *testing.T) {
	path := torrenttest.WriteFile(t, t.TempDir(), "movie.mkv", torrenttest.Pattern(4<<20))
	s := seedPath(t, path, torrentutil.Config{UploadRate: 2 << 20})
	player := []string{"--player", os.Args[0], "--player-arg=-test.run=^TestHelperQuitter$"}
	noPeers := []string{"--no-player", "--metadata-timeout", "2s", strings.Repeat("ab", 20)}
	tests := []struct {
		name  string
		args  []string
		code  int
		debug bool
		want  string // a line --debug shows
	}{
		{"playback", append(player, s.Magnet()), exitOK, false, ""},
		{"playback -v", append(append([]string{"-v"}, player...), s.Magnet()), exitOK, false, ""},
		// With --debug the library's lines show. Whether the player's read
		// was still waiting for bytes when it quit (the library then logs
		// the cancelled read, as a debug line: TestQuietNoise) depends on
		// the swarm's timing, so no particular line is asked for.
		{"playback --debug", append(append([]string{"--debug"}, player...), s.Magnet()), exitOK, true, ""},
		{"no peers -v", append([]string{"-v"}, noPeers...), exitNoMetadata, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := btstreamCmd(t, t.TempDir(), tt.args...)
			cmd.Env = append(cmd.Env, "BTSTREAM_TEST_QUITTER="+strconv.Itoa(2<<20))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			guard(t, cmd)
			if code := exitCode(cmd.Run()); code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			checkLibraryLines(t, stderr.String(), tt.debug, tt.want)
		})
	}
}

// checkLibraryLines fails the test unless the log lines on stderr are
// there with --debug only, and, when want is set, a line holding it is.
func checkLibraryLines(t *testing.T, stderr string, debug bool, want string) {
	t.Helper()
	logged := strings.Contains(stderr, "level=")
	switch {
	case !debug && logged:
		t.Errorf("log lines without --debug:\n%s", stderr)
	case debug && !logged:
		t.Errorf("no log line with --debug:\n%s", stderr)
	case debug && want != "" && !strings.Contains(stderr, want):
		t.Errorf("no %q with --debug:\n%s", want, stderr)
	}
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, "level=ERROR") && strings.Contains(l, "context canceled") {
			t.Errorf("cancellation logged as an error: %s", l)
		}
	}
}

// Offline with the DHT on, the DHT's bootstrap errors show with --debug
// only. The run is in a network namespace of its own, with no interface
// up: nothing it sends can leave.
func TestBinaryOfflineDHTQuiet(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("network namespaces")
	}
	if err := exec.Command("unshare", "-rn", "true").Run(); err != nil {
		t.Skipf("no user and network namespaces (unshare -rn: %v)", err)
	}
	for _, debug := range []bool{false, true} {
		verbosity := "-v"
		if debug {
			verbosity = "--debug"
		}
		t.Run(verbosity, func(t *testing.T) {
			cmd := exec.Command("unshare", "-rn", binary(t), verbosity, "--no-upnp", "--port", "0",
				"--no-player", "--metadata-timeout", "3s", strings.Repeat("cd", 20))
			cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			guard(t, cmd)
			if code := exitCode(cmd.Run()); code != exitNoMetadata {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitNoMetadata, stderr.String())
			}
			if !strings.Contains(stderr.String(), "tried the DHT") {
				t.Fatalf("the DHT was not on:\n%s", stderr.String())
			}
			checkLibraryLines(t, stderr.String(), debug, "error bootstrapping")
		})
	}
}
