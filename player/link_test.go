//go:build unix

package player

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// listen listens on a Unix socket in a fresh directory and returns its path.
func listen(t *testing.T) (net.Listener, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mpv.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln, path
}

// accept returns the next connection to ln, closed at cleanup.
func accept(t *testing.T, ln net.Listener) <-chan net.Conn {
	t.Helper()
	ch := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(ch)
			return
		}
		t.Cleanup(func() { c.Close() })
		ch <- c
	}()
	return ch
}

// connected returns a Link and the stand-in for mpv's end of it.
func connected(t *testing.T) (*Link, net.Conn) {
	t.Helper()
	ln, path := listen(t)
	conns := accept(t, ln)
	l := dial(t, path)
	c := <-conns
	if c == nil {
		t.Fatal("accept failed")
	}
	return l, c
}

// dial connects a Link to path, failing the test after guard; closed at cleanup.
func dial(t *testing.T, path string) *Link {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	l, err := DialLink(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// next returns the next message, or fails the test when Messages is closed or after guard.
func next(t *testing.T, l *Link) Message {
	t.Helper()
	select {
	case m, ok := <-l.Messages():
		if !ok {
			t.Fatal("Messages closed")
		}
		return m
	case <-time.After(guard):
		t.Fatal("no message")
	}
	return Message{}
}

// drain reads Messages until it is closed, failing the test after guard.
func drain(t *testing.T, l *Link) {
	t.Helper()
	timeout := time.After(guard)
	for {
		select {
		case _, ok := <-l.Messages():
			if !ok {
				return
			}
		case <-timeout:
			t.Fatal("Messages not closed")
		}
	}
}

// The link sends commands as mpv's JSON lines, delivers events and property changes (not
// replies, not garbage, not an oversized line), and closes Messages when mpv goes.
func TestLinkProtocol(t *testing.T) {
	l, c := connected(t)
	if err := c.SetDeadline(time.Now().Add(guard)); err != nil {
		t.Fatal(err)
	}

	if err := l.Observe("time-pos", "paused-for-cache"); err != nil {
		t.Fatal(err)
	}
	if err := l.ShowText(`peers: 3 "quoted" ${filename}`, 2500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := l.ShowText("default duration", 0); err != nil {
		t.Fatal(err)
	}
	if err := l.Command("set_property", "pause", true); err != nil {
		t.Fatal(err)
	}
	if err := l.Command(); err == nil {
		t.Error("empty Command: no error")
	}
	if err := l.Command("x", make(chan int)); err == nil {
		t.Error("Command with an unmarshalable argument: no error")
	}
	r := bufio.NewReader(c)
	for _, want := range []string{
		`{"command":["observe_property",1,"time-pos"]}`,
		`{"command":["observe_property",2,"paused-for-cache"]}`,
		`{"command":["show-text","peers: 3 \"quoted\" ${filename}",2500]}`,
		`{"command":["show-text","default duration",-1]}`,
		`{"command":["set_property","pause",true]}`,
	} {
		got, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if got != want+"\n" {
			t.Errorf("sent %q, want %q", got, want)
		}
	}

	lines := []string{
		`{"request_id":0,"error":"success"}`,
		`{"event":"property-change","id":1,"name":"time-pos","data":1.500000}`,
		`not json`,
		`{"event":"property-change","id":2,"name":"paused-for-cache","data":true}`,
		`{"event":"seek","data":"` + strings.Repeat("x", maxLinkLine) + `"}`,
		`{"event":"property-change","id":1,"name":"time-pos","data":null}`,
		`{"event":"property-change","id":3,"name":"eof-reached"}`,
		`{"event":"end-file","reason":"eof","playlist_entry_id":1}`,
		`{"event":"playback-restart"}`,
		`{"event":"shutdown"}`, // no newline: mpv went away mid-line
	}
	if _, err := c.Write([]byte(strings.Join(lines, "\n"))); err != nil {
		t.Fatal(err)
	}
	c.Close()

	want := []Message{
		{Event: "property-change", Name: "time-pos", Data: json.RawMessage(`1.500000`)},
		{Event: "property-change", Name: "paused-for-cache", Data: json.RawMessage(`true`)},
		{Event: "property-change", Name: "time-pos", Data: json.RawMessage(`null`)},
		{Event: "property-change", Name: "eof-reached"},
		{Event: "end-file", Reason: "eof"},
		{Event: "playback-restart"},
		{Event: "shutdown"},
	}
	for _, w := range want {
		m := next(t, l)
		if m.At.IsZero() {
			t.Errorf("%+v: no arrival time", m)
		}
		if m.Event != w.Event || m.Name != w.Name || string(m.Data) != string(w.Data) || m.Reason != w.Reason {
			t.Errorf("message %s %s %s %q, want %s %s %s %q", m.Event, m.Name, m.Data, m.Reason, w.Event, w.Name, w.Data, w.Reason)
		}
	}
	drain(t, l)
	if err := l.ShowText("gone", time.Second); !errors.Is(err, ErrLinkClosed) {
		t.Errorf("ShowText after mpv left: %v, want ErrLinkClosed", err)
	}
	for range 2 {
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
}

// A consumer that never reads Messages does not stop the reader: what does not fit is dropped
// and counted, and the reader ends when mpv goes.
func TestLinkSlowConsumer(t *testing.T) {
	l, c := connected(t)
	const extra = 500
	var b strings.Builder
	for range linkBuffer + extra {
		b.WriteString(`{"event":"property-change","id":1,"name":"time-pos","data":1}` + "\n")
	}
	if err := c.SetWriteDeadline(time.Now().Add(guard)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	c.Close()
	select {
	case <-l.done:
	case <-time.After(guard):
		t.Fatal("the reader did not end: blocked on Messages?")
	}
	if n, d := len(l.Messages()), l.Dropped(); n != linkBuffer || d != extra {
		t.Errorf("%d messages kept, %d dropped; want %d and %d", n, d, linkBuffer, extra)
	}
}

// An mpv that accepts and never reads cannot block a write for long: once the socket's buffers
// are full, the write fails at its deadline and the link is closed.
func TestLinkWriteDeadline(t *testing.T) {
	l, _ := connected(t) // the stand-in for mpv is held open, never read
	text := strings.Repeat("x", 256<<10)
	var err error
	for i := 0; err == nil; i++ {
		if i == 1000 { // 256 MB in a socket that nobody reads
			t.Fatal("writes never failed")
		}
		err = l.ShowText(text, time.Second)
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.Is(err, ErrLinkClosed) {
		t.Errorf("error %v: want a deadline and ErrLinkClosed", err)
	}
	drain(t, l)
	if err := l.Command("stop"); !errors.Is(err, ErrLinkClosed) {
		t.Errorf("Command after a failed write: %v, want ErrLinkClosed", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// Close ends the reader, closes Messages and makes writes fail, while mpv is still there.
func TestLinkClose(t *testing.T) {
	l, _ := connected(t)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-l.Messages(); ok {
		t.Error("a message after Close")
	}
	if err := l.Observe("time-pos"); !errors.Is(err, ErrLinkClosed) {
		t.Errorf("Observe after Close: %v, want ErrLinkClosed", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// DialLink keeps trying while there is no socket, or a dead one, and gives up with ctx's error;
// an error that retrying cannot fix ends it at once.
func TestDialLinkNobody(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "stale.sock")
	ln, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // the file stays: connecting is refused

	expiring := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 300*time.Millisecond)
	}
	cancelled := func() (context.Context, context.CancelFunc) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return ctx, cancel
	}
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		path string
		want error
	}{
		{"no socket", expiring, filepath.Join(dir, "none.sock"), context.DeadlineExceeded},
		{"refused", expiring, stale, context.DeadlineExceeded},
		{"cancelled", cancelled, filepath.Join(dir, "none.sock"), context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := tt.ctx()
			defer cancel()
			l, err := DialLink(ctx, tt.path)
			if !errors.Is(err, tt.want) {
				t.Errorf("DialLink = %v, %v; want %v", l, err, tt.want)
			}
		})
	}
	t.Run("path too long", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), guard)
		defer cancel()
		_, err := DialLink(ctx, filepath.Join(dir, strings.Repeat("x", 200)))
		if err == nil || ctx.Err() != nil {
			t.Errorf("DialLink = %v, want an error before the guard", err)
		}
	})
}

// DialLink connects once the socket appears.
func TestDialLinkWaits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mpv.sock")
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	type result struct {
		l   *Link
		err error
	}
	done := make(chan result, 1)
	go func() {
		l, err := DialLink(ctx, path)
		done <- result{l, err}
	}()
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conns := accept(t, ln)
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	defer r.l.Close()
	if c := <-conns; c == nil {
		t.Fatal("accept failed")
	}
}

func TestMessageValues(t *testing.T) {
	tests := []struct {
		data   string
		f      float64
		fOK    bool
		b, bOK bool
	}{
		{data: `12.5`, f: 12.5, fOK: true},
		{data: `0`, f: 0, fOK: true},
		{data: `-3`, f: -3, fOK: true},
		{data: `true`, b: true, bOK: true},
		{data: `false`, b: false, bOK: true},
		{data: `null`},
		{data: ``},
		{data: `"12"`},
		{data: `{"a":1}`},
	}
	for _, tt := range tests {
		m := Message{Event: "property-change", Name: "x", Data: json.RawMessage(tt.data)}
		if f, ok := m.Float(); f != tt.f || ok != tt.fOK {
			t.Errorf("Float(%s) = %v, %v; want %v, %v", tt.data, f, ok, tt.f, tt.fOK)
		}
		if b, ok := m.Bool(); b != tt.b || ok != tt.bOK {
			t.Errorf("Bool(%s) = %v, %v; want %v, %v", tt.data, b, ok, tt.b, tt.bOK)
		}
	}
}
