package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/btstream/btstream/torrentutil"
	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// serving is a real btstream serving a stream until stopped.
type serving struct {
	cmd    *exec.Cmd
	url    string   // the listening event's url
	lan    []string // and its lan_urls
	stderr *bytes.Buffer
}

// serve runs the real binary with --no-player --json and args until its
// stream is ready. HTTP flags come from args only: BTSTREAM_ADDR is unset.
func serve(t *testing.T, args ...string) *serving {
	t.Helper()
	cmd := btstreamCmd(t, t.TempDir(), append([]string{"--no-player", "--json"}, args...)...)
	cmd.Env = slices.DeleteFunc(cmd.Env, func(kv string) bool { return strings.HasPrefix(kv, "BTSTREAM_ADDR=") })
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &serving{cmd: cmd, stderr: &bytes.Buffer{}}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	guard(t, cmd)
	t.Cleanup(s.stop)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, `"event":"listening"`) {
			var ev listeningEvent
			if err := json.Unmarshal([]byte(line), &ev); err != nil {
				t.Fatal(err)
			}
			s.url, s.lan = ev.URL, ev.LANURLs
		}
		if strings.Contains(line, `"event":"ready"`) {
			break
		}
	}
	go io.Copy(io.Discard, out)
	if s.url == "" {
		s.stop()
		t.Fatalf("no listening event; stderr: %s", s.stderr)
	}
	return s
}

// stop interrupts btstream and waits for it.
func (s *serving) stop() {
	if s.cmd.ProcessState == nil {
		s.cmd.Process.Signal(syscall.SIGINT)
		s.cmd.Wait()
	}
}

// fetch GETs u and fails the test unless it serves want.
func fetch(t *testing.T, u string, want []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(got, want) {
		t.Fatalf("GET %s: status %d, %d bytes (%v); want the %d-byte file", u, resp.StatusCode, len(got), err, len(want))
	}
}

// The same torrent gets the same URL on every run, so that players resume
// it: the default port, and a path of the infohash, the file's index and
// its name. A second btstream while the first holds the port gets another
// port (said with -v), the same path, and serves.
func TestBinaryStableURL(t *testing.T) {
	data := torrenttest.Pattern(256 << 10)
	dir := t.TempDir()
	torrenttest.WriteFile(t, dir, "Extra.txt", []byte("not a video"))
	torrenttest.WriteFile(t, dir, "My Movie.mkv", data)
	s := seedPath(t, dir, torrentutil.Config{})
	tf := filepath.Join(t.TempDir(), "movie.torrent")
	b, err := s.TorrentFile()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tf, b, 0o644); err != nil {
		t.Fatal(err)
	}

	first := serve(t, "--peer", s.Addr(), tf)
	u, err := url.Parse(first.url)
	if err != nil {
		t.Fatal(err)
	}
	wantPath := fmt.Sprintf("/%s/1/My Movie.mkv", s.InfoHash())
	if u.Path != wantPath || u.Hostname() != "127.0.0.1" {
		t.Errorf("URL %s: want http://127.0.0.1:PORT%s", first.url, wantPath)
	}
	if !strings.HasSuffix(first.url, ".mkv") {
		t.Errorf("URL %s does not end in the file's extension", first.url)
	}
	usual := u.Port() == fmt.Sprint(httpPort)
	if !usual {
		t.Logf("port %d is taken on this machine: the runs share the fallback %s", httpPort, u.Port())
	}
	fetch(t, first.url, data)

	second := serve(t, "-v", "--peer", s.Addr(), s.Magnet())
	u2, _ := url.Parse(second.url)
	if u2.Port() == u.Port() || u2.Path != u.Path {
		t.Errorf("second instance's URL %s, want another port than %s's and the same path", second.url, first.url)
	}
	fetch(t, second.url, data)
	second.stop()
	first.stop()
	if usual && !strings.Contains(second.stderr.String(), fmt.Sprintf("HTTP port %d is taken", httpPort)) {
		t.Errorf("-v stderr lacks the fallback note: %s", second.stderr)
	}

	third := serve(t, "--peer", s.Addr(), s.Magnet())
	if third.url != first.url {
		t.Errorf("second run's URL %s, first's %s", third.url, first.url)
	}
	fetch(t, third.url, data)
}
