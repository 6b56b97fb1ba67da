package stream

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"
)

// failAfter is the failure guard of every wait in these tests; a passing
// run never comes near it.
const failAfter = 10 * time.Second

// waitFor polls cond until it holds, and fails the test after failAfter.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(failAfter)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("gave up waiting: %s", what)
		}
	}
}

// TestClientGoneClosesReader drops hundreds of connections in the middle of
// a body, while the handler is writing or blocked in a Read that waits for
// ctx, and checks that every reader is closed and no goroutine is left.
func TestClientGoneClosesReader(t *testing.T) {
	const conns = 300
	src := &fakeSource{name: "big.mkv", size: 1 << 20, blocks: true, blockAt: 128 << 10}
	srv := httptest.NewServer(Handler(nil, src))
	defer srv.Close()
	before := runtime.NumGoroutine()

	requests := []struct {
		req      string
		readBody bool
	}{
		{"GET /0/big.mkv HTTP/1.1\r\nHost: x\r\n\r\n", true},
		{"GET /0/big.mkv HTTP/1.1\r\nHost: x\r\n\r\n", false},
		{"GET /0/big.mkv HTTP/1.1\r\nHost: x\r\nRange: bytes=100000-\r\n\r\n", true},
		{"GET /0/big.mkv HTTP/1.1\r\nHost: x\r\nRange: bytes=-1000\r\n\r\n", false}, // past blockAt: no body ever
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for range 16 {
		wg.Go(func() {
			for i := range jobs {
				r := requests[i%len(requests)]
				if err := dropMidBody(srv.Listener.Addr().String(), r.req, r.readBody); err != nil {
					errs <- fmt.Errorf("connection %d: %w", i, err)
				}
			}
		})
	}
	for i := range conns {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	waitFor(t, "every reader closed", func() bool { return src.opens.Load() == conns && src.open() == 0 })
	waitFor(t, fmt.Sprintf("goroutines back to %d", before), func() bool { return runtime.NumGoroutine() <= before })
}

// dropMidBody sends req on a new connection, reads the status line and, if
// readBody, some of the body, then closes the connection.
func dropMidBody(addr, req string, readBody bool) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(failAfter)); err != nil {
		return err
	}
	if _, err := io.WriteString(conn, req); err != nil {
		return err
	}
	br := bufio.NewReader(conn)
	status, err := br.ReadString('\n')
	if err != nil {
		return fmt.Errorf("read status: %w", err)
	}
	if !bytes.HasPrefix([]byte(status), []byte("HTTP/1.1 20")) {
		return fmt.Errorf("status line %q", status)
	}
	if readBody {
		if _, err := br.Discard(8 << 10); err != nil {
			return fmt.Errorf("read body: %w", err)
		}
	}
	return nil
}

// TestConcurrentReaders holds four requests for different ranges open at
// once and checks that each got its own reader and its own bytes.
func TestConcurrentReaders(t *testing.T) {
	const n = 4
	gate := make(chan struct{})
	src := &fakeSource{name: "movie.mp4", size: 1 << 20, gate: gate}
	srv := httptest.NewServer(Handler(nil, src))
	defer srv.Close()

	bodies := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			first := int64(i) * 100_000
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/0/movie.mp4", nil)
			if err != nil {
				errs[i] = err
				return
			}
			req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", first, first+99_999))
			resp, err := srv.Client().Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			bodies[i], errs[i] = io.ReadAll(resp.Body)
		})
	}
	waitFor(t, fmt.Sprintf("%d readers open at once", n), func() bool { return src.open() == n })
	close(gate)
	wg.Wait()

	for i := range n {
		first := int64(i) * 100_000
		if errs[i] != nil {
			t.Errorf("request %d: %v", i, errs[i])
		} else if !bytes.Equal(bodies[i], pattern(first, first+100_000)) {
			t.Errorf("request %d: body of %d bytes is not bytes %d-%d", i, len(bodies[i]), first, first+99_999)
		}
	}
	srv.Close()
	if got := src.opens.Load(); got != n || src.open() != 0 {
		t.Errorf("opens = %d, still open = %d; want %d and 0", got, src.open(), n)
	}
}
