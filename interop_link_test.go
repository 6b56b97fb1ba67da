package main

// The link to mpv, through the real binary and a real headless mpv, on an
// in-process swarm: the link connects and follows playback, a stall is
// reported (and shown in mpv's OSD) and ends, the viewer's place is
// remembered, a socket of the user's is left alone, and a broken link
// leaves playback as it was.

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// linkSwarm is one seeder of a film made with ffmpeg, which can leave and
// come back. It comes back on a new port and dials the leecher (its port
// may have been taken meanwhile by another test).
type linkSwarm struct {
	path    string
	torrent string // the .torrent file
	opts    torrenttest.SeederOptions
	seeder  *torrenttest.Seeder
}

const linkPieceLen = 64 << 10

// newLinkSwarm seeds a Matroska film of seconds, uploading at most rate
// bytes per second (0: no cap).
func newLinkSwarm(t testing.TB, seconds int, rate int64) *linkSwarm {
	t.Helper()
	requireTools(t, "ffmpeg", "mpv")
	path := makeMKV(t, t.TempDir(), seconds)
	s := &linkSwarm{path: path, opts: torrenttest.SeederOptions{UploadRate: rate}}
	s.seeder = torrenttest.NewSeeder(t, path, linkPieceLen, s.opts)
	s.opts.MetaInfo = s.seeder.MetaInfo
	s.torrent = writeTorrent(t, t.TempDir(), "movie.torrent", s.seeder.MetaInfo)
	return s
}

// down stops the seeder; up starts it again and has it dial the leecher
// listening for peers on peerPort.
func (s *linkSwarm) down() { s.seeder.Close() }
func (s *linkSwarm) up(t *testing.T, peerPort int) {
	s.seeder = torrenttest.NewSeeder(t, s.path, linkPieceLen, s.opts)
	s.seeder.Dial(net.JoinHostPort("127.0.0.1", strconv.Itoa(peerPort)))
}

// peerPort waits for btstream's listening event and returns the port it
// takes peers on.
func peerPort(t *testing.T, r *binaryRun) int {
	t.Helper()
	line, _ := r.waitFor(t, "the listening event", isEvent("listening"))
	var ev struct {
		PeerPort int `json:"peer_port"`
	}
	if err := json.Unmarshal([]byte(line), &ev); err != nil || ev.PeerPort == 0 {
		t.Fatalf("listening event %s: no peer_port", line)
	}
	return ev.PeerPort
}
func (s *linkSwarm) args() []string             { return []string{"--peer", s.seeder.Addr(), s.torrent} }
func (s *linkSwarm) infoHash() string           { return s.seeder.InfoHash() }
func (s *linkSwarm) stateEnv(dir string) string { return "XDG_STATE_HOME=" + dir }

// headlessMpv are the --player-arg flags of a headless mpv that reports,
// when the film ends, where it played (mpvReportScript).
func headlessMpv(t *testing.T, report string, extra ...string) []string {
	args := []string{"--json", "--player", "mpv", "--player-arg=--no-config", "--player-arg=--vo=null",
		"--player-arg=--ao=null", "--player-arg=--script=" + mpvReportScript(t, report)}
	for _, a := range extra {
		args = append(args, "--player-arg="+a)
	}
	return args
}

// event is one JSON event of btstream's, the fields these tests read.
type event struct {
	Event    string   `json:"event"`
	State    string   `json:"state"`
	Reason   string   `json:"reason"`
	Start    float64  `json:"start"`
	End      *float64 `json:"end"`
	Duration *float64 `json:"duration"`
	Position *float64 `json:"position"`
	Offset   int64    `json:"offset"`
}

// isEventWith matches the event named name for which ok holds.
func isEventWith(name string, ok func(event) bool) func(string) bool {
	return func(line string) bool {
		var ev event
		return json.Unmarshal([]byte(line), &ev) == nil && ev.Event == name && ok(ev)
	}
}

func parseEvent(t *testing.T, line string) event {
	t.Helper()
	var ev event
	if err := json.Unmarshal([]byte(line), &ev); err != nil {
		t.Fatalf("event %q: %v", line, err)
	}
	return ev
}

