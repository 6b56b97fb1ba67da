package main

// The interop harness: real BitTorrent clients (aria2c, qBittorrent, Transmission),
// a real tracker (opentracker) and generated media, all on 127.0.0.1. Every client
// is started with DHT, LSD, PEX, UPnP/NAT-PMP and public trackers switched off, so
// nothing in these tests sends a packet beyond loopback. Interop tests skip with the
// names of the missing programs, except under CI=true, where a missing program fails.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// startupTimeout bounds how long any client may take to come up; it is a failure
// guard, not a timing assertion (they take about a second).
const startupTimeout = 60 * time.Second

// apiClient talks to the clients' control APIs and the tracker; its timeout keeps
// a hung daemon from blocking a readiness poll past startupTimeout.
var apiClient = &http.Client{Timeout: 5 * time.Second}

// requireTools skips the test unless every named program is on PATH; under
// CI=true a missing program fails it instead (torrenttest.RequireTools).
var requireTools = torrenttest.RequireTools

// makeMP4 writes dir/movie.mp4: H.264 640x360 at ~1 Mbit/s plus AAC, seconds long,
// with the moov atom at the end (no +faststart). With a given ffmpeg build the bytes
// are the same on every run.
func makeMP4(t testing.TB, dir string, seconds int) string {
	t.Helper()
	return makeMedia(t, filepath.Join(dir, "movie.mp4"), seconds)
}

// makeMKV writes dir/movie.mkv: the same streams in Matroska, Cues at the end.
func makeMKV(t testing.TB, dir string, seconds int) string {
	t.Helper()
	return makeMedia(t, filepath.Join(dir, "movie.mkv"), seconds)
}

func makeMedia(t testing.TB, path string, seconds int) string {
	t.Helper()
	requireTools(t, "ffmpeg")
	d := strconv.Itoa(seconds)
	// -threads 1 makes x264's rate control, hence the bytes, deterministic.
	out, err := exec.CommandContext(t.Context(), "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
		"-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration="+d,
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration="+d,
		"-map", "0:v", "-map", "1:a", "-threads", "1",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "50",
		"-b:v", "1M", "-maxrate", "1M", "-bufsize", "2M", "-c:a", "aac", "-b:a", "96k",
		"-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1",
		"-y", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", filepath.Base(path), err, out)
	}
	return path
}

// makeTorrent builds a v1 .torrent for the file at path (its Name is the file's base
// name, so the data directory is filepath.Dir(path)) in a fresh temp dir, announcing
// to trackers if any are given. It returns the .torrent path, the hex infohash and a
// magnet link (xt, dn and one tr per tracker; callers append x.pe themselves).
func makeTorrent(t testing.TB, path string, pieceLen int64, trackers ...string) (torrentFile, infoHash, magnet string) {
	t.Helper()
	mi := torrenttest.MetaInfo(t, path, pieceLen)
	info, err := mi.UnmarshalInfo()
	if err != nil {
		t.Fatal(err)
	}
	if len(trackers) > 0 {
		mi.Announce = trackers[0]
		mi.AnnounceList = metainfo.AnnounceList{trackers}
	}
	torrentFile = filepath.Join(t.TempDir(), info.Name+".torrent")
	f, err := os.Create(torrentFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(mi.Write(f), f.Close()); err != nil {
		t.Fatalf("write %s: %v", torrentFile, err)
	}
	m, err := mi.MagnetV2()
	if err != nil {
		t.Fatalf("magnet: %v", err)
	}
	m.DisplayName = info.Name
	return torrentFile, mi.HashInfoBytes().HexString(), m.String()
}

// withPeer returns magnet with an x.pe parameter naming addr ("127.0.0.1:PORT").
func withPeer(magnet, addr string) string {
	return magnet + "&x.pe=" + url.QueryEscape(addr)
}

// daemon is one supervised child process in its own process group.
type daemon struct {
	name string
	logs []string // files whose tails explain a failure
	done chan struct{}
	err  error // Wait's result, valid after done is closed
}

// startDaemon runs prog with its output in a log file in logDir. A t.Cleanup prints
// the log tails if the test failed, then SIGKILLs the process group and waits.
func startDaemon(t testing.TB, logDir, prog string, args ...string) *daemon {
	t.Helper()
	d := &daemon{name: prog, logs: []string{filepath.Join(logDir, prog+".out")}, done: make(chan struct{})}
	out, err := os.Create(d.logs[0])
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(prog, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = logDir, out, out
	// Own process group so cleanup reaches any children; die with the test process.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		out.Close()
		t.Fatalf("start %s: %v", prog, err)
	}
	go func() {
		d.err = cmd.Wait()
		out.Close()
		close(d.done)
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s log tail:\n%s", prog, d.tail())
		}
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-d.done
	})
	return d
}

