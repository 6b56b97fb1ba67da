package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
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

// lanSetup makes a network namespace's own LAN: loopback up and a veth pair
// whose both ends stay in the namespace, so no packet can leave it.
const lanSetup = `ip link set lo up && ip link add lan0 type veth peer name lan1 &&
ip addr add 198.51.100.7/24 dev lan0 && ip -6 addr add 2001:db8::7/64 dev lan0 nodad &&
ip link set lan0 up && ip link set lan1 up`

// With a non-loopback --addr, btstream prints a URL per LAN address of the
// machine (--no-player's stdout; lan_urls with --json), and each serves.
// The test runs itself again in a network namespace of its own with a LAN
// address (unshare -rn: no privilege needed where user namespaces are
// allowed), or, where that cannot be made, on this machine's addresses.
func TestBinaryLANURLs(t *testing.T) {
	if os.Getenv("BTSTREAM_TEST_NETNS") == "" {
		if probe := exec.Command("unshare", "-rn", "sh", "-c", lanSetup); probe.Run() == nil {
			cmd := exec.Command("unshare", "-rn", "sh", "-c", lanSetup+` && exec "$0" -test.run='^TestBinaryLANURLs$' -test.v`, os.Args[0])
			cmd.Env = append(os.Environ(), "BTSTREAM_TEST_NETNS=1", "BTSTREAM_TEST_BIN="+binary(t))
			out, err := cmd.CombinedOutput()
			if err != nil || !bytes.Contains(out, []byte("--- PASS: TestBinaryLANURLs")) {
				t.Fatalf("in a network namespace: %v\n%s", err, out)
			}
			return
		}
		t.Log("cannot make a network namespace (unshare -rn, ip): using this machine's addresses")
	} else {
		// Inside the namespace: the binary the outer test built.
		dir := t.TempDir()
		if err := os.Symlink(os.Getenv("BTSTREAM_TEST_BIN"), filepath.Join(dir, "btstream")); err != nil {
			t.Fatal(err)
		}
		binOnce.Do(func() { binPath = filepath.Join(dir, "btstream") })
	}
	v4, all := lanIPs(t)
	if len(v4) == 0 {
		t.Skip("this machine has no non-loopback IPv4 address")
	}
	if os.Getenv("BTSTREAM_TEST_NETNS") != "" && (!slices.Equal(v4, []string{"198.51.100.7"}) || !slices.Contains(all, "2001:db8::7")) {
		t.Fatalf("the namespace's addresses are %v", all)
	}
	data := torrenttest.Pattern(128 << 10)
	s := seed(t, "movie.mkv", data)

	// --no-player on 0.0.0.0: one line per IPv4 address, the warning kept.
	cmd := btstreamCmd(t, t.TempDir(), "--no-player", "--addr", "0.0.0.0:0", "--peer", s.Addr(), s.Magnet())
	sc, stderr := startOutput(t, cmd)
	run := &serving{cmd: cmd, stderr: stderr}
	t.Cleanup(run.stop)
	var hosts []string
	for len(hosts) < len(v4) && sc.Scan() {
		u, err := url.Parse(sc.Text())
		if err != nil {
			t.Fatal(err)
		}
		hosts = append(hosts, u.Hostname())
		fetch(t, sc.Text(), data)
	}
	go func() {
		for sc.Scan() {
		}
	}()
	run.stop()
	if !slices.Equal(hosts, v4) {
		t.Errorf("stdout's URLs are on %v, want %v; stderr: %s", hosts, v4, stderr)
	}
	if !strings.Contains(stderr.String(), "anyone who can reach that address can read the stream") {
		t.Errorf("stderr %q lacks the warning", stderr)
	}

	// With a player, which plays the local URL, stderr says the LAN ones.
	withPlayer := btstreamCmd(t, t.TempDir(), "--player", "/bin/true", "--addr", "0.0.0.0:0", "--peer", s.Addr(), s.Magnet())
	msg, err := withPlayer.CombinedOutput()
	if err != nil {
		t.Fatalf("with a player: %v: %s", err, msg)
	}
	for _, ip := range v4 {
		if !strings.Contains(string(msg), "other machines can play it at http://"+ip+":") {
			t.Errorf("stderr lacks the URL on %s: %s", ip, msg)
		}
	}

	// --json on [::]: lan_urls, every address, IPv4 first.
	j := serve(t, "--addr", "[::]:0", "--peer", s.Addr(), s.Magnet())
	hosts = nil
	for _, l := range j.lan {
		u, err := url.Parse(l)
		if err != nil {
			t.Fatal(err)
		}
		hosts = append(hosts, u.Hostname())
		fetch(t, l, data)
	}
	if !slices.Equal(hosts, all) {
		t.Errorf("lan_urls are on %v, want %v", hosts, all)
	}
}

// lanIPs are this machine's non-loopback, non-link-local addresses: the
// IPv4 ones, and all of them with IPv4 first.
func lanIPs(t *testing.T) (v4, all []string) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	var v6 []string
	for _, a := range addrs {
		ip := a.(*net.IPNet).IP
		switch {
		case ip.IsLoopback() || ip.IsLinkLocalUnicast():
		case ip.To4() != nil:
			v4 = append(v4, ip.String())
		default:
			v6 = append(v6, ip.String())
		}
	}
	return v4, append(slices.Clone(v4), v6...)
}
