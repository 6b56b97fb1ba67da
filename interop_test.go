package main

// Interop tests of the real btstream binary: it leeches from real BitTorrent clients
// (aria2c, qBittorrent), found through x.pe or a loopback opentracker, and real
// players (mpv, VLC) play what it serves, through --player, --no-player and --stdout.
// Nothing leaves 127.0.0.1: every run of the binary has --no-dht --no-upnp and
// offlineEnv, and the clients run as the harness configures them.

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	// interopDeadline bounds every wait on the binary or a player: a failure guard,
	// not a timing assertion.
	interopDeadline = 90 * time.Second
	// clipSeconds is the generated media's length. Players run at playSpeed, so
	// playing a clip through takes about two seconds.
	clipSeconds = 16
	playSpeed   = "--speed=8"
	// tailBytes is the size of the Range request for the end of the file.
	tailBytes = 300 << 10
)

// seeder starts a real client seeding a .torrent from a data directory and
// returns its BitTorrent address (startAria2Seeder, startQbittorrentSeeder).
type seeder func(t testing.TB, torrentFile, dataDir string) string

// seededMagnet seeds media with start and returns a magnet that finds the seeder
// only through x.pe or, with viaTracker, only through a fresh loopback opentracker.
func seededMagnet(t *testing.T, start seeder, media string, viaTracker bool) string {
	t.Helper()
	const pieceLen = 256 << 10
	torrentFile, ih, magnet := makeTorrent(t, media, pieceLen)
	if !viaTracker {
		return withPeer(magnet, start(t, torrentFile, filepath.Dir(media)))
	}
	announce := startOpentracker(t, ih)
	torrentFile, _, magnet = makeTorrent(t, media, pieceLen, announce)
	start(t, torrentFile, filepath.Dir(media))
	waitSeeders(t, announce, ih, 1)
	return magnet
}

// TestInteropServe: given a magnet whose only peer source is x.pe (aria2c,
// qBittorrent) or a loopback tracker, --no-player prints exactly one line, the
// URL; the whole body served there and a Range request for its end are the
// source's bytes; SIGINT ends it with exit 130 and no data left in TMPDIR.
func TestInteropServe(t *testing.T) {
	requireTools(t, "ffmpeg", "aria2c", "qbittorrent-nox", "opentracker")
	media := makeMP4(t, t.TempDir(), clipSeconds)
	want, err := os.ReadFile(media)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		start      seeder
		viaTracker bool
	}{
		{"aria2c x.pe", startAria2Seeder, false},
		{"qbittorrent x.pe", startQbittorrentSeeder, false},
		{"aria2c via opentracker", startAria2Seeder, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			magnet := seededMagnet(t, tc.start, media, tc.viaTracker)
			tmp := t.TempDir()
			r := startBinary(t, btstreamCmd(t, tmp, "--no-player", magnet))
			u, took := r.waitFor(t, "the URL", func(string) bool { return true })
			t.Logf("time to URL (%s): %v", tc.name, took.Round(time.Millisecond))
			if !strings.HasPrefix(u, "http://127.0.0.1:") {
				t.Fatalf("first line %q is not a loopback URL", u)
			}
			checkServed(t, u, want)
			if err := r.cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			code, rest := r.exit(t)
			if code != exitInterrupted {
				t.Errorf("exit %d after SIGINT, want %d", code, exitInterrupted)
			}
			if len(rest) != 0 {
				t.Errorf("stdout has more than the URL: %q", rest)
			}
			requireNoData(t, tmp)
		})
	}
}