// tail returns the last lines of each of the daemon's logs.
func (d *daemon) tail() string {
	return logTail(d.logs...)
}

// logTail returns the last 25 lines of each file.
func logTail(paths ...string) string {
	var b strings.Builder
	for _, p := range paths {
		data, _ := os.ReadFile(p)
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		fmt.Fprintf(&b, "==> %s <==\n%s\n", p, strings.Join(lines[max(0, len(lines)-25):], "\n"))
	}
	return b.String()
}

// waitUntil polls ready every 50ms until it reports true. It fails the test if d
// (which may be nil) exits first or startupTimeout passes; d's cleanup then logs
// the tail of d's logs.
func waitUntil(t testing.TB, d *daemon, what string, ready func() (bool, error)) {
	t.Helper()
	name, exited := "harness", (<-chan struct{})(nil) // a nil channel never fires
	if d != nil {
		name, exited = d.name, d.done
	}
	deadline := time.NewTimer(startupTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for {
		ok, err := ready()
		if ok {
			return
		}
		if err != nil {
			lastErr = err
		}
		select {
		case <-tick.C:
		case <-exited:
			t.Fatalf("%s exited (%v) before %s", name, d.err, what) // its cleanup logs the tail
		case <-deadline.C:
			t.Fatalf("%s: no %s after %v (last error: %v)", name, what, startupTimeout, lastErr)
		}
	}
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// accepts reports whether something listens on addr.
func accepts(addr string) (bool, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false, err
	}
	return true, c.Close()
}

// torrentMeta returns the hex infohash and the piece count of a .torrent file.
func torrentMeta(t testing.TB, torrentFile string) (infoHash string, pieces int) {
	t.Helper()
	mi, err := metainfo.LoadFromFile(torrentFile)
	if err != nil {
		t.Fatalf("load %s: %v", torrentFile, err)
	}
	info, err := mi.UnmarshalInfo()
	if err != nil {
		t.Fatalf("load %s: %v", torrentFile, err)
	}
	return mi.HashInfoBytes().HexString(), info.NumPieces()
}

// seedsAll reports whether the peer at addr completes a BitTorrent handshake for
// infoHash and then announces all pieces in its bitfield. Clients report "seeding"
// through their APIs before they accept peers (qBittorrent by about a second), so
// this handshake is the readiness check that matters.
func seedsAll(addr, infoHash string, pieces int) (bool, error) {
	ih, err := hex.DecodeString(infoHash)
	if err != nil {
		return false, err
	}
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false, err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(3 * time.Second)); err != nil {
		return false, err
	}
	// No extension bits: the peer must answer with a plain bitfield.
	hs := append(append(append([]byte("\x13BitTorrent protocol"), make([]byte, 8)...), ih...), "-HP0001-harnessprobe"...)
	if _, err := c.Write(hs); err != nil {
		return false, err
	}
	reply := make([]byte, 68)
	if _, err := io.ReadFull(c, reply); err != nil {
		return false, fmt.Errorf("handshake: %w", err)
	}
	if !bytes.Equal(reply[28:48], ih) {
		return false, fmt.Errorf("handshake for infohash %x", reply[28:48])
	}
	for {
		var hdr [4]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return false, fmt.Errorf("waiting for bitfield: %w", err)
		}
		n := int(hdr[0])<<24 | int(hdr[1])<<16 | int(hdr[2])<<8 | int(hdr[3])
		if n > 1<<20 {
			return false, fmt.Errorf("message of %d bytes", n)
		}
		msg := make([]byte, n)
		if _, err := io.ReadFull(c, msg); err != nil {
			return false, fmt.Errorf("waiting for bitfield: %w", err)
		}
		if n == 0 || msg[0] != 5 { // keep-alive, choke, have...: not the bitfield
			continue
		}
		for i := range pieces {
			if 1+i/8 >= len(msg) || msg[1+i/8]&(0x80>>(i%8)) == 0 {
				return false, fmt.Errorf("bitfield lacks piece %d", i)
			}
		}
		return true, nil
	}
}

