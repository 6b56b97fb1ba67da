package stream

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// keyedSource is a fakeSource served under a key of its own.
type keyedSource struct {
	*fakeSource
	key string
}

func (k keyedSource) Key() string { return k.key }

// A keyed source is served at its key, whatever its position; the name is
// cosmetic; its index does not reach it; an invalid key falls back to the
// index.
func TestKeyedURLs(t *testing.T) {
	movie := keyedSource{&fakeSource{name: "My Movie.mkv", size: 100}, "abc123/4"}
	odd := keyedSource{&fakeSource{name: "x.srt", size: 10}, "a b/?"}
	bad := keyedSource{&fakeSource{name: "y.srt", size: 10}, "a//b"}
	s, err := Listen(Config{Logger: testLogger(t)}, movie, odd, bad)
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + s.Addr().String()
	for _, c := range []struct{ got, want string }{
		{s.URL(0), base + "/abc123/4/My%20Movie.mkv"},
		{s.URL(1), base + "/a%20b/%3F/x.srt"},
		{s.URL(2), base + "/2/y.srt"},
	} {
		if c.got != c.want {
			t.Errorf("got URL %q, want %q", c.got, c.want)
		}
	}
	startServer(t, s)
	for path, want := range map[string]int{
		"/abc123/4/My%20Movie.mkv": http.StatusOK,
		"/abc123/4/other-name.mkv": http.StatusOK,
		"/abc123/4":                http.StatusOK,
		"/a%20b/%3F/x.srt":         http.StatusOK,
		"/2/y.srt":                 http.StatusOK,
		"/abc123/5/My%20Movie.mkv": http.StatusNotFound,
		"/abc123/45":               http.StatusNotFound,
		"/abc123":                  http.StatusNotFound,
		"/0/My%20Movie.mkv":        http.StatusNotFound,
	} {
		resp, _ := get(t, base+path, "")
		if resp.StatusCode != want {
			t.Errorf("GET %s: status %d, want %d", path, resp.StatusCode, want)
		}
	}
	_, body := get(t, s.PlaylistURL(), "")
	if !strings.Contains(string(body), "\n"+s.URL(0)+"\n") || !strings.Contains(string(body), "\n"+s.URL(1)+"\n") {
		t.Errorf("playlist lacks the keyed URLs:\n%s", body)
	}
}

// freeRun returns listeners holding n consecutive loopback ports.
func freeRun(t *testing.T, n int) []net.Listener {
	t.Helper()
	for range 50 {
		first, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns := []net.Listener{first}
		port := first.Addr().(*net.TCPAddr).Port
		for p := port + 1; p < port+n && p <= 65535; p++ {
			ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
			if err != nil {
				break
			}
			lns = append(lns, ln)
		}
		if len(lns) == n {
			t.Cleanup(func() {
				for _, ln := range lns {
					ln.Close()
				}
			})
			return lns
		}
		for _, ln := range lns {
			ln.Close()
		}
	}
	t.Skip("found no run of free loopback ports")
	return nil
}

