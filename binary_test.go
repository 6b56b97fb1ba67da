package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/btstream/btstream/torrentutil"
	"github.com/btstream/btstream/torrentutil/source"
	"github.com/btstream/btstream/torrentutil/torrenttest"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary builds btstream once per test run and returns its path.
func binary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "btstream-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "btstream")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = errors.New(string(out))
		}
	})
	if binErr != nil {
		t.Fatalf("build btstream: %v", binErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// offline are the flags that keep the real binary on loopback: no DHT, no
// UPnP, and a free port. Sources in these tests carry no trackers.
var offline = []string{"--no-dht", "--no-upnp", "--port", "0"}

// offlineEnv says the same through the environment, which every flag reads
// too: belt and braces, so no test binary ever joins the DHT.
// Play positions are remembered in a state folder beside TMPDIR, never in
// the real one of the user running the tests.
func offlineEnv(tmp string) []string {
	env := append(os.Environ(), "TMPDIR="+tmp, "BTSTREAM_NO_DHT=true", "BTSTREAM_NO_UPNP=true")
	if tmp != "" {
		env = append(env, "XDG_STATE_HOME="+filepath.Join(tmp, "state"))
	}
	return env
}

// btstreamCmd runs the real binary with a private TMPDIR.
func btstreamCmd(t testing.TB, tmp string, args ...string) *exec.Cmd {
	cmd := exec.Command(binary(t), append(append([]string{}, offline...), args...)...)
	cmd.Env = offlineEnv(tmp)
	return cmd
}

// guard kills cmd if it is still running after a generous deadline, so a
// broken behaviour fails the test instead of hanging it. Not a timer the
// test waits on: cmd's own output drives the test.
func guard(t *testing.T, cmd *exec.Cmd) {
	timer := time.AfterFunc(90*time.Second, func() { cmd.Process.Kill() })
	t.Cleanup(func() { timer.Stop() })
}

// noLeftovers fails the test if btstream left a data folder in tmp.
func noLeftovers(t *testing.T, tmp string) {
	t.Helper()
	if left, _ := filepath.Glob(filepath.Join(tmp, "btstream-*")); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// Exit codes are documented; scripts branch on them. Every failure is one
// short message, never a stack trace, and leaves no data behind.
func TestBinaryExitCodes(t *testing.T) {
	noVideo := filepath.Join("testdata", "no-video.torrent")
	s := seed(t, "movie.mkv", torrenttest.Pattern(300<<10))
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	tests := []struct {
		name   string
		args   []string
		code   int
		phrase string
	}{
		{"unknown flag", []string{"--bogus", "x"}, exitUsage, "bogus"},
		{"no source", nil, exitUsage, "expected one source"},
		{"two sources", []string{"a", "b"}, exitUsage, "expected one source"},
		{"bad buffer", []string{"--buffer", "lots", "x"}, exitUsage, "--buffer"},
		{"empty torrent", []string{filepath.Join("testdata", "bad", "empty.torrent")}, exitBadSource, "bad source"},
		{"v2-only", []string{filepath.Join("testdata", "bad", "v2-only.torrent")}, exitBadSource, "v2"},
		{"missing file", []string{"nope.torrent"}, exitBadSource, "nope.torrent"},
		{"bad magnet", []string{"magnet:?xt=urn:btih:1234"}, exitBadSource, "bad source"},
		{"no video, ls is fine", []string{"ls", noVideo}, exitOK, ""},
		{"no video", []string{"--no-player", "--metadata-timeout", "1s", noVideo}, exitNoFile, "--file"},
		{"no metadata", []string{"--no-player", "--metadata-timeout", "1s", strings.Repeat("ab", 20)}, exitNoMetadata, "no metadata"},
		{"player exits non-zero", []string{"--player", "/bin/false", s.Magnet()}, exitPlayer, "exit status 1"},
		{"player missing", []string{"--player", "/nonexistent/mpv", s.Magnet()}, exitPlayer, "install mpv or VLC"},
		{"HTTP address taken", []string{"--no-player", "--addr", taken.Addr().String(), s.Magnet()}, exitError, "address already in use"},
		{"version", []string{"--version"}, exitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			cmd := btstreamCmd(t, tmp, tt.args...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if got := exitCode(err); got != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", got, tt.code, stderr.String())
			}
			if tt.name == "version" && !strings.HasPrefix(stdout.String(), "btstream ") {
				t.Errorf("--version printed %q", stdout.String())
			}
			msg := stderr.String()
			if !strings.Contains(msg, tt.phrase) {
				t.Errorf("stderr %q lacks %q", msg, tt.phrase)
			}
			if strings.Contains(msg, "goroutine ") || strings.Contains(msg, "panic") {
				t.Errorf("stack trace on stderr: %s", msg)
			}
			if tt.code != exitOK && strings.Count(strings.TrimSpace(msg), "\n") > 20 {
				t.Errorf("error is not short: %s", msg)
			}
			noLeftovers(t, tmp)
		})
	}
}

// btstream --stdout SRC | head: when the reader goes away, btstream exits 0.
func TestBinaryStdoutEPIPE(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGPIPE on Windows")
	}
	data := torrenttest.Pattern(3 << 20)
	s := seed(t, "movie.mkv", data)
	tmp := t.TempDir()
	cmd := btstreamCmd(t, tmp, "--stdout", s.Magnet())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 100<<10)
	if _, err := io.ReadFull(out, head); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(head, data[:len(head)]) {
		t.Fatal("first bytes differ from the file")
	}
	out.Close() // the reader goes away
	if code := exitCode(cmd.Wait()); code != exitOK {
		t.Fatalf("exit %d after EPIPE, want 0; stderr: %s", code, stderr.String())
	}
	noLeftovers(t, tmp)
}