// checkServed asserts that GET u returns want (compared by SHA-256) and that a
// Range request for the last tailBytes returns 206 with exactly those bytes.
func checkServed(t *testing.T, u string, want []byte) {
	t.Helper()
	client := &http.Client{Timeout: interopDeadline}
	resp, err := client.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s after %d bytes: %v", u, resp.Status, n, err)
	}
	wantSum := sha256.Sum256(want)
	if got := hex.EncodeToString(h.Sum(nil)); got != hex.EncodeToString(wantSum[:]) {
		t.Fatalf("GET %s: %d bytes with sha256 %s; want %d bytes, %x", u, n, got, len(want), wantSum)
	}

	from := len(want) - tailBytes
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-", from))
	resp, err = client.Do(req)
	if err != nil {
		t.Fatalf("GET %s, Range from %d: %v", u, from, err)
	}
	tail, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	wantRange := fmt.Sprintf("bytes %d-%d/%d", from, len(want)-1, len(want))
	if err != nil || resp.StatusCode != http.StatusPartialContent || resp.Header.Get("Content-Range") != wantRange {
		t.Fatalf("GET %s, Range from %d: %s, Content-Range %q, %v; want 206, %q",
			u, from, resp.Status, resp.Header.Get("Content-Range"), err, wantRange)
	}
	if !bytes.Equal(tail, want[from:]) {
		t.Fatalf("the last %d bytes served differ from the source's (got %d bytes)", tailBytes, len(tail))
	}
}

// TestInteropMPV: mpv, launched by btstream, plays each container (MP4 with the
// moov at the end, Matroska with the Cues at the end) from each client to the end,
// from the start and from 50%; btstream then exits 0 and leaves no data.
func TestInteropMPV(t *testing.T) {
	requireTools(t, "ffmpeg", "aria2c", "qbittorrent-nox", "mpv")
	mp4, mkv := makeMP4(t, t.TempDir(), clipSeconds), makeMKV(t, t.TempDir(), clipSeconds)
	for _, tc := range []struct {
		name, media, seederName string
		start                   seeder
		from                    string // mpv --start, "" for the beginning
	}{
		{"mp4 from aria2c", mp4, "aria2c", startAria2Seeder, ""},
		{"mkv from qbittorrent", mkv, "qbittorrent", startQbittorrentSeeder, ""},
		{"mp4 at 50% from qbittorrent", mp4, "qbittorrent", startQbittorrentSeeder, "50%"},
		{"mkv at 50% from aria2c", mkv, "aria2c", startAria2Seeder, "50%"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			magnet := seededMagnet(t, tc.start, tc.media, false)
			report := filepath.Join(t.TempDir(), "report")
			args := []string{"--json", "--player", "mpv", "--player-arg=--no-config",
				"--player-arg=--vo=null", "--player-arg=--ao=null", "--player-arg=" + playSpeed,
				"--player-arg=--script=" + mpvReportScript(t, report)}
			if tc.from != "" {
				args = append(args, "--player-arg=--start="+tc.from)
			}
			tmp := t.TempDir()
			r := startBinary(t, btstreamCmd(t, tmp, append(args, magnet)...))
			_, took := r.waitFor(t, "player_started", isEvent("player_started"))
			t.Logf("time to player_started (%s): %v", tc.seederName, took.Round(time.Millisecond))
			if code, rest := r.exit(t); code != exitOK {
				t.Fatalf("exit %d, want 0; events after player_started: %q", code, rest)
			}
			rep := readMPVReport(t, report)
			rep.requireEnd(t)
			if tc.from != "" && rep.first < rep.duration*0.4 {
				t.Errorf("mpv started at %.2fs of %.2fs, want about half way", rep.first, rep.duration)
			}
			requireNoData(t, tmp)
		})
	}
}

// TestInteropVLC: VLC, launched by btstream, plays the Matroska file to the end
// and btstream exits 0 with no data left. VLC refuses root, so under root the
// whole btstream runs as nobody (which needs no file access: the magnet's x.pe
// names aria2c), with a HOME and TMPDIR it can write.
func TestInteropVLC(t *testing.T) {
	requireTools(t, "ffmpeg", "aria2c", "vlc")
	magnet := seededMagnet(t, startAria2Seeder, makeMKV(t, t.TempDir(), clipSeconds), false)
	cmd := btstreamCmd(t, "", "-v", "--player", "vlc", "--player-arg=--intf=dummy",
		"--player-arg=--vout=dummy", "--player-arg=--aout=dummy", "--player-arg=--rate=8",
		"--player-arg=-vv", magnet)
	home := runAsUnprivileged(t, cmd)
	cmd.Env = append(cmd.Env, "TMPDIR="+home) // the last TMPDIR wins
	// binary(t) sits in a folder only its owner can enter: give nobody a copy.
	bin := filepath.Join(home, "bin", "btstream")
	copyExecutable(t, binary(t), bin)
	cmd.Path, cmd.Args[0] = bin, bin
	r := startBinary(t, cmd)
	if code, _ := r.exit(t); code != exitOK {
		t.Fatalf("exit %d, want 0", code)
	}
	if out := r.stderr.tail(300); !strings.Contains(out, "main input debug: EOF reached") {
		t.Errorf("VLC did not report the end of the stream; btstream -v output:\n%s", r.stderr.tail(40))
	}
	requireNoData(t, home)
}

