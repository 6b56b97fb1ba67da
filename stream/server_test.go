package stream

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startServer runs s.Serve in a goroutine until the returned stop is
// called; stop returns Serve's result, failing the test if Serve does not
// return within failAfter.
func startServer(t *testing.T, s *Server) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	var result error
	stopped := false
	stop = func() error {
		if stopped {
			return result
		}
		stopped = true
		cancel()
		select {
		case result = <-done:
		case <-time.After(failAfter):
			t.Fatal("Serve did not return after its context ended")
		}
		return result
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

func get(t *testing.T, url, rangeHeader string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rangeHeader != "" {
		req.Header.Set("Range", rangeHeader)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// readAll GETs url with a client of its own and discards the body.
func readAll(url string) error {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// TestServer checks the URLs a Server hands out and that they serve.
func TestServer(t *testing.T) {
	movie := &fakeSource{name: movieName, size: movieSize, etag: movieETag}
	subs := &fakeSource{name: "a/b?c#d.srt", size: 10}
	s, err := Listen(Config{Logger: testLogger(t)}, movie, subs)
	if err != nil {
		t.Fatal(err)
	}
	if !IsLoopback(s.Addr()) {
		t.Errorf("default address %v is not loopback", s.Addr())
	}
	base := "http://" + s.Addr().String()
	for _, c := range []struct{ got, want string }{
		{s.URL(0), base + "/0/Big%20Buck%20Bunny.mkv"},
		{s.URL(1), base + "/1/a%2Fb%3Fc%23d.srt"},
		{s.URL(2), ""},
		{s.URL(-1), ""},
		{s.PlaylistURL(), base + "/playlist.m3u"},
	} {
		if c.got != c.want {
			t.Errorf("got URL %q, want %q", c.got, c.want)
		}
	}
	stop := startServer(t, s)

	resp, body := get(t, s.URL(0), "bytes=-100")
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, pattern(9900, movieSize)) {
		t.Errorf("GET %s: status %d, %d bytes; want 206 and the last 100 bytes", s.URL(0), resp.StatusCode, len(body))
	}
	resp, body = get(t, s.URL(1), "")
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, pattern(0, 10)) {
		t.Errorf("GET %s: status %d, body %q", s.URL(1), resp.StatusCode, body)
	}
	_, body = get(t, s.PlaylistURL(), "")
	want := fmt.Sprintf("#EXTM3U\n#EXTINF:-1,%s\n%s\n#EXTINF:-1,%s\n%s\n", movieName, s.URL(0), "a/b?c#d.srt", s.URL(1))
	if string(body) != want {
		t.Errorf("playlist:\n%s\nwant:\n%s", body, want)
	}

	if err := stop(); err != nil {
		t.Errorf("Serve = %v, want nil after a clean stop", err)
	}
	if movie.open() != 0 || subs.open() != 0 {
		t.Errorf("readers left open: %d, %d", movie.open(), subs.open())
	}
}

// With Listed, the playlist lists the first sources only; the rest (an
// episode's subtitles) are served all the same.
func TestServerListed(t *testing.T) {
	ep1 := &fakeSource{name: "E01.mkv", size: 100}
	ep2 := &fakeSource{name: "E02.mkv", size: 100}
	sub := &fakeSource{name: "E01.srt", size: 10}
	s, err := Listen(Config{Logger: testLogger(t), Listed: 2}, ep1, ep2, sub)
	if err != nil {
		t.Fatal(err)
	}
	stop := startServer(t, s)
	defer stop()
	_, body := get(t, s.PlaylistURL(), "")
	want := fmt.Sprintf("#EXTM3U\n#EXTINF:-1,E01.mkv\n%s\n#EXTINF:-1,E02.mkv\n%s\n", s.URL(0), s.URL(1))
	if string(body) != want {
		t.Errorf("playlist:\n%s\nwant:\n%s", body, want)
	}
	if resp, body := get(t, s.URL(2), ""); resp.StatusCode != http.StatusOK || len(body) != 10 {
		t.Errorf("GET %s: status %d, %d bytes; want the subtitle", s.URL(2), resp.StatusCode, len(body))
	}
}

// TestServeShutdownIsBounded stops a Server while a player holds a stream
// whose Read blocks until its context ends: Serve must return nil, with the
// reader closed by then.
func TestServeShutdownIsBounded(t *testing.T) {
	blocked := make(chan struct{}, 1)
	src := &fakeSource{name: "movie.mkv", size: 1 << 20, blocks: true, blockAt: 64 << 10, blocked: blocked}
	s, err := Listen(Config{ShutdownTimeout: time.Minute}, src) // the reader's ctx ends it, not the timeout
	if err != nil {
		t.Fatal(err)
	}
	stop := startServer(t, s)

	clientDone := make(chan error, 1)
	go func() { clientDone <- readAll(s.URL(0)) }()
	select {
	case <-blocked:
	case <-time.After(failAfter):
		t.Fatal("the stream never reached its blocking Read")
	}

	if err := stop(); err != nil {
		t.Errorf("Serve = %v, want nil", err)
	}
	if src.opens.Load() != 1 || src.open() != 0 {
		t.Errorf("opens = %d, open = %d after Serve returned; want 1 and 0", src.opens.Load(), src.open())
	}
	select {
	case err := <-clientDone:
		if err == nil {
			t.Error("client read the whole body of a stream cut by shutdown")
		}
	case <-time.After(failAfter):
		t.Fatal("client still reading after Serve returned")
	}
}

// TestServeShutdownClosesHard stops a Server whose stream's Read ignores
// its context: Serve must still return, after ShutdownTimeout, and the
// reader is closed once the Read gives up.
func TestServeShutdownClosesHard(t *testing.T) {
	blocked := make(chan struct{}, 1)
	release := make(chan struct{})
	src := &fakeSource{name: "movie.mkv", size: 1 << 20, blocks: true, blockAt: 0, blocked: blocked, release: release}
	s, err := Listen(Config{ShutdownTimeout: 50 * time.Millisecond}, src)
	if err != nil {
		t.Fatal(err)
	}
	stop := startServer(t, s)

	clientDone := make(chan error, 1)
	go func() { clientDone <- readAll(s.URL(0)) }()
	select {
	case <-blocked:
	case <-time.After(failAfter):
		t.Fatal("the stream never reached its blocking Read")
	}

	if err := stop(); err != nil { // fails the test if Serve waits for the Read
		t.Errorf("Serve = %v, want nil", err)
	}
	if err := <-clientDone; err == nil {
		t.Error("client read the whole body of a stream cut by shutdown")
	}
	close(release)
	waitFor(t, "the reader closed after its Read returned", func() bool { return src.opens.Load() == 1 && src.open() == 0 })
}

func TestServeTwice(t *testing.T) {
	s, err := Listen(Config{}, &fakeSource{name: "a.mkv", size: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Serve(ctx); err != nil {
		t.Fatalf("first Serve = %v, want nil", err)
	}
	if err := s.Serve(context.Background()); err == nil {
		t.Error("second Serve = nil, want an error")
	}
}

func TestCloseWithoutServe(t *testing.T) {
	s, err := Listen(Config{}, &fakeSource{name: "a.mkv", size: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if c, err := net.Dial("tcp", s.Addr().String()); err == nil {
		c.Close()
		t.Error("listener still accepts after Close")
	}
	if err := s.Serve(context.Background()); err != nil {
		t.Errorf("Serve after Close = %v, want nil", err)
	}
}

func TestListenError(t *testing.T) {
	s, err := Listen(Config{Addr: "127.0.0.1:-1"})
	if err == nil {
		s.Close()
		t.Fatal("Listen on a bad address succeeded")
	}
	if !strings.Contains(err.Error(), "127.0.0.1:-1") {
		t.Errorf("error %q does not name the address", err)
	}
}

type strAddr string

func (a strAddr) Network() string { return "test" }
func (a strAddr) String() string  { return string(a) }

func TestIsLoopback(t *testing.T) {
	cases := []struct {
		addr net.Addr
		want bool
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80}, true},
		{&net.TCPAddr{IP: net.IPv4(127, 1, 2, 3)}, true},
		{&net.TCPAddr{IP: net.IPv6loopback}, true},
		{&net.TCPAddr{IP: net.IPv4zero}, false},
		{&net.TCPAddr{IP: net.IPv6unspecified}, false},
		{&net.TCPAddr{IP: net.IPv4(192, 168, 1, 2)}, false},
		{&net.TCPAddr{}, false},
		{&net.UDPAddr{IP: net.IPv6loopback}, true},
		{strAddr("localhost:8080"), true},
		{strAddr("[::1]:8080"), true},
		{strAddr("10.0.0.1:8080"), false},
		{strAddr("/run/x.sock"), false},
	}
	for _, c := range cases {
		if got := IsLoopback(c.addr); got != c.want {
			t.Errorf("IsLoopback(%v) = %v, want %v", c.addr, got, c.want)
		}
	}
}

func TestDialAddr(t *testing.T) {
	cases := []struct {
		addr net.Addr
		v4   bool
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80}, false, "127.0.0.1:80"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 80}, false, "127.0.0.1:80"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 80}, false, "[::1]:80"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 80}, true, "127.0.0.1:80"}, // "0.0.0.0" bound dual stack
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 80}, false, "[::1]:80"},
		{&net.TCPAddr{IP: net.IPv4(192, 168, 1, 2), Port: 80}, false, "192.168.1.2:80"},
	}
	for _, c := range cases {
		if got := dialAddr(c.addr, c.v4); got != c.want {
			t.Errorf("dialAddr(%v) = %q, want %q", c.addr, got, c.want)
		}
	}
}
