package player

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"
)

// ErrLinkClosed is returned, wrapped, by a Link's writes once the link is closed: by Close,
// because mpv went away, or because an earlier write failed. Test with errors.Is.
var ErrLinkClosed = errors.New("mpv ipc link closed")

const (
	// linkWriteTimeout bounds each write, waiting for an earlier one included.
	linkWriteTimeout = time.Second
	// linkBuffer is how many messages wait for the consumer before new ones are dropped:
	// mpv sends time-pos about 25 times a second, so tens of seconds' worth.
	linkBuffer = 1024
	// maxLinkLine bounds one message from mpv; longer ones are skipped.
	maxLinkLine = 1 << 20
	// dialRetryMax is the longest pause between DialLink's attempts.
	dialRetryMax = 200 * time.Millisecond
)

// Link is a connection to a running mpv's JSON IPC socket (mpv's manual, "JSON IPC"). Its
// methods may be called from any goroutine. A write (Observe, ShowText, Command) returns
// within about a second whatever mpv does, and does not wait for mpv's reply; a write that
// fails closes the link, since a partly written command would garble the next.
//
// It speaks to Unix domain sockets only; on Windows, where mpv's socket is a named pipe,
// DialLink fails with errors.ErrUnsupported.
type Link struct {
	conn    net.Conn
	msgs    chan Message
	done    chan struct{} // closed when the reader has ended and closed msgs
	sem     chan struct{} // one writer at a time
	nextID  atomic.Int64  // observe_property ids
	dropped atomic.Uint64
}

// Message is one message from mpv: a property change or another event. Replies to commands
// are not delivered.
type Message struct {
	// Event is mpv's event name: "property-change", "end-file", "seek", "playback-restart"...
	Event string
	// Name and Data are the property and its new value, for "property-change"; Data is JSON
	// null when the property is unavailable (time-pos before playback starts).
	Name string
	Data json.RawMessage
	// Reason is why a file ended, for "end-file": "eof", "stop", "quit", "error", "redirect".
	Reason string
	// At is when the message arrived.
	At time.Time
}

// Float returns Data as a number; false when it is null, absent or not a number.
func (m Message) Float() (float64, bool) {
	var f *float64
	if json.Unmarshal(m.Data, &f) != nil || f == nil {
		return 0, false
	}
	return *f, true
}

// Bool returns Data as a boolean; false when it is null, absent or not a boolean.
func (m Message) Bool() (value, ok bool) {
	var b *bool
	if json.Unmarshal(m.Data, &b) != nil || b == nil {
		return false, false
	}
	return *b, true
}

// DialLink connects to mpv's IPC socket at path, retrying (mpv creates the socket a moment
// after it starts) while the socket does not exist or refuses, until it accepts or ctx ends;
// then the error wraps ctx.Err(). Other errors (a path too long for a socket, no permission)
// end it at once. The returned Link must be closed.
func DialLink(ctx context.Context, path string) (*Link, error) {
	if runtime.GOOS == "windows" {
		return nil, fmt.Errorf("dial mpv ipc %s: %w", path, errors.ErrUnsupported)
	}
	var d net.Dialer
	pause := 10 * time.Millisecond
	for {
		conn, err := d.DialContext(ctx, "unix", path)
		if err == nil {
			return newLink(conn), nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("dial mpv ipc %s: %w (last try: %v)", path, ctx.Err(), err)
		}
		if !errors.Is(err, syscall.ENOENT) && !errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("dial mpv ipc: %w", err)
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("dial mpv ipc %s: %w (last try: %v)", path, ctx.Err(), err)
		case <-t.C:
		}
		pause = min(2*pause, dialRetryMax)
	}
}

// newLink starts the reader of conn.
func newLink(conn net.Conn) *Link {
	l := &Link{
		conn: conn,
		msgs: make(chan Message, linkBuffer),
		done: make(chan struct{}),
		sem:  make(chan struct{}, 1),
	}
	go l.read()
	return l
}

// Messages delivers what mpv sends: property changes and events, stamped when they arrived.
// It is closed when the link breaks or is closed. Messages that arrive while the channel's
// buffer (1024) is full are dropped and counted (Dropped): the link never waits for its
// consumer.
func (l *Link) Messages() <-chan Message { return l.msgs }