// The link connects, play positions arrive, a stall (the seeder gone) is an
// event that ends when the seeder is back, and mpv is told why it waits.
func TestInteropLinkStall(t *testing.T) {
	t.Parallel()
	// Twice the film's rate: mpv's cache stays a few seconds ahead, so
	// that the seeder's leaving is a stall soon.
	s := newLinkSwarm(t, 12, 280<<10)
	report, mpvLog := filepath.Join(t.TempDir(), "report"), filepath.Join(t.TempDir(), "mpv.log")
	tmp := t.TempDir()
	cmd := btstreamCmd(t, tmp, append(headlessMpv(t, report, "--log-file="+mpvLog, "--msg-level=cplayer=trace"), s.args()...)...)
	cmd.Env = append(cmd.Env, s.stateEnv(t.TempDir()))
	r := startBinary(t, cmd)
	port := peerPort(t, r)
	r.waitFor(t, "the player link", isEventWith("player_link", func(ev event) bool { return ev.State == "connected" }))
	r.waitFor(t, "a play position past 1 s", isEventWith("progress", func(ev event) bool { return ev.Position != nil && *ev.Position >= 1 }))
	s.down()
	line, _ := r.waitFor(t, "a stall", isEvent("stall"))
	begin := parseEvent(t, line)
	if begin.State != "begin" || begin.Position == nil || *begin.Position < 1 {
		t.Errorf("first stall event %s: want state begin at a play position past 1 s", line)
	}
	s.up(t, port)
	line, _ = r.waitFor(t, "the stall's end", isEvent("stall"))
	end := parseEvent(t, line)
	if end.State != "end" || end.End == nil || end.Duration == nil || *end.Duration <= 0 || math.Abs(*end.End-end.Start-*end.Duration) > 0.01 || end.Start != begin.Start {
		t.Errorf("stall events %+v then %s: want the end of the same stall, with its duration", begin, line)
	}
	if end.Duration != nil {
		t.Logf("stall at %.2fs of the film, %.2fs long", *begin.Position, *end.Duration)
	}
	if code, rest := r.exit(t); code != exitOK {
		t.Fatalf("exit %d; events: %q", code, rest)
	}
	readMPVReport(t, report).requireEndOf(t, 12)
	log, err := os.ReadFile(mpvLog)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), `show-text`) || !strings.Contains(string(log), "btstream: waiting for data") {
		t.Errorf("mpv's log has no show-text command saying why it waits")
	}
	noLeftovers(t, tmp)
}

// requireEndOf is requireEnd for a film of seconds.
func (r mpvReport) requireEndOf(t *testing.T, seconds float64) {
	t.Helper()
	t.Logf("mpv played %.2fs to %.2fs of %.2fs, then %q", r.first, r.last, r.duration, r.reason)
	if r.reason != "eof" || r.duration < seconds-1 || r.last < r.duration-1 {
		t.Fatalf("mpv ended with %q at %.2fs of %.2fs; want eof at the end of a %.0f s film", r.reason, r.last, r.duration, seconds)
	}
}

