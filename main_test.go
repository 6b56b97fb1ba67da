package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btstream/btstream/player"
	"github.com/btstream/btstream/stream"
	"github.com/btstream/btstream/torrentutil"
	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// A torrent's file, typed by its name, is what the HTTP server serves.
var _ stream.Source = served{}

// seed starts a loopback seeder of data as a file named name.
func seed(t *testing.T, name string, data []byte) *torrentutil.Seeder {
	t.Helper()
	return seedPath(t, torrenttest.WriteFile(t, t.TempDir(), name, data), torrentutil.Config{})
}

// seedPath starts a loopback seeder of the file or folder at path.
func seedPath(t *testing.T, path string, cfg torrentutil.Config) *torrentutil.Seeder {
	t.Helper()
	cfg.Offline = true
	s, err := torrentutil.NewSeeder(path, 64<<10, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// harness runs realMain in-process, on loopback only, with a private TMPDIR.
type harness struct {
	t      *testing.T
	tmp    string
	stdout bytes.Buffer
	stderr bytes.Buffer
	play   func(ctx context.Context, p player.Player, m player.Media) error
}

func newHarness(t *testing.T) *harness {
	h := &harness{t: t, tmp: t.TempDir()}
	t.Setenv("TMPDIR", h.tmp)
	t.Setenv("XDG_STATE_HOME", filepath.Join(h.tmp, "state")) // play positions
	return h
}

func (h *harness) deps() deps {
	return deps{
		stdout: &h.stdout, stderr: &h.stderr,
		play: h.play,
		tune: func(c *torrentutil.Config) { c.Offline = true },
	}
}

func (h *harness) run(ctx context.Context, args ...string) int {
	return realMain(ctx, append([]string{"btstream"}, args...), h.deps())
}

// start runs realMain in the background with stdout on a pipe, and returns
// a scanner of stdout and the channel that gets the exit code.
func (h *harness) start(ctx context.Context, args ...string) (*bufio.Scanner, <-chan int) {
	out, w := io.Pipe()
	d := h.deps()
	d.stdout = w
	done := make(chan int, 1)
	go func() {
		done <- realMain(ctx, append([]string{"btstream"}, args...), d)
		w.Close()
	}()
	return bufio.NewScanner(out), done
}

// leftovers lists what btstream left in its temporary folder.
func (h *harness) leftovers() []string {
	m, _ := filepath.Glob(filepath.Join(h.tmp, "btstream-*"))
	return m
}

func timeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// get fetches url with an optional Range header and returns status and body.
func get(ctx context.Context, url, rng string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// mpvLike requests the file the way mpv does on an MP4 whose moov is at the
// end: the start, the last 300 KB, then everything from byte 48 on. Every
// byte is checked against want.
func mpvLike(want []byte) func(ctx context.Context, p player.Player, m player.Media) error {
	return func(ctx context.Context, p player.Player, m player.Media) error {
		size := len(want)
		steps := []struct {
			rng        string
			status     int
			start, end int
		}{
			{"bytes=0-", http.StatusPartialContent, 0, size},
			{fmt.Sprintf("bytes=%d-", size-300_000), http.StatusPartialContent, size - 300_000, size},
			{"bytes=48-", http.StatusPartialContent, 48, size},
			{fmt.Sprintf("bytes=%d-", size), http.StatusRequestedRangeNotSatisfiable, 0, 0},
		}
		for _, s := range steps {
			status, body, err := get(ctx, m.URL, s.rng)
			if err != nil {
				return err
			}
			if status != s.status {
				return fmt.Errorf("%s: status %d, want %d", s.rng, status, s.status)
			}
			if s.status == http.StatusPartialContent && !bytes.Equal(body, want[s.start:s.end]) {
				return fmt.Errorf("%s: %d bytes differ from the source", s.rng, len(body))
			}
		}
		return nil
	}
}

func TestEndToEndMpvLike(t *testing.T) {
	data := torrenttest.Pattern(2<<20 + 4321)
	s := seed(t, "movie.mp4", data)
	h := newHarness(t)
	var title string
	check := mpvLike(data)
	h.play = func(ctx context.Context, p player.Player, m player.Media) error {
		title = m.Title
		return check(ctx, p, m)
	}
	if code := h.run(timeout(t), s.Magnet()); code != exitOK {
		t.Fatalf("exit %d, stderr: %s", code, h.stderr.String())
	}
	if title != "movie.mp4" {
		t.Errorf("title %q, want movie.mp4", title)
	}
	if left := h.leftovers(); len(left) != 0 {
		t.Errorf("temporary data left behind: %v", left)
	}
}

// From a .torrent file with --peer, a player failure gives exit 6 and the
// player's error, and the data is still removed.
func TestPlayerFailure(t *testing.T) {
	data := torrenttest.Pattern(300 << 10)
	s := seed(t, "clip.mkv", data)
	tf := filepath.Join(t.TempDir(), "clip.torrent")
	b, err := s.TorrentFile()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(tf, b, 0o644)
	h := newHarness(t)
	h.play = func(context.Context, player.Player, player.Media) error {
		return fmt.Errorf("mpv exited with status 2")
	}
	code := h.run(timeout(t), "--peer", s.Addr(), tf)
	if code != exitPlayer || !strings.Contains(h.stderr.String(), "status 2") {
		t.Fatalf("exit %d, stderr %q; want %d and the player's status", code, h.stderr.String(), exitPlayer)
	}
	if left := h.leftovers(); len(left) != 0 {
		t.Errorf("temporary data left behind: %v", left)
	}
}

// --no-player prints exactly one line, the URL, on stdout once the start
// rule holds, and serves until interrupted (exit 130).
func TestNoPlayerPrintsURL(t *testing.T) {
	data := torrenttest.Pattern(1<<20 + 99)
	s := seed(t, "movie.webm", data)
	h := newHarness(t)
	ctx, cancel := context.WithCancel(timeout(t))
	defer cancel()
	sc, done := h.start(ctx, "--no-player", s.Magnet())
	if !sc.Scan() {
		t.Fatalf("no URL line; stderr: %s", h.stderr.String())
	}
	url := sc.Text()
	status, body, err := get(ctx, url, "")
	if err != nil || status != http.StatusOK || !bytes.Equal(body, data) {
		t.Fatalf("GET %s: %d, %d bytes, %v", url, status, len(body), err)
	}
	// The type comes from the name's extension (torrentutil/media).
	resp, err := http.Head(url)
	if err != nil {
		t.Fatalf("HEAD %s: %v", url, err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "video/webm" {
		t.Errorf("HEAD %s: Content-Type %q, want video/webm", url, ct)
	}
	cancel()
	if code := <-done; code != exitInterrupted {
		t.Errorf("exit %d after cancel, want %d", code, exitInterrupted)
	}
	if sc.Scan() {
		t.Errorf("stdout has more than the URL: %q", sc.Text())
	}
	if left := h.leftovers(); len(left) != 0 {
		t.Errorf("temporary data left behind: %v", left)
	}
}

// --stdout writes exactly the file's bytes.
func TestStdoutWritesFile(t *testing.T) {
	data := torrenttest.Pattern(1<<20 + 5)
	s := seed(t, "movie.mkv", data)
	h := newHarness(t)
	if code := h.run(timeout(t), "--stdout", s.Magnet()); code != exitOK {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	if !bytes.Equal(h.stdout.Bytes(), data) {
		t.Fatalf("stdout has %d bytes, want the file's %d", h.stdout.Len(), len(data))
	}
}

// Every --json line is one JSON object, and the events come in order.
func TestJSONEvents(t *testing.T) {
	data := torrenttest.Pattern(700 << 10)
	s := seed(t, "movie.mp4", data)
	h := newHarness(t)
	h.play = mpvLike(data)
	if code := h.run(timeout(t), "--json", s.Magnet()); code != exitOK {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	var names []string
	sc := bufio.NewScanner(&h.stdout)
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		name, _ := ev["event"].(string)
		if name == "progress" || name == "metadata_wait" {
			continue
		}
		names = append(names, name)
		if name == "exit" && ev["code"] != float64(0) {
			t.Errorf("exit event %v", ev)
		}
	}
	want := "metadata file listening ready player_started player_exited exit"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("events %q, want %q", got, want)
	}
}

// A non-loopback --addr is allowed, with a warning that says who can read.
func TestNonLoopbackAddrWarns(t *testing.T) {
	s := seed(t, "movie.mkv", torrenttest.Pattern(200<<10))
	h := newHarness(t)
	ctx, cancel := context.WithCancel(timeout(t))
	defer cancel()
	sc, done := h.start(ctx, "--no-player", "--addr", "0.0.0.0:0", s.Magnet())
	if !sc.Scan() {
		t.Fatalf("no URL; stderr: %s", h.stderr.String())
	}
	cancel()
	for sc.Scan() {
	}
	<-done
	if !strings.Contains(h.stderr.String(), "anyone who can reach that address can read the stream") {
		t.Errorf("stderr %q lacks the warning", h.stderr.String())
	}
}

// --stdout will not spray video bytes over a terminal.
func TestStdoutRefusesTerminal(t *testing.T) {
	h := newHarness(t)
	d := h.deps()
	d.terminal = func(w any) bool { return w == d.stdout }
	code := realMain(timeout(t), []string{"btstream", "--stdout", filepath.Join("testdata", "single.torrent")}, d)
	if code != exitUsage || !strings.Contains(h.stderr.String(), "pipe it into a player") {
		t.Fatalf("exit %d, stderr %q; want %d and a hint", code, h.stderr.String(), exitUsage)
	}
	if h.stdout.Len() != 0 {
		t.Errorf("wrote %d bytes to the terminal", h.stdout.Len())
	}
}