// Dropped is how many messages were dropped because Messages was full.
func (l *Link) Dropped() uint64 { return l.dropped.Load() }

// Observe asks mpv to report changes of the named properties (observe_property, one id per
// name). mpv sends each property's current value at once, then every change.
func (l *Link) Observe(names ...string) error {
	for _, name := range names {
		if err := l.Command("observe_property", l.nextID.Add(1), name); err != nil {
			return err
		}
	}
	return nil
}

// ShowText shows text in mpv's OSD for d (show-text; d ≤ 0 is mpv's --osd-duration). mpv does
// not expand ${properties} in a command sent over IPC, so text is shown as given.
func (l *Link) ShowText(text string, d time.Duration) error {
	ms := int64(-1)
	if d > 0 {
		ms = d.Milliseconds()
	}
	return l.Command("show-text", text, ms)
}

// Command sends the command args (mpv's name and its arguments, e.g. "set_property", "pause",
// true), without waiting for mpv's reply, which is discarded.
func (l *Link) Command(args ...any) error {
	if len(args) == 0 {
		return errors.New("mpv ipc: empty command")
	}
	b, err := json.Marshal(struct {
		Command []any `json:"command"`
	}{args})
	if err != nil {
		return fmt.Errorf("mpv ipc: %w", err)
	}
	return l.write(append(b, '\n'))
}

// write sends one line, giving up after linkWriteTimeout, the wait for another writer
// included (an error wrapping os.ErrDeadlineExceeded). A failed write closes the link.
func (l *Link) write(line []byte) error {
	deadline := time.Now().Add(linkWriteTimeout)
	t := time.NewTimer(linkWriteTimeout)
	defer t.Stop()
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return ErrLinkClosed
	case <-t.C:
		return fmt.Errorf("mpv ipc write: waiting for another write: %w", os.ErrDeadlineExceeded)
	}
	defer func() { <-l.sem }()
	select {
	case <-l.done:
		return ErrLinkClosed
	default:
	}
	if err := l.conn.SetWriteDeadline(deadline); err != nil {
		l.conn.Close()
		return fmt.Errorf("%w: %w", ErrLinkClosed, err)
	}
	if _, err := l.conn.Write(line); err != nil {
		l.conn.Close()
		return fmt.Errorf("%w: write: %w", ErrLinkClosed, err)
	}
	return nil
}

// Close closes the link and waits for its reader to end; Messages is then closed. It may be
// called more than once, and after the link broke.
func (l *Link) Close() error {
	err := l.conn.Close()
	<-l.done
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// read delivers mpv's messages until the connection ends, then closes it, Messages and done.
func (l *Link) read() {
	defer close(l.done)
	defer close(l.msgs)
	defer l.conn.Close()
	r := bufio.NewReaderSize(l.conn, 64<<10)
	for {
		line, err := readLine(r, maxLinkLine)
		if err != nil {
			return
		}
		m, ok := parseMessage(line)
		if !ok {
			continue
		}
		m.At = time.Now()
		select {
		case l.msgs <- m:
		default:
			l.dropped.Add(1)
		}
	}
}

// parseMessage reads one line from mpv; ok is false for a reply to a command, or for what is
// not a JSON object.
func parseMessage(line []byte) (m Message, ok bool) {
	var raw struct {
		Event  string          `json:"event"`
		Name   string          `json:"name"`
		Data   json.RawMessage `json:"data"`
		Reason string          `json:"reason"`
	}
	if json.Unmarshal(line, &raw) != nil || raw.Event == "" {
		return Message{}, false
	}
	m = Message{Event: raw.Event, Reason: raw.Reason}
	if raw.Event == "property-change" {
		m.Name, m.Data = raw.Name, raw.Data
	}
	return m, true
}

// readLine reads one line of at most max bytes (newline included) from r; a longer line is
// consumed and returned empty. The error is r's (io.EOF after a last line without newline is
// not an error: that line is returned first).
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	long := false
	for {
		chunk, err := r.ReadSlice('\n')
		if !long && len(line)+len(chunk) > max {
			long, line = true, nil
		}
		if !long {
			line = append(line, chunk...)
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == nil, errors.Is(err, io.EOF) && len(line) > 0:
			return line, nil
		}
		return nil, err
	}
}