// The place where the viewer stopped is where the next run starts, unless
// --from-start; a film watched to its end starts from the beginning.
func TestInteropLinkResume(t *testing.T) {
	t.Parallel()
	s := newLinkSwarm(t, 12, 0)
	state := t.TempDir()
	run := func(name string, extra []string, mpvArgs ...string) (mpvReport, []event) {
		t.Helper()
		report := filepath.Join(t.TempDir(), "report")
		args := append(headlessMpv(t, report, append([]string{"--speed=4"}, mpvArgs...)...), extra...)
		tmp := t.TempDir()
		cmd := btstreamCmd(t, tmp, append(args, s.args()...)...)
		cmd.Env = append(cmd.Env, s.stateEnv(state))
		r := startBinary(t, cmd)
		code, lines := r.exit(t)
		if code != exitOK {
			t.Fatalf("%s: exit %d; events: %q", name, code, lines)
		}
		var evs []event
		for _, l := range lines {
			evs = append(evs, parseEvent(t, l))
		}
		rep := readMPVReport(t, report)
		t.Logf("%s: mpv played %.2fs to %.2fs (%s)", name, rep.first, rep.last, rep.reason)
		return rep, evs
	}
	resumed := func(evs []event) (event, bool) {
		for _, ev := range evs {
			if ev.Event == "resume" {
				return ev, true
			}
		}
		return event{}, false
	}
	first, evs := run("first run, stopped at 6 s", nil, "--end=6")
	if ev, ok := resumed(evs); ok {
		t.Errorf("first run resumed: %+v", ev)
	}
	if first.first > 1 || first.last < 4 {
		t.Fatalf("first run played %.2fs to %.2fs: want from the start to about 6 s", first.first, first.last)
	}
	again, _ := run("--from-start, stopped at 3 s", []string{"--from-start"}, "--end=3")
	if again.first > 1 {
		t.Errorf("--from-start started at %.2fs, want 0", again.first)
	}
	third, evs := run("resumed", nil)
	ev, ok := resumed(evs)
	if !ok || ev.Position == nil || math.Abs(*ev.Position-again.last) > 1 || ev.Offset <= 0 {
		t.Errorf("resume event %+v (found: %v): want the place the last run stopped, %.2fs, and its byte", ev, ok, again.last)
	}
	if math.Abs(third.first-again.last) > 1 {
		t.Errorf("resumed at %.2fs, want within a second of %.2fs", third.first, again.last)
	}
	third.requireEndOf(t, 12)
	fourth, evs := run("after the end", nil)
	if ev, ok := resumed(evs); ok || fourth.first > 1 {
		t.Errorf("a film watched to its end resumed (%+v) at %.2fs: want the beginning", ev, fourth.first)
	}
}

// An IPC socket the user gives mpv is the user's: btstream makes no link of
// its own, says so, and the user's socket works.
func TestInteropLinkUserSocket(t *testing.T) {
	t.Parallel()
	s := newLinkSwarm(t, 12, 0)
	sock := filepath.Join(t.TempDir(), "mine.sock")
	report := filepath.Join(t.TempDir(), "report")
	tmp := t.TempDir()
	cmd := btstreamCmd(t, tmp, append(append(headlessMpv(t, report, "--input-ipc-server="+sock), "-v"), s.args()...)...)
	cmd.Env = append(cmd.Env, s.stateEnv(t.TempDir()))
	r := startBinary(t, cmd)
	line, _ := r.waitFor(t, "the player link's state", isEvent("player_link"))
	if ev := parseEvent(t, line); ev.State != "off" || !strings.Contains(ev.Reason, sock) {
		t.Errorf("player_link %s: want state off, naming %s", line, sock)
	}
	r.waitFor(t, "the player", isEvent("player_started"))
	// The user's socket answers: quit mpv through it.
	conn := dialUntil(t, r, sock)
	defer conn.Close()
	if _, err := fmt.Fprintln(conn, `{"command":["quit"]}`); err != nil {
		t.Fatal(err)
	}
	if code, rest := r.exit(t); code != exitOK {
		t.Fatalf("exit %d after quitting mpv through its socket; events: %q", code, rest)
	}
	if !strings.Contains(r.stderr.tail(40), "no player link") {
		t.Errorf("-v does not say there is no player link:\n%s", r.stderr.tail(40))
	}
}

// dialUntil connects to the Unix socket at path once it is there, failing
// the test if the binary exits first or interopDeadline passes.
func dialUntil(t *testing.T, r *binaryRun, path string) net.Conn {
	t.Helper()
	deadline := time.NewTimer(interopDeadline)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if c, err := net.Dial("unix", path); err == nil {
			return c
		}
		select {
		case <-r.done:
			t.Fatalf("btstream exited before %s accepted", path)
		case <-deadline.C:
			t.Fatalf("%s did not accept within %v", path, interopDeadline)
		case <-tick.C:
		}
	}
}