// httpJSON sends body (if not nil) as JSON to u and decodes the reply into out.
func httpJSON(ctx context.Context, method, u string, header http.Header, body, out any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := apiClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp, err
	}
	if resp.StatusCode != http.StatusOK {
		return resp, fmt.Errorf("%s %s: %s: %.200s", method, u, resp.Status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp, fmt.Errorf("decode %s: %w", u, err)
		}
	}
	return resp, nil
}

// startAria2Seeder seeds torrentFile from dataDir with aria2c, which first checks
// the data (-V). It returns aria2c's BitTorrent address once aria2c reports itself
// a seeder. Trackers come only from the .torrent; DHT, LPD and PEX are off.
func startAria2Seeder(t testing.TB, torrentFile, dataDir string) string {
	t.Helper()
	requireTools(t, "aria2c")
	ih, pieces := torrentMeta(t, torrentFile)
	work := t.TempDir()
	port, rpcPort := freePort(t), freePort(t)
	d := startDaemon(t, work, "aria2c", "--no-conf", "--dir="+dataDir,
		"--check-integrity", "--bt-hash-check-seed", "--seed-ratio=0.0",
		"--listen-port="+strconv.Itoa(port), "--interface=127.0.0.1", "--disable-ipv6",
		"--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false", "--enable-peer-exchange=false",
		"--file-allocation=none", "--bt-save-metadata=false", "--stop-with-process="+strconv.Itoa(os.Getpid()),
		"--enable-rpc", "--rpc-listen-all=false", "--rpc-secret=harness", "--rpc-listen-port="+strconv.Itoa(rpcPort),
		"--log="+filepath.Join(work, "aria2.log"), "--log-level=notice",
		"--console-log-level=warn", "--summary-interval=0", "--show-console-readout=false",
		torrentFile)
	d.logs = append(d.logs, filepath.Join(work, "aria2.log"))
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	rpcURL := fmt.Sprintf("http://127.0.0.1:%d/jsonrpc", rpcPort)
	waitUntil(t, d, "seeding", func() (bool, error) {
		var reply struct {
			Result []struct{ InfoHash, Seeder string }
		}
		req := map[string]any{"jsonrpc": "2.0", "id": "h", "method": "aria2.tellActive",
			"params": []any{"token:harness", []string{"infoHash", "seeder"}}}
		if _, err := httpJSON(t.Context(), "POST", rpcURL, nil, req, &reply); err != nil {
			return false, err
		}
		for _, r := range reply.Result {
			if r.InfoHash == ih && r.Seeder == "true" {
				return seedsAll(addr, ih, pieces)
			}
		}
		return false, nil
	})
	return addr
}

