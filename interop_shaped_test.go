package main

// The shaped-link interop test: real seeders behind a link of a few Mbit/s and
// mpv playing in real time. Two network namespaces made by the test and joined
// by a veth pair carry all of it; neither has a default route, so nothing can
// leave them. The seeders' side shapes its egress with tbf.

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const (
	// shapedSeconds is the length of the clip played in real time.
	shapedSeconds = 45
	// shapedVideoRate is its video bitrate (x264 CBR with filler, so the
	// stream needs this rate all the way through).
	shapedVideoRate = 4_000_000
	// shapedLinkRate is the tbf rate of the seeders' side of the link;
	// BTSTREAM_SHAPED_RATE overrides it (e.g. 5mbit) to show the margin.
	shapedLinkRate = "8mbit"
	// The link's addresses exist only inside the test's namespaces.
	seedIP, leechIP = "10.213.0.1", "10.213.0.2"
	netnsPrefix     = "btstream-shaped-"
)

// shapedLink is a pair of network namespaces joined by a veth pair, the seed
// side's egress (the data direction) shaped to a rate.
type shapedLink struct {
	seed, leech string // namespace names
}

// newShapedLink makes the namespaces, named from prefix, and the shaped veth
// pair and removes them at cleanup. It skips without root, iproute2 or tbf,
// except under CI=true, where CI runs as root and must not skip.
func newShapedLink(t testing.TB, prefix, rate string) shapedLink {
	t.Helper()
	requireTools(t, "ip", "tc")
	unavailable := func(format string, args ...any) {
		t.Helper()
		msg := "shaped link: " + fmt.Sprintf(format, args...)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true forbids skipping")
		}
		t.Skip(msg)
	}
	if os.Geteuid() != 0 {
		unavailable("needs root for network namespaces and tc")
	}
	removeStaleNetns(t, prefix)
	tag := fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)
	l := shapedLink{seed: prefix + tag + "-seed", leech: prefix + tag + "-leech"}
	for _, ns := range []string{l.seed, l.leech} {
		if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
			unavailable("ip netns add: %v: %s", err, out)
		}
		t.Cleanup(func() {
			// Deleting a namespace also deletes its end of the veth pair.
			if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
				t.Errorf("ip netns del %s: %v: %s", ns, err, out)
			}
		})
	}
	steps := [][]string{
		{"-n", l.seed, "link", "add", "seed0", "type", "veth", "peer", "name", "leech0", "netns", l.leech},
		{"-n", l.seed, "addr", "add", seedIP + "/30", "dev", "seed0"},
		{"-n", l.leech, "addr", "add", leechIP + "/30", "dev", "leech0"},
		{"-n", l.seed, "link", "set", "lo", "up"},
		{"-n", l.leech, "link", "set", "lo", "up"},
		{"-n", l.seed, "link", "set", "seed0", "up"},
		{"-n", l.leech, "link", "set", "leech0", "up"},
	}
	for _, s := range steps {
		if out, err := exec.Command("ip", s...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(s, " "), err, out)
		}
	}
	tbf := []string{"netns", "exec", l.seed, "tc", "qdisc", "add", "dev", "seed0", "root",
		"tbf", "rate", rate, "burst", "32kbit", "latency", "50ms"}
	if out, err := exec.Command("ip", tbf...).CombinedOutput(); err != nil {
		unavailable("tc tbf: %v: %s", err, out)
	}
	return l
}

// removeStaleNetns deletes the namespaces named from prefix that test
// processes left when they died before their cleanup ran (the names carry
// the pid).
func removeStaleNetns(t testing.TB, prefix string) {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		name, _, _ := strings.Cut(line, " ")
		rest, ok := strings.CutPrefix(name, prefix)
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid == os.Getpid() || !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
			continue
		}
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Logf("remove stale %s: %v: %s", name, err, out)
		}
	}
}

// inNetns runs fn on a thread that has joined the network namespace ns, so the
// sockets fn opens live there, then moves the thread back. The thread must
// not die: children started with Pdeathsig from it (startDaemon's) would be
// killed. Only if it cannot go back does it stay locked and die with its
// goroutine, rather than return to the runtime in the wrong namespace.
func inNetns(ns string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		home, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer home.Close()
		errc <- func() error {
			f, err := os.Open(filepath.Join("/run/netns", ns))
			if err != nil {
				return err
			}
			defer f.Close()
			if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
				return fmt.Errorf("setns %s: %w", ns, err)
			}
			defer func() {
				if unix.Setns(int(home.Fd()), unix.CLONE_NEWNET) == nil {
					runtime.UnlockOSThread()
				}
			}()
			return fn()
		}()
	}()
	return <-errc
}