// copyExecutable copies the program at src to dst, readable and executable by all.
func copyExecutable(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestInteropStdoutPipe: btstream --stdout SRC | mpv - plays the Matroska file to
// the end, and both exit 0. (An MP4 with its moov at the end cannot play from a
// pipe, which cannot seek.)
func TestInteropStdoutPipe(t *testing.T) {
	requireTools(t, "ffmpeg", "aria2c", "mpv")
	magnet := seededMagnet(t, startAria2Seeder, makeMKV(t, t.TempDir(), clipSeconds), false)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()

	report := filepath.Join(t.TempDir(), "report")
	mpv := exec.Command("mpv", "--no-config", "--vo=null", "--ao=null", playSpeed,
		"--script="+mpvReportScript(t, report), "-")
	mpv.Stdin = pr
	mpvRun := startBinary(t, mpv)

	tmp := t.TempDir()
	cmd := btstreamCmd(t, tmp, "--stdout", magnet)
	cmd.Stdout = pw
	bt := startBinary(t, cmd)
	// Only the children hold the pipe now: mpv sees EOF when btstream is done.
	pr.Close()
	pw.Close()

	if code, _ := bt.exit(t); code != exitOK {
		t.Errorf("btstream exit %d, want 0", code)
	}
	if code, _ := mpvRun.exit(t); code != exitOK {
		t.Fatalf("mpv exit %d, want 0; its stderr:\n%s", code, mpvRun.stderr.tail(40))
	}
	readMPVReport(t, report).requireEnd(t)
	requireNoData(t, tmp)
}

// requireNoData fails the test if a btstream-* folder is left in dir (TMPDIR).
func requireNoData(t *testing.T, dir string) {
	t.Helper()
	if left, _ := filepath.Glob(filepath.Join(dir, "btstream-*")); len(left) != 0 {
		t.Errorf("left behind in TMPDIR: %v", left)
	}
}

// isEvent matches a --json line carrying the named event.
func isEvent(name string) func(string) bool {
	return func(line string) bool {
		var ev struct{ Event string }
		return json.Unmarshal([]byte(line), &ev) == nil && ev.Event == name
	}
}

// mpvReportScript writes an mpv Lua script that records, when the file ends, why
// it ended and the first and last playback positions, into report; it returns
// the script's path.
func mpvReportScript(t *testing.T, report string) string {
	t.Helper()
	script := fmt.Sprintf(`local first, last, duration
mp.observe_property("time-pos", "number", function(_, v)
	if v then first = first or v; last = v end
end)
mp.observe_property("duration", "number", function(_, v) if v then duration = v end end)
mp.register_event("end-file", function(e)
	local f = assert(io.open(%q, "w"))
	f:write(string.format("%%s %%s %%s %%s\n", e.reason, tostring(first), tostring(last), tostring(duration)))
	f:close()
end)
`, report)
	path := filepath.Join(t.TempDir(), "report.lua")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// mpvReport is what the report script recorded.
type mpvReport struct {
	reason                string // "eof" when the file played to its end
	first, last, duration float64
}

func readMPVReport(t *testing.T, path string) mpvReport {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("mpv wrote no report (it never ended a file): %v", err)
	}
	f := strings.Fields(string(data))
	var r mpvReport
	var errs [3]error
	if len(f) == 4 {
		r.reason = f[0]
		r.first, errs[0] = strconv.ParseFloat(f[1], 64)
		r.last, errs[1] = strconv.ParseFloat(f[2], 64)
		r.duration, errs[2] = strconv.ParseFloat(f[3], 64)
	}
	if len(f) != 4 || errs != [3]error{} {
		t.Fatalf("mpv report %q: want REASON FIRST LAST DURATION", data)
	}
	return r
}

// requireEnd fails the test unless mpv reached the end of the file: it ended
// for "eof", within a second of the duration the container declares.
func (r mpvReport) requireEnd(t *testing.T) {
	t.Helper()
	t.Logf("mpv played %.2fs to %.2fs of %.2fs, then %q", r.first, r.last, r.duration, r.reason)
	if r.reason != "eof" || r.duration < clipSeconds-1 || r.last < r.duration-1 {
		t.Fatalf("mpv ended with %q at %.2fs of %.2fs; want eof at the end of a %ds clip",
			r.reason, r.last, r.duration, clipSeconds)
	}
}

// binaryRun is one supervised run of the btstream binary (or of mpv): its
// stdout lines as they come, the tail of its stderr, and its exit.
type binaryRun struct {
	cmd    *exec.Cmd
	began  time.Time
	lines  chan string // stdout lines; closed at EOF (at once when cmd.Stdout was set)
	stderr *tailBuffer
	done   chan struct{} // closed once the process has exited
	err    error         // Wait's result, valid after done is closed
}

// startBinary starts cmd in its own process group. Unless cmd.Stdout is set, its
// stdout is read line by line. A cleanup kills the group (btstream and any player
// it started), waits, and logs the stderr tail if the test failed.
func startBinary(t testing.TB, cmd *exec.Cmd) *binaryRun {
	t.Helper()
	r := &binaryRun{cmd: cmd, lines: make(chan string, 4096), stderr: &tailBuffer{}, done: make(chan struct{})}
	var stdout io.Reader
	if cmd.Stdout == nil {
		p, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout = p
	}
	cmd.Stderr = r.stderr
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid, cmd.SysProcAttr.Pdeathsig = true, syscall.SIGKILL
	r.began = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	go func() {
		if stdout != nil {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				r.lines <- sc.Text()
			}
		}
		close(r.lines)
		r.err = cmd.Wait()
		close(r.done)
	}()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		for range r.lines {
		}
		<-r.done
		if t.Failed() {
			t.Logf("%s stderr tail:\n%s", filepath.Base(cmd.Path), r.stderr.tail(40))
		}
	})
	return r
}