// startQbittorrentSeeder seeds torrentFile from dataDir with qbittorrent-nox in a
// fresh profile (listening on 127.0.0.1 only; DHT, LSD, PEX, UPnP/NAT-PMP, GeoIP
// download off; WebUI on 127.0.0.1 without auth). The torrent is added through the
// WebUI API and checked; it returns the address once the torrent is seeding.
func startQbittorrentSeeder(t testing.TB, torrentFile, dataDir string) string {
	t.Helper()
	requireTools(t, "qbittorrent-nox")
	ih, pieces := torrentMeta(t, torrentFile)
	profile := t.TempDir()
	port, webPort := freePort(t), freePort(t)
	conf := fmt.Sprintf(`[LegalNotice]
Accepted=true

[BitTorrent]
Session\Port=%d
Session\Interface=lo
Session\InterfaceName=lo
Session\InterfaceAddress=127.0.0.1
Session\DHTEnabled=false
Session\LSDEnabled=false
Session\PeXEnabled=false
Session\AddTrackersEnabled=false
Session\QueueingSystemEnabled=false
Session\MultiConnectionsPerIp=true

[Network]
PortForwardingEnabled=false

[Preferences]
Connection\ResolvePeerCountries=false
Connection\ResolvePeerHostNames=false
General\Locale=en
WebUI\Address=127.0.0.1
WebUI\Port=%d
WebUI\LocalHostAuth=false
WebUI\UseUPnP=false
WebUI\CSRFProtection=false
WebUI\HostHeaderValidation=false
`, port, webPort)
	confDir := filepath.Join(profile, "qBittorrent", "config")
	if err := os.MkdirAll(confDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(confDir, "qBittorrent.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, profile, "qbittorrent-nox", "--profile="+profile)
	d.logs = append(d.logs, filepath.Join(profile, "qBittorrent", "data", "logs", "qbittorrent.log"))
	api := fmt.Sprintf("http://127.0.0.1:%d/api/v2/", webPort)
	var prefs map[string]any
	waitUntil(t, d, "WebUI", func() (bool, error) {
		_, err := httpJSON(t.Context(), "GET", api+"app/preferences", nil, nil, &prefs)
		return err == nil, err
	})
	for _, k := range []string{"dht", "lsd", "pex", "upnp", "resolve_peer_countries"} {
		if prefs[k] != false {
			t.Fatalf("qbittorrent-nox ignored the profile: preference %s = %v, want false", k, prefs[k])
		}
	}
	qbAddTorrent(t, api, torrentFile, dataDir)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	waitUntil(t, d, "seeding", func() (bool, error) {
		var ts []struct {
			Progress float64
			State    string
		}
		if _, err := httpJSON(t.Context(), "GET", api+"torrents/info?hashes="+ih, nil, nil, &ts); err != nil {
			return false, err
		}
		if len(ts) != 1 || ts[0].Progress < 1 || (ts[0].State != "uploading" && ts[0].State != "stalledUP") {
			return false, fmt.Errorf("torrent state %+v", ts)
		}
		return seedsAll(addr, ih, pieces)
	})
	return addr
}

// qbAddTorrent uploads torrentFile to qBittorrent's WebUI API, saving to dataDir.
func qbAddTorrent(t testing.TB, api, torrentFile, dataDir string) {
	t.Helper()
	data, err := os.ReadFile(torrentFile)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("torrents", filepath.Base(torrentFile))
	if err == nil {
		_, err = fw.Write(data)
	}
	for _, kv := range [][2]string{{"savepath", dataDir}, {"paused", "false"}, {"autoTMM", "false"}} {
		err = errors.Join(err, mw.WriteField(kv[0], kv[1]))
	}
	if err := errors.Join(err, mw.Close()); err != nil {
		t.Fatal(err)
	}
	resp, err := apiClient.Post(api+"torrents/add", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatalf("qbittorrent add torrent: %v", err)
	}
	reply, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(reply) != "Ok." {
		t.Fatalf("qbittorrent add torrent: %s %q", resp.Status, reply)
	}
}

// startTransmissionSeeder seeds torrentFile from dataDir with transmission-daemon
// (bound to 127.0.0.1; DHT, LPD, PEX, uTP, port forwarding, blocklist off) and
// returns the address once it is seeding. Transmission 3.00 does not dial 127.x
// peers, so it serves only as a seeder that others dial.
func startTransmissionSeeder(t testing.TB, torrentFile, dataDir string) string {
	t.Helper()
	requireTools(t, "transmission-daemon")
	ih, pieces := torrentMeta(t, torrentFile)
	conf := t.TempDir()
	port, rpcPort := freePort(t), freePort(t)
	settings := map[string]any{
		"bind-address-ipv4": "127.0.0.1", "bind-address-ipv6": "::1",
		"peer-port": port, "peer-port-random-on-start": false, "port-forwarding-enabled": false,
		"dht-enabled": false, "lpd-enabled": false, "pex-enabled": false, "utp-enabled": false,
		"blocklist-enabled": false, "download-dir": dataDir, "incomplete-dir-enabled": false,
		"watch-dir-enabled": false, "start-added-torrents": true, "ratio-limit-enabled": false,
		"idle-seeding-limit-enabled": false, "message-level": 2,
		"rpc-enabled": true, "rpc-bind-address": "127.0.0.1", "rpc-port": rpcPort,
		"rpc-authentication-required": false, "rpc-whitelist-enabled": false,
		"rpc-host-whitelist-enabled": false,
	}
	b, err := json.Marshal(settings)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(conf, "settings.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, conf, "transmission-daemon", "--foreground", "--config-dir", conf)
	raw, err := os.ReadFile(torrentFile)
	if err != nil {
		t.Fatal(err)
	}
	rpc := &transmissionRPC{url: fmt.Sprintf("http://127.0.0.1:%d/transmission/rpc", rpcPort)}
	waitUntil(t, d, "RPC", func() (bool, error) {
		err := rpc.call(t.Context(), "torrent-add", map[string]any{
			"metainfo": base64.StdEncoding.EncodeToString(raw), "download-dir": dataDir}, nil)
		return err == nil, err
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	waitUntil(t, d, "seeding", func() (bool, error) {
		var reply struct {
			Torrents []struct {
				PercentDone float64
				Status      int
				ErrorString string
			}
		}
		err := rpc.call(t.Context(), "torrent-get", map[string]any{"ids": []string{ih},
			"fields": []string{"percentDone", "status", "errorString"}}, &reply)
		if err != nil {
			return false, err
		}
		const statusSeed = 6
		if len(reply.Torrents) != 1 || reply.Torrents[0].PercentDone < 1 || reply.Torrents[0].Status != statusSeed {
			return false, fmt.Errorf("torrent state %+v", reply.Torrents)
		}
		return seedsAll(addr, ih, pieces)
	})
	return addr
}

// transmissionRPC speaks Transmission's JSON RPC, including its session-id dance.
type transmissionRPC struct {
	url, session string
}

func (r *transmissionRPC) call(ctx context.Context, method string, args, out any) error {
	var reply struct {
		Result    string
		Arguments json.RawMessage
	}
	h := http.Header{"X-Transmission-Session-Id": {r.session}}
	resp, err := httpJSON(ctx, "POST", r.url, h, map[string]any{"method": method, "arguments": args}, &reply)
	if resp != nil && resp.StatusCode == http.StatusConflict {
		r.session = resp.Header.Get("X-Transmission-Session-Id")
		h.Set("X-Transmission-Session-Id", r.session)
		_, err = httpJSON(ctx, "POST", r.url, h, map[string]any{"method": method, "arguments": args}, &reply)
	}
	if err != nil {
		return err
	}
	if reply.Result != "success" {
		return fmt.Errorf("transmission %s: %s", method, reply.Result)
	}
	if out != nil {
		return json.Unmarshal(reply.Arguments, out)
	}
	return nil
}

// startOpentracker runs opentracker on 127.0.0.1 (TCP only, no UDP) with a whitelist
// of the given hex infohashes, dropping root to user nobody in a chroot. It returns
// the announce URL once the tracker accepts announces for infoHashes[0].
func startOpentracker(t testing.TB, infoHashes ...string) string {
	t.Helper()
	requireTools(t, "opentracker")
	// The chroot: after dropping root, nobody must still read the whitelist.
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	wl := strings.Join(infoHashes, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(dir, "whitelist.txt"), []byte(wl), 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	args := []string{"-i", "127.0.0.1", "-p", strconv.Itoa(port), "-d", dir, "-w", "whitelist.txt"}
	if os.Geteuid() == 0 {
		args = append(args, "-u", unprivilegedUser().name)
	}
	d := startDaemon(t, dir, "opentracker", args...)
	announce := fmt.Sprintf("http://127.0.0.1:%d/announce", port)
	if len(infoHashes) == 0 {
		waitUntil(t, d, "listening", func() (bool, error) { return accepts(net.JoinHostPort("127.0.0.1", strconv.Itoa(port))) })
		return announce
	}
	// The whitelist loads asynchronously: probe with a "stopped" announce, which
	// registers no peer but is refused until the hash is whitelisted.
	ih, err := hex.DecodeString(infoHashes[0])
	if err != nil {
		t.Fatalf("infohash %q: %v", infoHashes[0], err)
	}
	probe := announce + "?" + url.Values{"info_hash": {string(ih)}, "peer_id": {"-HARNESS-PROBE-00000"},
		"port": {"1"}, "uploaded": {"0"}, "downloaded": {"0"}, "left": {"0"}, "event": {"stopped"}, "compact": {"1"}}.Encode()
	waitUntil(t, d, "whitelist", func() (bool, error) {
		var reply struct {
			Failure string `bencode:"failure reason"`
		}
		if err := getBencode(t.Context(), probe, &reply); err != nil {
			return false, err
		}
		if reply.Failure != "" {
			return false, errors.New(reply.Failure)
		}
		return true, nil
	})
	return announce
}

// waitSeeders waits until the tracker at announce counts at least n seeders of infoHash.
func waitSeeders(t testing.TB, announce, infoHash string, n int) {
	t.Helper()
	ih, err := hex.DecodeString(infoHash)
	if err != nil {
		t.Fatalf("infohash %q: %v", infoHash, err)
	}
	scrape := strings.Replace(announce, "/announce", "/scrape", 1) + "?" + url.Values{"info_hash": {string(ih)}}.Encode()
	waitUntil(t, nil, fmt.Sprintf("%d seeders of %s", n, infoHash), func() (bool, error) {
		var reply struct {
			Files map[string]struct {
				Complete int `bencode:"complete"`
			} `bencode:"files"`
		}
		if err := getBencode(t.Context(), scrape, &reply); err != nil {
			return false, err
		}
		return reply.Files[string(ih)].Complete >= n, nil
	})
}

func getBencode(ctx context.Context, u string, out any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return err
	}
	resp, err := apiClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return bencode.Unmarshal(data, out)
}

// unprivileged names the account child processes drop to when the tests run as root.
type unprivileged struct {
	name     string
	uid, gid uint32
}

// unprivilegedUser returns the "nobody" account (65534 when it cannot be looked up).
func unprivilegedUser() unprivileged {
	u := unprivileged{name: "nobody", uid: 65534, gid: 65534}
	if pw, err := user.Lookup("nobody"); err == nil {
		uid, err1 := strconv.ParseUint(pw.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(pw.Gid, 10, 32)
		if err1 == nil && err2 == nil {
			u.uid, u.gid = uint32(uid), uint32(gid)
		}
	}
	return u
}

// runAsUnprivileged prepares cmd for programs that refuse root (VLC): when the test
// runs as root, cmd runs as nobody. Either way it gets a fresh HOME it can write,
// also its working directory unless cmd.Dir is set, and XDG dirs under it; home is
// returned (use it for anything the child must write) and removed at cleanup.
// Files under t.TempDir() are not readable by nobody; serve them over HTTP instead.
func runAsUnprivileged(t testing.TB, cmd *exec.Cmd) (home string) {
	t.Helper()
	// Not t.TempDir(): its parent is root-only, so nobody could not reach it.
	home, err := os.MkdirTemp("", "btstream-home-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	if os.Geteuid() == 0 {
		u := unprivilegedUser()
		if err := os.Chown(home, int(u.uid), int(u.gid)); err != nil {
			t.Fatal(err)
		}
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: u.uid, Gid: u.gid}
	}
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "XDG_DATA_HOME="+filepath.Join(home, ".local", "share"),
		"XDG_RUNTIME_DIR="+home)
	if cmd.Dir == "" {
		cmd.Dir = home
	}
	return home
}

// newLoopbackLeecher returns an anacrolix/torrent client listening on 127.0.0.1
// over TCP only, without DHT, PEX, UPnP, uTP, IPv6, webseeds or webtorrent. With
// allowTrackers it announces to the trackers a torrent names (tests give only
// loopback ones); otherwise it finds peers only through x.pe or AddPeers. Its
// debug log is kept in memory and its tail printed if the test fails.
func newLoopbackLeecher(t testing.TB, allowTrackers bool) *torrent.Client {
	t.Helper()
	logs := &tailBuffer{}
	cfg := torrenttest.ClientConfig(t)
	cfg.DisableTrackers = !allowTrackers
	cfg.Slogger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cl, err := torrent.NewClient(cfg)
	if err != nil {
		t.Fatalf("new leecher: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("leecher log tail:\n%s", logs.tail(40))
		}
		cl.Close()
	})
	return cl
}

// tailBuffer keeps the last 256 KiB written to it and never fails a write: the
// anacrolix/log bridge panics when its handler's writer errors, and the client's
// connection goroutines still log after Client.Close returns.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - 256<<10; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

// tail returns the last n lines written.
func (b *tailBuffer) tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	lines := strings.Split(strings.TrimRight(string(b.buf), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// leechSHA256 adds magnet to cl, waits for the metadata, reads the torrent's only
// file from start to end and returns its SHA-256 in hex. ctx bounds the whole fetch.
func leechSHA256(ctx context.Context, cl *torrent.Client, magnet string) (string, error) {
	tor, err := cl.AddMagnet(magnet)
	if err != nil {
		return "", fmt.Errorf("add magnet: %w", err)
	}
	defer tor.Drop()
	select {
	case <-tor.GotInfo():
	case <-ctx.Done():
		return "", fmt.Errorf("no metadata (peers %+v): %w", tor.Stats().TorrentGauges, ctx.Err())
	}
	files := tor.Files()
	if len(files) != 1 {
		return "", fmt.Errorf("torrent has %d files, want 1", len(files))
	}
	r := files[0].NewReader()
	defer r.Close()
	r.SetContext(ctx)
	r.SetResponsive()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", fmt.Errorf("read %s (peers %+v): %w", files[0].DisplayPath(), tor.Stats().TorrentGauges, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// fileSHA256 returns the hex SHA-256 of the file at path.
func fileSHA256(t testing.TB, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestRequireTools pins the CI contract: a missing program skips the test, except
// under CI=true, where it fails it.
func TestRequireTools(t *testing.T) {
	for _, tc := range []struct {
		name, ci, program  string
		wantSkip, wantFail bool
	}{
		{"missing skips", "", "btstream-no-such-program", true, false},
		{"missing fails under CI", "true", "btstream-no-such-program", false, true},
		{"only CI=true is CI", "1", "btstream-no-such-program", true, false},
		{"present passes under CI", "true", "sh", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			r := &recordingTB{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				requireTools(r, tc.program)
			}()
			<-done
			if r.skipped != tc.wantSkip || r.failed != tc.wantFail {
				t.Errorf("requireTools(%q) with CI=%q: skipped %v, failed %v; want %v, %v",
					tc.program, tc.ci, r.skipped, r.failed, tc.wantSkip, tc.wantFail)
			}
		})
	}
}

// recordingTB records Skip and Fatal instead of acting on the real test; like the
// real ones, both end the calling goroutine.
type recordingTB struct {
	testing.TB
	skipped, failed bool
}

func (r *recordingTB) Helper()      {}
func (r *recordingTB) Skip(...any)  { r.skipped = true; runtime.Goexit() }
func (r *recordingTB) Fatal(...any) { r.failed = true; runtime.Goexit() }

// TestInteropHarness proves the harness itself: generated media has its index at
// the end, runAsUnprivileged makes VLC runnable under root, and each real client
// seeds a generated MP4 that an in-process anacrolix leecher downloads byte for
// byte, given only the seeder's address or only a loopback opentracker.
func TestInteropHarness(t *testing.T) {
	requireTools(t, "ffmpeg", "ffprobe")
	mp4 := makeMP4(t, t.TempDir(), 20)
	want := fileSHA256(t, mp4)

	t.Run("media", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			make func(testing.TB, string, int) string
		}{{"mp4", makeMP4}, {"mkv", makeMKV}} {
			t.Run(tc.name, func(t *testing.T) {
				path := mp4
				if tc.name != "mp4" {
					path = tc.make(t, t.TempDir(), 20)
				}
				out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_name",
					"-of", "csv=p=0", path).CombinedOutput()
				if got := strings.Fields(string(out)); err != nil || strings.Join(got, ",") != "h264,aac" {
					t.Fatalf("ffprobe %s: streams %q, err %v; want h264,aac", path, got, err)
				}
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if !indexAtEnd(data) {
					t.Errorf("%s: index (moov/Cues) is not after the media data", path)
				}
			})
		}
	})

	t.Run("unprivileged", func(t *testing.T) {
		cmd := exec.Command("sh", "-c", `id -u && touch "$HOME/probe"`)
		home := runAsUnprivileged(t, cmd)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("sh as unprivileged: %v\n%s", err, out)
		}
		if os.Geteuid() == 0 && strings.TrimSpace(string(out)) == "0" {
			t.Errorf("child ran as root")
		}
		if _, err := os.Stat(filepath.Join(home, "probe")); err != nil {
			t.Errorf("child could not write its HOME: %v", err)
		}
		requireTools(t, "cvlc")
		// VLC exits at once under root ("VLC is not supposed to be run as root").
		vlc := exec.Command("cvlc", "--version")
		runAsUnprivileged(t, vlc)
		if out, err := vlc.CombinedOutput(); err != nil || !strings.Contains(string(out), "VLC version") {
			t.Fatalf("cvlc --version: %v\n%s", err, out)
		}
	})

	for _, tc := range []struct {
		name       string
		start      func(testing.TB, string, string) string
		viaTracker bool
	}{
		{"aria2c", startAria2Seeder, false},
		{"qbittorrent", startQbittorrentSeeder, false},
		{"transmission", startTransmissionSeeder, false},
		{"aria2c via opentracker", startAria2Seeder, true},
		{"qbittorrent via opentracker", startQbittorrentSeeder, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const pieceLen = 256 << 10
			torrentFile, ih, magnet := makeTorrent(t, mp4, pieceLen)
			var announce string
			if tc.viaTracker {
				announce = startOpentracker(t, ih)
				torrentFile, _, magnet = makeTorrent(t, mp4, pieceLen, announce)
			}
			began := time.Now()
			addr := tc.start(t, torrentFile, filepath.Dir(mp4))
			t.Logf("%s seeding on %s after %v", tc.name, addr, time.Since(began).Round(time.Millisecond))
			if tc.viaTracker {
				waitSeeders(t, announce, ih, 1)
			} else {
				magnet = withPeer(magnet, addr)
			}
			cl := newLoopbackLeecher(t, tc.viaTracker)
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			began = time.Now()
			got, err := leechSHA256(ctx, cl, magnet)
			if err != nil {
				t.Fatalf("leech from %s: %v", tc.name, err)
			}
			t.Logf("downloaded in %v", time.Since(began).Round(time.Millisecond))
			if got != want {
				t.Fatalf("sha256 of the download = %s, want %s", got, want)
			}
		})
	}
}

// indexAtEnd reports whether a media file keeps its index after the media data:
// for MP4 a top-level moov box after mdat, for Matroska the Cues element after the
// first Cluster (the SeekHead near the start also mentions the Cues ID, so the
// last occurrence is compared).
func indexAtEnd(data []byte) bool {
	if bytes.HasPrefix(data, []byte{0x1a, 0x45, 0xdf, 0xa3}) { // EBML magic
		cluster := bytes.Index(data, []byte{0x1f, 0x43, 0xb6, 0x75})
		return cluster > 0 && bytes.LastIndex(data, []byte{0x1c, 0x53, 0xbb, 0x6b}) > cluster
	}
	mdat := -1
	for off := 0; off+8 <= len(data); {
		size, typ := int(uint32(data[off])<<24|uint32(data[off+1])<<16|uint32(data[off+2])<<8|uint32(data[off+3])), string(data[off+4:off+8])
		switch typ {
		case "mdat":
			mdat = off
		case "moov":
			return mdat >= 0
		}
		if size < 8 { // 0 (to end of file) or 1 (64-bit size): not produced by ffmpeg for these sizes
			return false
		}
		off += size
	}
	return false
}