// inNetnsCmd makes cmd run in the network namespace ns (ip netns exec keeps
// the pid, so signals and process groups work as before).
func inNetnsCmd(t testing.TB, ns string, cmd *exec.Cmd) *exec.Cmd {
	t.Helper()
	ip, err := exec.LookPath("ip")
	if err != nil {
		t.Fatal(err)
	}
	cmd.Args = append([]string{"ip", "netns", "exec", ns}, cmd.Args...)
	cmd.Path = ip
	return cmd
}

// startSeederInNetns runs a seeder in the link's seed namespace and waits until
// it answers a handshake on addr with a full bitfield, probed from the leech
// namespace, through the shaped link.
func startSeederInNetns(t testing.TB, l shapedLink, name, addr, torrentFile string, args ...string) {
	t.Helper()
	requireTools(t, name)
	ih, pieces := torrentMeta(t, torrentFile)
	d := startDaemon(t, t.TempDir(), "ip", append([]string{"netns", "exec", l.seed, name}, args...)...)
	d.name = name
	waitUntil(t, d, "seeding on "+addr, func() (ok bool, err error) {
		err = inNetns(l.leech, func() (err error) {
			ok, err = seedsAll(addr, ih, pieces)
			return err
		})
		return ok, err
	})
}

// startShapedSeeders seeds media with aria2c and qBittorrent on the seed side
// of l; the magnet's only peer sources are their two x.pe. A positive
// uploadLimit caps each seeder's upload at that many bytes a second, rounded
// down to whole KiB as qBittorrent keeps it (aria2's
// --max-overall-upload-limit, qBittorrent's up_limit, which also holds for
// peers on the LAN).
func startShapedSeeders(t testing.TB, l shapedLink, media string, uploadLimit int64) shapedSeeders {
	t.Helper()
	uploadLimit = uploadLimit >> 10 << 10
	torrentFile, _, magnet := makeTorrent(t, media, 256<<10)
	dataDir := filepath.Dir(media)
	s := shapedSeeders{api: netnsClient(l.seed)}
	aria2 := seedIP + ":6881"
	args := []string{"--no-conf", "--dir=" + dataDir,
		"--check-integrity", "--bt-hash-check-seed", "--seed-ratio=0.0",
		"--listen-port=6881", "--interface=" + seedIP, "--disable-ipv6",
		"--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false", "--enable-peer-exchange=false",
		"--file-allocation=none", "--bt-save-metadata=false", "--stop-with-process=" + strconv.Itoa(os.Getpid()),
		"--enable-rpc", "--rpc-listen-all=false", "--rpc-listen-port=6800", "--rpc-secret=harness",
		"--console-log-level=notice", "--summary-interval=0", "--show-console-readout=false"}
	if uploadLimit > 0 {
		args = append(args, "--max-overall-upload-limit="+strconv.FormatInt(uploadLimit, 10))
	}
	startSeederInNetns(t, l, "aria2c", aria2, torrentFile, append(args, torrentFile)...)

	profile := t.TempDir()
	conf := `[LegalNotice]
Accepted=true

[BitTorrent]
Session\Port=6882
Session\Interface=seed0
Session\InterfaceName=seed0
Session\InterfaceAddress=` + seedIP + `
Session\DHTEnabled=false
Session\LSDEnabled=false
Session\PeXEnabled=false
Session\AddTrackersEnabled=false
Session\QueueingSystemEnabled=false

[Network]
PortForwardingEnabled=false

[Preferences]
Connection\ResolvePeerCountries=false
Connection\ResolvePeerHostNames=false
WebUI\Address=127.0.0.1
WebUI\Port=8080
WebUI\UseUPnP=false
WebUI\LocalHostAuth=false
WebUI\CSRFProtection=false
WebUI\HostHeaderValidation=false
`
	confDir := filepath.Join(profile, "qBittorrent", "config")
	if err := os.MkdirAll(confDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(confDir, "qBittorrent.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	qbt := seedIP + ":6882"
	startSeederInNetns(t, l, "qbittorrent-nox", qbt, torrentFile,
		"--profile="+profile, "--save-path="+dataDir, "--add-paused=false", torrentFile)
	if uploadLimit > 0 {
		s.limitQbittorrent(t, uploadLimit)
	}
	s.magnet = withPeer(withPeer(magnet, aria2), qbt)
	return s
}

// makeCBRMP4 writes dir/cbr.mp4: H.264 640x360 at a constant videoRate bit/s
// (x264 CBR with filler data) plus AAC, seconds long, moov at the end. It fails
// the test unless ffprobe measures the video within 10% of videoRate.
func makeCBRMP4(t testing.TB, dir string, seconds, videoRate int) string {
	t.Helper()
	path, d, br := filepath.Join(dir, "cbr.mp4"), strconv.Itoa(seconds), strconv.Itoa(videoRate)
	out, err := exec.CommandContext(t.Context(), "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
		"-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration="+d,
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration="+d,
		"-map", "0:v", "-map", "1:a", "-threads", "1",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "50",
		"-b:v", br, "-minrate", br, "-maxrate", br, "-bufsize", strconv.Itoa(videoRate/2),
		"-x264-params", "nal-hrd=cbr", "-c:a", "aac", "-b:a", "96k", "-y", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", path, err, out)
	}
	out, err = exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0",
		"-show_entries", "stream=bit_rate", "-of", "csv=p=0", path).Output()
	got, perr := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || perr != nil || math.Abs(float64(got-videoRate)) > 0.1*float64(videoRate) {
		t.Fatalf("ffprobe %s: video at %q bit/s (%v, %v); want about %d", path, out, err, perr, videoRate)
	}
	t.Logf("clip: %ds, video %.2f Mbit/s", seconds, float64(got)/1e6)
	return path
}

// mpvCacheScript writes an mpv Lua script that writes to report, when the file
// ends, "key value" lines: reason, first, last and duration (as mpvReportScript),
// pauses (how often paused-for-cache became true after playback began), paused
// (seconds spent so), mincache (the least demuxer-cache-duration seen after
// playback began and before the last 5 s) and wall (seconds from the start of
// playback to the end of the file).
func mpvCacheScript(t *testing.T, report string) string {
	t.Helper()
	script := fmt.Sprintf(`local first, last, duration, began, mincache, since
local pauses, paused = 0, 0
mp.register_event("playback-restart", function() began = began or mp.get_time() end)
mp.observe_property("time-pos", "number", function(_, v)
	if v then first = first or v; last = v end
end)
mp.observe_property("duration", "number", function(_, v) if v then duration = v end end)
mp.observe_property("paused-for-cache", "bool", function(_, v)
	if not began then return end
	if v and not since then pauses = pauses + 1; since = mp.get_time() end
	if not v and since then paused = paused + mp.get_time() - since; since = nil end
end)
mp.observe_property("demuxer-cache-duration", "number", function(_, v)
	if began and v and duration and last and last < duration - 5 and (not mincache or v < mincache) then
		mincache = v
	end
end)
mp.register_event("end-file", function(e)
	local now = mp.get_time()
	if since then paused = paused + now - since end
	local f = assert(io.open(%q, "w"))
	f:write(string.format("reason %%s\nfirst %%s\nlast %%s\nduration %%s\npauses %%d\npaused %%.3f\nmincache %%s\nwall %%s\n",
		e.reason, tostring(first), tostring(last), tostring(duration), pauses, paused,
		tostring(mincache), tostring(began and now - began)))
	f:close()
end)
`, report)
	path := filepath.Join(t.TempDir(), "cache.lua")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// readCacheReport reads what mpvCacheScript wrote; a value mpv never had is NaN.
func readCacheReport(t *testing.T, path string) (reason string, v map[string]float64) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("mpv wrote no report (it never ended a file): %v", err)
	}
	v = map[string]float64{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		key, val, _ := strings.Cut(line, " ")
		if key == "reason" {
			reason = val
			continue
		}
		f, err := strconv.ParseFloat(val, 64)
		if err != nil {
			f = math.NaN() // "nil"
		}
		v[key] = f
	}
	return reason, v
}