// A link that breaks (here, cut by a proxy between btstream and mpv after
// the first play positions) is said once; mpv plays on to the end and
// btstream exits as usual.
func TestInteropLinkLost(t *testing.T) {
	t.Parallel()
	s := newLinkSwarm(t, 12, 0)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	proxy := scriptPlayer(t, "mpv-cutter", fmt.Sprintf(`exec %q -test.run='^TestHelperMpvCutter$' -- "$@"`, self))
	report := filepath.Join(t.TempDir(), "report")
	tmp := t.TempDir()
	args := headlessMpv(t, report, "--speed=2")
	args[2] = proxy // --player
	cmd := btstreamCmd(t, tmp, append(args, s.args()...)...)
	cmd.Env = append(cmd.Env, s.stateEnv(t.TempDir()), "BTSTREAM_TEST_MPV_CUTTER=1")
	r := startBinary(t, cmd)
	r.waitFor(t, "the player link", isEventWith("player_link", func(ev event) bool { return ev.State == "connected" }))
	r.waitFor(t, "the link's loss", isEventWith("player_link", func(ev event) bool { return ev.State == "lost" }))
	if code, rest := r.exit(t); code != exitOK {
		t.Fatalf("exit %d after the link broke; events: %q", code, rest)
	}
	readMPVReport(t, report).requireEndOf(t, 12)
	noLeftovers(t, tmp)
}

// TestHelperMpvCutter is not a test: it is the player of
// TestInteropLinkLost. It runs the real mpv with the arguments it was
// given, but puts itself between mpv's IPC socket and btstream, and cuts
// the connection once it has passed on a play position past one second.
func TestHelperMpvCutter(t *testing.T) {
	if os.Getenv("BTSTREAM_TEST_MPV_CUTTER") == "" {
		t.Skip("helper process")
	}
	args := flag.Args()
	var sock string
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--input-ipc-server="); ok {
			sock = v
			args[i] = "--input-ipc-server=" + v + ".mpv"
		}
	}
	if sock == "" {
		fmt.Fprintln(os.Stderr, "mpv-cutter: no --input-ipc-server")
		os.Exit(2)
	}
	ln, err := net.Listen("unix", sock)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mpv-cutter:", err)
		os.Exit(2)
	}
	mpv := exec.Command("mpv", args...)
	mpv.Stdout, mpv.Stderr = os.Stdout, os.Stderr
	if err := mpv.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "mpv-cutter:", err)
		os.Exit(2)
	}
	go cutAfterPlay(ln, sock+".mpv")
	err = mpv.Wait()
	ln.Close()
	os.Exit(exitCode(err))
}

// cutAfterPlay accepts one client on ln, joins it to mpv's socket at
// upstream, and closes both once mpv has said a time-pos past 1 s.
func cutAfterPlay(ln net.Listener, upstream string) {
	client, err := ln.Accept()
	if err != nil {
		return
	}
	ln.Close()
	var up net.Conn
	for range 500 { // mpv makes its socket as it starts
		if up, err = net.Dial("unix", upstream); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond) // a helper process polling for a socket, not a test
	}
	if up == nil {
		client.Close()
		return
	}
	var once sync.Once
	cut := func() { once.Do(func() { client.Close(); up.Close() }) }
	go func() { io.Copy(up, client); cut() }()
	sc := bufio.NewScanner(up)
	for sc.Scan() {
		line := sc.Bytes()
		client.Write(append(line, '\n'))
		var m struct {
			Name string   `json:"name"`
			Data *float64 `json:"data"`
		}
		if json.Unmarshal(line, &m) == nil && m.Name == "time-pos" && m.Data != nil && *m.Data > 1 {
			break
		}
	}
	cut()
}