// waitFor returns the first stdout line that match accepts and how long after
// the start it came. It fails the test if the process exits first or
// interopDeadline passes.
func (r *binaryRun) waitFor(t testing.TB, what string, match func(string) bool) (string, time.Duration) {
	t.Helper()
	deadline := time.NewTimer(interopDeadline)
	defer deadline.Stop()
	for {
		select {
		case line, ok := <-r.lines:
			if !ok {
				t.Fatalf("%s exited (code %d) before %s", filepath.Base(r.cmd.Path), r.exitAfterEOF(t, deadline.C), what)
			}
			if match(line) {
				return line, time.Since(r.began)
			}
		case <-deadline.C:
			t.Fatalf("no %s from %s after %v", what, filepath.Base(r.cmd.Path), interopDeadline)
		}
	}
}

// exit waits for the process to exit and returns its exit code and the stdout
// lines not yet read. It fails the test if interopDeadline passes first.
func (r *binaryRun) exit(t testing.TB) (code int, rest []string) {
	t.Helper()
	deadline := time.NewTimer(interopDeadline)
	defer deadline.Stop()
	for {
		select {
		case line, ok := <-r.lines:
			if !ok {
				return r.exitAfterEOF(t, deadline.C), rest
			}
			rest = append(rest, line)
		case <-deadline.C:
			t.Fatalf("%s still running after %v; its last output:\n%s", filepath.Base(r.cmd.Path), interopDeadline,
				strings.Join(rest[max(0, len(rest)-12):], "\n"))
		}
	}
}

// exitAfterEOF waits, once stdout is closed, for the process to exit and returns
// its exit code, failing the test if deadline fires first.
func (r *binaryRun) exitAfterEOF(t testing.TB, deadline <-chan time.Time) int {
	t.Helper()
	select {
	case <-r.done:
		return exitCode(r.err)
	case <-deadline:
		t.Fatalf("%s still running after %v", filepath.Base(r.cmd.Path), interopDeadline)
		return 0
	}
}