// progressLine is the part of a --json progress event this test reads.
type progressLine struct {
	Event                  string
	Elapsed, Rate, Bitrate float64
	Ahead                  float64
	Downloaded, Size       int64
	Peers, Seeds           int
}

// eventTimeline names each event but progress with its elapsed seconds.
func eventTimeline(lines []string) string {
	var b strings.Builder
	for _, line := range lines {
		var p progressLine
		if json.Unmarshal([]byte(line), &p) == nil && p.Event != "progress" {
			fmt.Fprintf(&b, "%s %.2fs; ", p.Event, p.Elapsed)
		}
	}
	return strings.TrimSuffix(b.String(), "; ")
}

// TestInteropShapedLink: with aria2c and qBittorrent seeding over a link shaped
// to 8 Mbit/s (tbf, in network namespaces of its own), mpv launched by btstream
// plays a 4 Mbit/s MP4 (moov at the end) in real time from start to end without
// ever pausing for its cache once playback began, and btstream exits 0 with no
// data left. BTSTREAM_SHAPED_RATE=5mbit (say) runs it on a tighter link.
func TestInteropShapedLink(t *testing.T) {
	requireTools(t, "ffmpeg", "ffprobe", "aria2c", "qbittorrent-nox", "mpv")
	rate := cmp.Or(os.Getenv("BTSTREAM_SHAPED_RATE"), shapedLinkRate)
	l := newShapedLink(t, netnsPrefix, rate)
	media := makeCBRMP4(t, t.TempDir(), shapedSeconds, shapedVideoRate)
	magnet := startShapedSeeders(t, l, media, 0).magnet

	report := filepath.Join(t.TempDir(), "report")
	tmp := t.TempDir()
	r := startBinary(t, inNetnsCmd(t, l.leech, btstreamCmd(t, tmp, "--json", "--player", "mpv",
		"--player-arg=--no-config", "--player-arg=--vo=null", "--player-arg=--ao=null",
		"--player-arg=--script="+mpvCacheScript(t, report), magnet)))
	var before []string
	_, took := r.waitFor(t, "player_started", func(line string) bool {
		before = append(before, line)
		return isEvent("player_started")(line)
	})
	code, rest := r.exit(t)
	if code != exitOK {
		t.Fatalf("exit %d, want 0; events after player_started: %q", code, rest)
	}
	t.Logf("events to player_started: %s", eventTimeline(before))

	// The least ahead while the download still ran: once it is complete,
	// ahead only counts down to the end of the file.
	minAhead, done, last, seeds := math.Inf(1), math.NaN(), progressLine{}, 0
	for _, line := range rest {
		var p progressLine
		if json.Unmarshal([]byte(line), &p) != nil || p.Event != "progress" {
			continue
		}
		seeds = max(seeds, p.Seeds)
		if p.Downloaded < p.Size {
			minAhead, last = min(minAhead, p.Ahead), p
		} else if math.IsNaN(done) {
			done = p.Elapsed
		}
	}
	reason, rep := readCacheReport(t, report)
	t.Logf("link %s: player_started after %v; least ahead while downloading %.1fs; download rate %.2f Mbit/s "+
		"for %.2f Mbit/s needed, from %d seeds; download complete at %.1fs",
		rate, took.Round(time.Millisecond), minAhead, last.Rate*8/1e6, last.Bitrate*8/1e6, seeds, done)
	t.Logf("mpv: %q at %.2fs of %.2fs (from %.2fs) after %.1fs of playback; %v pauses for cache (%.2fs); least demuxer cache %.1fs",
		reason, rep["last"], rep["duration"], rep["first"], rep["wall"], rep["pauses"], rep["paused"], rep["mincache"])
	if reason != "eof" || math.Abs(rep["duration"]-shapedSeconds) > 1 || !(rep["last"] >= rep["duration"]-1) {
		t.Errorf("mpv ended with %q at %.2fs of %.2fs; want eof at the end of a %ds clip",
			reason, rep["last"], rep["duration"], shapedSeconds)
	}
	if rep["pauses"] != 0 {
		t.Errorf("mpv paused for its cache %v times (%.2fs in all) after playback began; want never",
			rep["pauses"], rep["paused"])
	}
	requireNoData(t, tmp)
}