// A subtitle that had not arrived when mpv started reaches mpv over the
// link once it is in: the seeder lacked it, and comes back with it.
func TestInteropLinkLateSubtitle(t *testing.T) {
	t.Parallel()
	requireTools(t, "ffmpeg", "mpv")
	dir := filepath.Join(t.TempDir(), "film")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	makeMKV(t, dir, 16)
	srtData := []byte("1\n00:00:00,000 --> 00:00:16,000\nhello\n")
	srt := torrenttest.WriteFile(t, dir, "movie.srt", srtData)
	mi := torrenttest.MetaInfo(t, dir, linkPieceLen)
	if err := os.Remove(srt); err != nil { // the seeder has the film, not its subtitle
		t.Fatal(err)
	}
	opts := torrenttest.SeederOptions{MetaInfo: mi}
	s := torrenttest.NewSeeder(t, dir, linkPieceLen, opts)
	tf := writeTorrent(t, t.TempDir(), "film.torrent", mi)
	report, mpvLog := filepath.Join(t.TempDir(), "report"), filepath.Join(t.TempDir(), "mpv.log")
	tmp := t.TempDir()
	cmd := btstreamCmd(t, tmp, append(headlessMpv(t, report, "--log-file="+mpvLog, "--msg-level=cplayer=trace"), "--peer", s.Addr(), tf)...)
	r := startBinary(t, cmd)
	port := peerPort(t, r)
	r.waitFor(t, "the subtitle left out", isEvent("subtitle_skipped"))
	r.waitFor(t, "the player link", isEventWith("player_link", func(ev event) bool { return ev.State == "connected" }))
	s.Close()
	torrenttest.WriteFile(t, dir, "movie.srt", srtData)
	torrenttest.NewSeeder(t, dir, linkPieceLen, opts).Dial(net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	line, _ := r.waitFor(t, "the subtitle added", isEvent("subtitle_added"))
	var ev struct{ Path string }
	if json.Unmarshal([]byte(line), &ev); ev.Path != "movie.srt" {
		t.Errorf("subtitle_added %s: want movie.srt", line)
	}
	if code, rest := r.exit(t); code != exitOK {
		t.Fatalf("exit %d; events: %q", code, rest)
	}
	readMPVReport(t, report).requireEndOf(t, 16)
	log, err := os.ReadFile(mpvLog)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`Run command: sub-add.*movie\.srt`).Match(log) {
		t.Errorf("mpv's log has no sub-add of movie.srt")
	}
	noLeftovers(t, tmp)
}

// In a playlist the link follows the entry playing: in the last minute of
// an episode, the next one's start is fetched before mpv opens it.
func TestInteropLinkPrefetchNext(t *testing.T) {
	t.Parallel()
	requireTools(t, "ffmpeg", "mpv")
	dir := filepath.Join(t.TempDir(), "show")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, ep := range []string{"S01E01.mkv", "S01E02.mkv"} {
		makeMedia(t, filepath.Join(dir, ep), 6)
	}
	s := torrenttest.NewSeeder(t, dir, linkPieceLen, torrenttest.SeederOptions{})
	tf := writeTorrent(t, t.TempDir(), "show.torrent", s.MetaInfo)
	report := filepath.Join(t.TempDir(), "report")
	tmp := t.TempDir()
	cmd := btstreamCmd(t, tmp, append(headlessMpv(t, report, "--speed=2"), "--playlist", "--peer", s.Addr(), tf)...)
	r := startBinary(t, cmd)
	line, _ := r.waitFor(t, "the next episode's start fetched", isEvent("prefetch"))
	var ev struct{ File int }
	if json.Unmarshal([]byte(line), &ev); ev.File != 1 {
		t.Errorf("prefetch %s: want file 1, S01E02", line)
	}
	if code, rest := r.exit(t); code != exitOK {
		t.Fatalf("exit %d; events: %q", code, rest)
	}
	noLeftovers(t, tmp)
}

