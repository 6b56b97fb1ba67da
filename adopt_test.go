package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/btstream/btstream/torrentutil"
	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// adoptSize is the file the adoption tests use. The README's numbers come
// from -args -adopt-size=204472320 (195 MiB).
var adoptSize = flag.Int64("adopt-size", 24<<20, "bytes of the file TestBinaryAdopt* and TestBinaryCrashRestart use")

// progressUntil reads btstream's JSON events from sc until a progress event
// satisfies done, and returns that event's downloaded bytes (-1 if the
// output ended first).
func progressUntil(sc *bufio.Scanner, done func(downloaded int64) bool) int64 {
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, `"event":"progress"`) {
			continue
		}
		var ev struct{ Downloaded int64 }
		if json.Unmarshal([]byte(line), &ev) == nil && done(ev.Downloaded) {
			return ev.Downloaded
		}
	}
	return -1
}

// startOutput starts cmd with its stdout on a scanner and its stderr kept.
func startOutput(t *testing.T, cmd *exec.Cmd) (*bufio.Scanner, *bytes.Buffer) {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	guard(t, cmd)
	return bufio.NewScanner(out), &stderr
}

// kill -9 half way through a download, then a second run on the same
// --data-dir: what had arrived is kept, verified pieces from their records
// and the rest by a hash check of the bytes on disk, so the second run
// fetches again at most what was in flight (partly received pieces) when
// the first one died. The seeder's upload counter says what was sent twice.
func TestBinaryCrashRestart(t *testing.T) {
	size := *adoptSize
	const pieceLen = 256 << 10
	path := filepath.Join(t.TempDir(), "movie.mkv")
	if err := os.WriteFile(path, torrenttest.Pattern(int(size)), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := torrentutil.NewSeeder(path, pieceLen, torrentutil.Config{Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tf := filepath.Join(t.TempDir(), "movie.torrent")
	b, err := s.TorrentFile()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(tf, b, 0o644)
	dataDir := t.TempDir()
	// Slow enough that the kill lands mid-download: about 8 s for the file.
	rate := strconv.FormatInt(size/8, 10)
	args := []string{"--no-player", "--json", "--buffer", "100%", "--download-rate", rate, "--data-dir", dataDir, "--peer", s.Addr(), tf}

	first := btstreamCmd(t, t.TempDir(), args...)
	sc, stderr := startOutput(t, first)
	at := progressUntil(sc, func(n int64) bool { return n >= size/2 })
	first.Process.Kill() // SIGKILL: no cleanup at all
	first.Wait()
	if at < 0 {
		t.Fatalf("first run ended before half the file arrived; stderr: %s", stderr)
	}
	sent := s.Uploaded()

	second := btstreamCmd(t, t.TempDir(), args...)
	sc, stderr = startOutput(t, second)
	done := progressUntil(sc, func(n int64) bool { return n == size })
	second.Process.Kill()
	second.Wait()
	if done < 0 {
		t.Fatalf("second run never completed the file; stderr: %s", stderr)
	}
	again := sent + (s.Uploaded() - sent) - size
	t.Logf("%d-byte file: killed at %d bytes reported (%d sent); the second run fetched %d, of which %d again",
		size, at, sent, s.Uploaded()-sent, again)
	// What can be lost: pieces partly received, and chunks sent but not
	// yet read. The library keeps at most a few MiB of requests out per
	// peer; 8 MiB is a generous bound.
	if again > 8<<20 {
		t.Errorf("the second run fetched %d bytes again; want at most 8 MiB", again)
	}
}

// A complete file another program wrote into --data-dir, with the torrent's
// layout, is checked and played from disk: the seeder sends nothing, and
// the HTTP stream is the file.
func TestBinaryAdoptsCompleteFile(t *testing.T) {
	size := *adoptSize
	data := torrenttest.Pattern(int(size))
	s, err := torrentutil.NewSeeder(torrenttest.WriteFile(t, t.TempDir(), "movie.mkv", data), 256<<10, torrentutil.Config{Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dataDir := t.TempDir()
	torrenttest.WriteFile(t, dataDir, "movie.mkv", data) // "another program"
	// --buffer 100%: ready means every piece is in, here checked.
	cmd := btstreamCmd(t, t.TempDir(), "--no-player", "--json", "--buffer", "100%", "--data-dir", dataDir, s.Magnet())
	sc, stderr := startOutput(t, cmd)
	defer func() {
		cmd.Process.Signal(syscall.SIGINT)
		cmd.Wait()
	}()
	var url string
	var ready float64
	for sc.Scan() && ready == 0 {
		var ev struct {
			Event   string
			Elapsed float64
			URL     string
		}
		json.Unmarshal(sc.Bytes(), &ev)
		switch {
		case ev.Event == "listening":
			url = ev.URL
		case ev.Event == "ready":
			ready = ev.Elapsed
		}
	}
	if ready == 0 {
		t.Fatalf("btstream never had the whole file; stderr: %s", stderr)
	}
	go func() { // keep btstream's stdout drained
		for sc.Scan() {
		}
	}()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("served %d bytes (%v), not the file's %d", len(got), err, size)
	}
	if up := s.Uploaded(); up != 0 {
		t.Errorf("the seeder sent %d bytes; want none", up)
	}
	t.Logf("%d-byte file adopted: every piece checked %.2f s after start", size, ready)
}