// SIGINT and SIGTERM at every stage: exit 130 or 143, the data folder removed.
func TestBinarySignals(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("signals")
	}
	data := torrenttest.Pattern(2 << 20)
	s := seed(t, "movie.mp4", data)
	// A seeder so slow that buffering outlasts the test's signal.
	slowPath := torrenttest.WriteFile(t, t.TempDir(), "slow.mkv", torrenttest.Pattern(4<<20))
	slow := seedPath(t, slowPath, torrentutil.Config{UploadRate: 16 << 10})
	tests := []struct {
		name  string
		args  []string
		sig   syscall.Signal
		ready string // the JSON event that says the stage is reached
	}{
		{"metadata", []string{"--no-player", "--json", strings.Repeat("cd", 20)}, syscall.SIGINT, `"event":"metadata_wait"`},
		{"buffering", []string{"--no-player", "--json", slow.Magnet()}, syscall.SIGTERM, `"event":"file"`},
		{"serving", []string{"--no-player", "--json", s.Magnet()}, syscall.SIGINT, `"event":"ready"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			cmd := btstreamCmd(t, tmp, tt.args...)
			out, _ := cmd.StdoutPipe()
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(out)
			for sc.Scan() && !strings.Contains(sc.Text(), tt.ready) {
			}
			go io.Copy(io.Discard, out)
			cmd.Process.Signal(tt.sig)
			want := exitInterrupted
			if tt.sig == syscall.SIGTERM {
				want = exitTerminated
			}
			if code := exitCode(cmd.Wait()); code != want {
				t.Fatalf("exit %d, want %d; stderr: %s", code, want, stderr.String())
			}
			noLeftovers(t, tmp)
		})
	}
}

// A taken --port falls back to a free one, with a note, and works.
func TestBinaryPortFallback(t *testing.T) {
	taken, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := taken.Addr().(*net.TCPAddr).Port
	s := seed(t, "movie.mkv", torrenttest.Pattern(100<<10))
	cmd := exec.Command(binary(t), "--no-dht", "--no-upnp", "--port", strconv.Itoa(port), "ls", s.Magnet())
	cmd.Env = offlineEnv(t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), fmt.Sprintf("port %d is taken", port)) {
		t.Errorf("stderr %q lacks the fallback note", stderr.String())
	}
	if !strings.Contains(stdout.String(), "movie.mkv") {
		t.Errorf("ls printed %q", stdout.String())
	}
}

// TestHelperPlayer is not a test: it is the player btstream starts in
// TestBinarySignalDuringPlayback. It writes its pid, reads the URL it was
// given, then waits to be stopped.
func TestHelperPlayer(t *testing.T) {
	pidFile := os.Getenv("BTSTREAM_TEST_PLAYER_PID")
	if pidFile == "" {
		t.Skip("helper process")
	}
	url := os.Args[len(os.Args)-1]
	resp, err := http.Get(url)
	if err == nil {
		io.CopyN(io.Discard, resp.Body, 1024)
		resp.Body.Close()
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())), 0o644)
	<-stop // btstream interrupts its player when it stops
	os.Exit(0)
}

// Ctrl-C while the player plays: btstream exits 130, the player process is
// gone (not left running), and the data folder is removed.
func TestBinarySignalDuringPlayback(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("signals")
	}
	s := seed(t, "movie.mkv", torrenttest.Pattern(1<<20))
	tmp := t.TempDir()
	pidFile := filepath.Join(t.TempDir(), "player.pid")
	cmd := btstreamCmd(t, tmp, "--json", "--player", os.Args[0], "--player-arg=-test.run=^TestHelperPlayer$", s.Magnet())
	cmd.Env = append(cmd.Env, "BTSTREAM_TEST_PLAYER_PID="+pidFile)
	out, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() && !strings.Contains(sc.Text(), `"event":"player_started"`) {
	}
	// The player has fetched its URL once its pid is written; wait for that
	// by watching btstream's own progress events rather than the clock.
	var pid int
	for sc.Scan() {
		if b, err := os.ReadFile(pidFile); err == nil {
			pid, _ = strconv.Atoi(string(b))
			break
		}
	}
	go io.Copy(io.Discard, out)
	if pid == 0 {
		t.Fatalf("the player never started; stderr: %s", stderr.String())
	}
	cmd.Process.Signal(syscall.SIGINT)
	if code := exitCode(cmd.Wait()); code != exitInterrupted {
		t.Fatalf("exit %d, want %d; stderr: %s", code, exitInterrupted, stderr.String())
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("player %d still exists after btstream exited (kill: %v)", pid, err)
	}
	noLeftovers(t, tmp)
}

// kill -9, then a rerun on the same --data-dir with no peer at all: the
// start rule is met from the pieces on disk (known from the completion
// record, or verified again by hash where the record is missing), and the
// right bytes are served.
func TestBinaryKillThenRerunReusesData(t *testing.T) {
	data := torrenttest.Pattern(2 << 20)
	s := seed(t, "movie.mkv", data)
	tf := filepath.Join(t.TempDir(), "movie.torrent")
	b, err := s.TorrentFile()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(tf, b, 0o644)
	dataDir := t.TempDir()

	first := btstreamCmd(t, t.TempDir(), "--no-player", "--json", "--data-dir", dataDir, "--peer", s.Addr(), tf)
	out, _ := first.StdoutPipe()
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	guard(t, first)
	sc := bufio.NewScanner(out)
	for sc.Scan() && !strings.Contains(sc.Text(), `"event":"ready"`) {
	}
	first.Process.Kill() // SIGKILL: no cleanup at all
	first.Wait()
	s.Close()

	// No seeder now: only the disk can satisfy the start rule.
	second := btstreamCmd(t, t.TempDir(), "--no-player", "--json", "--data-dir", dataDir, tf)
	out, _ = second.StdoutPipe()
	var stderr bytes.Buffer
	second.Stderr = &stderr
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	guard(t, second)
	sc = bufio.NewScanner(out)
	var url string
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, `"event":"listening"`) {
			var ev struct{ URL string }
			json.Unmarshal([]byte(line), &ev)
			url = ev.URL
		}
		if strings.Contains(line, `"event":"ready"`) {
			break
		}
	}
	go io.Copy(io.Discard, out)
	defer func() {
		second.Process.Signal(syscall.SIGINT)
		second.Wait()
	}()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("rerun never got ready (%v); stderr: %s", err, stderr.String())
	}
	head := make([]byte, 64<<10)
	_, err = io.ReadFull(resp.Body, head)
	resp.Body.Close()
	if err != nil || !bytes.Equal(head, data[:len(head)]) {
		t.Fatalf("rerun served wrong bytes (%v)", err)
	}
}

// --seed keeps seeding after the player exits: a new leecher, with the
// original seeder gone, downloads the whole file from btstream alone.
func TestBinarySeedAfterPlayback(t *testing.T) {
	data := torrenttest.Pattern(1 << 20)
	s := seed(t, "movie.mkv", data)
	cmd := btstreamCmd(t, t.TempDir(), "--seed", "--json", "--player", "/bin/true", "--buffer", "100%", s.Magnet())
	out, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	guard(t, cmd)
	defer func() {
		cmd.Process.Signal(syscall.SIGINT)
		cmd.Wait()
	}()
	sc := bufio.NewScanner(out)
	port := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, `"event":"listening"`) {
			var ev struct {
				PeerPort int `json:"peer_port"`
			}
			json.Unmarshal([]byte(line), &ev)
			port = ev.PeerPort
		}
		if strings.Contains(line, `"event":"player_exited"`) {
			break
		}
	}
	go io.Copy(io.Discard, out)
	if port == 0 {
		t.Fatalf("no peer port; stderr: %s", stderr.String())
	}
	magnet := s.Magnet()
	s.Close()
	leecher, err := torrentutil.NewClient(torrentutil.Config{Offline: true, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer leecher.Close()
	src, err := source.Parse(context.Background(), magnet, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tt, err := leecher.Add(src, torrentutil.AddOptions{Peers: []string{fmt.Sprintf("127.0.0.1:%d", port)}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := tt.WaitInfo(ctx, 0, nil); err != nil {
		t.Fatal(err)
	}
	f, _ := tt.File(0)
	r, _ := f.OpenVerified(ctx)
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("downloaded %d bytes from btstream (%v), want the %d-byte file", len(got), err, len(data))
	}
}