// A taken port is an error, unless Fallback is set: then the next port is
// taken, and when all FallbackPorts are taken too, any free one.
func TestListenFallback(t *testing.T) {
	src := &fakeSource{name: "m.mkv", size: 10}
	taken := freeRun(t, 1+FallbackPorts)
	port := taken[0].Addr().(*net.TCPAddr).Port
	addr := fmt.Sprintf("127.0.0.1:%d", port)

	if _, err := Listen(Config{Addr: addr}, src); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("Listen on a taken port without Fallback: %v, want EADDRINUSE", err)
	}

	// The next port is free once the second listener of the run closes.
	taken[1].Close()
	s, err := Listen(Config{Addr: addr, Fallback: true}, src)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Addr().(*net.TCPAddr).Port; got != port+1 || !s.Fallback() {
		t.Errorf("fell back to port %d (Fallback %v), want %d", got, s.Fallback(), port+1)
	}
	startServer(t, s)
	if resp, body := get(t, s.URL(0), ""); resp.StatusCode != http.StatusOK || !bytes.Equal(body, pattern(0, 10)) {
		t.Errorf("GET %s: %d %q", s.URL(0), resp.StatusCode, body)
	}

	// Now port and the next FallbackPorts are all taken.
	s2, err := Listen(Config{Addr: addr, Fallback: true}, src)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got := s2.Addr().(*net.TCPAddr).Port; got >= port && got <= port+FallbackPorts || !s2.Fallback() {
		t.Errorf("fell back to port %d (Fallback %v), want one outside %d-%d", got, s2.Fallback(), port, port+FallbackPorts)
	}

	// A free port is no fallback.
	s3, err := Listen(Config{Addr: "127.0.0.1:0", Fallback: true}, src)
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close()
	if s3.Fallback() {
		t.Error("Fallback on a free port")
	}
}

// lanIPs are this machine's addresses that LANURLs should list for a
// wildcard listener.
func lanIPs(t *testing.T, v4only bool) map[string]bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	ips := map[string]bool{}
	for _, a := range addrs {
		ip := a.(*net.IPNet).IP
		if ip.IsLoopback() || ip.IsLinkLocalUnicast() || v4only && ip.To4() == nil {
			continue
		}
		ips[ip.String()] = true
	}
	return ips
}

// On loopback there are no LAN URLs; on a wildcard address, one per
// address of the machine, and each of them serves (a request to one's own
// address never leaves the machine).
func TestLANURLs(t *testing.T) {
	src := &fakeSource{name: "m.mkv", size: 10}
	s, err := Listen(Config{}, src)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.LANURLs(s.URL(0)); got != nil {
		t.Errorf("loopback server: LANURLs = %q", got)
	}
	s.Close()

	for _, host := range []string{"0.0.0.0", "::"} {
		t.Run(host, func(t *testing.T) {
			s, err := Listen(Config{Addr: net.JoinHostPort(host, "0")}, src)
			if err != nil {
				t.Skipf("listen: %v", err)
			}
			startServer(t, s)
			if local, _ := http.NewRequest(http.MethodGet, s.URL(0), nil); host == "0.0.0.0" && local.URL.Hostname() != "127.0.0.1" {
				t.Errorf("URL %s on 0.0.0.0, want one on 127.0.0.1", s.URL(0))
			}
			if resp, _ := get(t, s.URL(0), ""); resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: %d", s.URL(0), resp.StatusCode)
			}
			want := lanIPs(t, host == "0.0.0.0")
			urls := s.LANURLs(s.URL(0))
			if len(urls) != len(want) {
				t.Errorf("LANURLs = %q, want one for each of %v", urls, want)
			}
			seenV6 := false
			for _, u := range urls {
				req, _ := http.NewRequest(http.MethodGet, u, nil)
				host := req.URL.Hostname()
				if !want[host] {
					t.Errorf("%s: %s is not one of %v", u, host, want)
				}
				if strings.Contains(host, ":") {
					seenV6 = true
				} else if seenV6 {
					t.Errorf("%q: an IPv4 URL after an IPv6 one", urls)
				}
				if !strings.HasSuffix(u, "/0/m.mkv") {
					t.Errorf("%s lacks the path of %s", u, s.URL(0))
				}
				resp, body := get(t, u, "")
				if resp.StatusCode != http.StatusOK || !bytes.Equal(body, pattern(0, 10)) {
					t.Errorf("GET %s: %d %q", u, resp.StatusCode, body)
				}
			}
			if pl := s.LANURLs(s.PlaylistURL()); len(pl) != len(urls) || len(pl) > 0 && !strings.HasSuffix(pl[0], "/playlist.m3u") {
				t.Errorf("playlist LAN URLs %q", pl)
			}
		})
	}
}