// benchLua is an mpv script for BenchmarkInteropLink: it plays 4 s, seeks
// to 60%, plays 4 s more and quits, and writes to the report the time from
// the seek to its first frame and the pauses for the network (count,
// seconds).
const benchLua = `local report = %q
local t0 = mp.get_time()
local first, seekAt, seekTook, seekPos
local pauses, paused, pausedAt = 0, 0, nil
mp.register_event("playback-restart", function()
	local now = mp.get_time()
	if not first then first = now - t0
	elseif seekAt and not seekTook then seekTook = now - seekAt end
end)
mp.observe_property("paused-for-cache", "bool", function(_, v)
	local now = mp.get_time()
	if v and not pausedAt then pausedAt = now; pauses = pauses + 1
	elseif not v and pausedAt then paused = paused + (now - pausedAt); pausedAt = nil end
end)
mp.observe_property("time-pos", "number", function(_, v)
	if not v or not first then return end
	if not seekAt and v >= 4 then
		seekAt = mp.get_time()
		mp.commandv("seek", "60", "absolute-percent")
	elseif seekTook and not seekPos then seekPos = v
	elseif seekPos and v >= seekPos + 4 then
		local f = assert(io.open(report, "w"))
		f:write(string.format("%%f %%d %%f\n", seekTook, pauses, paused))
		f:close()
		mp.command("quit")
	end
end)
`

// BenchmarkInteropLink compares the scheduler's due times counted from the
// play position mpv reports over the link with those counted from where
// mpv reads (the link off: a socket of the user's), on one seeder that
// uploads at 1.5 times the film's rate, with a headless mpv that plays,
// seeks to 60% and plays on. It reports the seek (to its first frame),
// mpv's pauses for the network, and the megabytes fetched by the time mpv
// quits.
func BenchmarkInteropLink(b *testing.B) {
	requireTools(b, "ffmpeg", "mpv")
	const seconds = 120
	probe := newLinkSwarm(b, seconds, 0)
	st, err := os.Stat(probe.path)
	if err != nil {
		b.Fatal(err)
	}
	bitrate := float64(st.Size()) / seconds
	probe.down()
	for _, arm := range []string{"play-position", "read-position"} {
		b.Run(arm, func(b *testing.B) {
			var seek, pauses, paused, fetched float64
			for range b.N {
				s := newLinkSwarm(b, seconds, int64(1.5*bitrate))
				dir := b.TempDir()
				report := filepath.Join(dir, "report")
				script := filepath.Join(dir, "bench.lua")
				if err := os.WriteFile(script, []byte(fmt.Sprintf(benchLua, report)), 0o644); err != nil {
					b.Fatal(err)
				}
				args := []string{"--json", "--player", "mpv", "--player-arg=--no-config", "--player-arg=--vo=null",
					"--player-arg=--ao=null", "--player-arg=--script=" + script}
				if arm == "read-position" {
					args = append(args, "--player-arg=--input-ipc-server="+filepath.Join(dir, "user.sock"))
				}
				r := startBinary(b, btstreamCmd(b, dir, append(args, s.args()...)...))
				code, lines := r.exit(b)
				if code != exitOK {
					b.Fatalf("exit %d: %q", code, lines)
				}
				var mb float64
				for _, l := range lines {
					var ev struct {
						Event      string
						Downloaded int64
					}
					if strings.Contains(l, `"stall"`) || strings.Contains(l, `"ready"`) || strings.Contains(l, `player_started`) {
						b.Log(l)
					}
					if json.Unmarshal([]byte(l), &ev) == nil && ev.Event == "progress" {
						mb = float64(ev.Downloaded) / 1e6
					}
				}
				data, err := os.ReadFile(report)
				if err != nil {
					b.Fatalf("mpv wrote no report: %v", err)
				}
				var sk, pa float64
				var n int
				if _, err := fmt.Sscan(string(data), &sk, &n, &pa); err != nil {
					b.Fatalf("report %q: %v", data, err)
				}
				seek, pauses, paused, fetched = seek+sk, pauses+float64(n), paused+pa, fetched+mb
				b.Logf("%s: seek %.2fs, %d pauses (%.2fs), %.1f MB fetched", arm, sk, n, pa, mb)
			}
			n := float64(b.N)
			b.ReportMetric(seek/n, "seek-s")
			b.ReportMetric(pauses/n, "pauses")
			b.ReportMetric(paused/n, "paused-s")
			b.ReportMetric(fetched/n, "fetched-MB")
		})
	}
}
