package main

// A headless mpv driven over its JSON IPC socket, for BenchmarkInteropStream:
// started idle, its properties observed, then told to load the URL, so that no
// event is missed; the first frame and the end of a seek are its
// playback-restart events, a pause for the network is paused-for-cache.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// mpvEvent is one line mpv sends on its IPC socket, stamped when it came.
type mpvEvent struct {
	at        time.Time
	Event     string          `json:"event"`
	Name      string          `json:"name"` // property-change: the property
	Data      json.RawMessage `json:"data"` // property-change: its value
	Reason    string          `json:"reason"`
	FileError string          `json:"file_error"`
}

// number is the event's data as a number; false when it is not one (null).
func (ev mpvEvent) number() (float64, bool) {
	var v *float64
	if json.Unmarshal(ev.Data, &v) != nil || v == nil {
		return 0, false
	}
	return *v, true
}

// mpvIPC is one headless mpv in a network namespace and the connection to its
// IPC socket.
type mpvIPC struct {
	run    *binaryRun
	log    string // mpv's --log-file, shown when the benchmark fails
	conn   net.Conn
	events chan mpvEvent // closed when the socket closes
	quit   chan struct{} // closed at cleanup: the reader stops sending
	wg     sync.WaitGroup
}

// startMpv starts mpv idle (--vo=null --ao=null, no config) in the network
// namespace ns and connects to its IPC socket. A cleanup closes the connection,
// waits for the reader and kills mpv.
func startMpv(t testing.TB, ns string) *mpvIPC {
	t.Helper()
	dir := t.TempDir()
	sock := filepath.Join(dir, "mpv.sock")
	m := &mpvIPC{log: filepath.Join(dir, "mpv.log"), events: make(chan mpvEvent, 1024), quit: make(chan struct{})}
	cmd := inNetnsCmd(t, ns, exec.Command("mpv", "--no-config", "--vo=null", "--ao=null", "--idle=yes",
		"--keep-open=no", "--really-quiet", "--network-timeout=60",
		"--input-ipc-server="+sock, "--log-file="+m.log))
	cmd.Stdout = io.Discard
	m.run = startBinary(t, cmd)
	// The socket appears once mpv has started.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(startupTimeout)
	defer deadline.Stop()
	for {
		c, err := net.Dial("unix", sock)
		if err == nil {
			m.conn = c
			break
		}
		select {
		case <-tick.C:
		case <-m.run.done:
			t.Fatalf("mpv exited (%v) before its IPC socket was up:\n%s", m.run.err, m.run.stderr.tail(20))
		case <-deadline.C:
			t.Fatalf("no mpv IPC socket after %v: %v", startupTimeout, err)
		}
	}
	m.wg.Add(1)
	go m.read()
	t.Cleanup(func() {
		close(m.quit)
		m.conn.Close()
		m.wg.Wait()
		if t.Failed() {
			t.Logf("mpv log tail:\n%s", logTail(m.log))
		}
	})
	return m
}

// read turns the socket's lines into events until the socket closes.
func (m *mpvIPC) read() {
	defer m.wg.Done()
	defer close(m.events)
	sc := bufio.NewScanner(m.conn)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		ev := mpvEvent{at: time.Now()}
		if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.Event == "" { // a command's reply
			continue
		}
		select {
		case m.events <- ev:
		case <-m.quit:
			return
		}
	}
}

// command sends one IPC command.
func (m *mpvIPC) command(t testing.TB, args ...any) {
	t.Helper()
	line, err := json.Marshal(map[string]any{"command": args})
	if err == nil {
		_, err = m.conn.Write(append(line, '\n'))
	}
	if err != nil {
		t.Fatalf("mpv %v: %v", args, err)
	}
}

// mpvPlayback is what a benchmark run measures in the player.
type mpvPlayback struct {
	firstFrame time.Time     // the first frame (playback-restart after loadfile)
	seek       time.Duration // from the seek command to the next playback-restart
	pauses     int           // paused-for-cache episodes after the first frame
	paused     time.Duration // their total length
}

// playSeek loads u, plays for play seconds after the first frame, seeks to
// 50% and plays one second from where the seek landed, then quits mpv.
// firstFrame is called at the first frame. Each step must come within
// interopDeadline; mpv ending the file before the end fails the benchmark.
func (m *mpvIPC) playSeek(t testing.TB, u string, play float64, firstFrame func()) mpvPlayback {
	t.Helper()
	var p mpvPlayback
	pos, playing, pausedSince := math.NaN(), false, time.Time{}
	// next returns the next event, keeping the position and the pauses.
	next := func(what string) mpvEvent {
		t.Helper()
		deadline := time.NewTimer(interopDeadline)
		defer deadline.Stop()
		select {
		case ev, ok := <-m.events:
			if !ok {
				t.Fatalf("mpv closed its IPC socket before %s (exit %v):\n%s", what, m.run.err, m.run.stderr.tail(20))
			}
			switch {
			case ev.Event == "end-file":
				t.Fatalf("mpv ended the file before %s: %s %s", what, ev.Reason, ev.FileError)
			case ev.Event != "property-change":
			case ev.Name == "time-pos":
				if v, ok := ev.number(); ok {
					pos = v
				}
			case ev.Name == "paused-for-cache" && playing:
				var paused bool
				_ = json.Unmarshal(ev.Data, &paused)
				if paused && pausedSince.IsZero() {
					p.pauses, pausedSince = p.pauses+1, ev.at
				} else if !paused && !pausedSince.IsZero() {
					p.paused, pausedSince = p.paused+ev.at.Sub(pausedSince), time.Time{}
				}
			}
			return ev
		case <-deadline.C:
			t.Fatalf("no %s from mpv after %v (at %.2fs)", what, interopDeadline, pos)
		}
		return mpvEvent{} // not reached: Fatalf ends the goroutine
	}
	m.command(t, "observe_property", 1, "paused-for-cache")
	m.command(t, "observe_property", 2, "time-pos")
	m.command(t, "loadfile", u)
	ev := next("the first frame")
	for ev.Event != "playback-restart" {
		ev = next("the first frame")
	}
	p.firstFrame, playing = ev.at, true
	firstFrame()
	for !(pos >= play) {
		next(fmt.Sprintf("%.0fs of playback", play))
	}
	sent := time.Now()
	m.command(t, "seek", 50, "absolute-percent")
	for {
		if ev := next("the first frame after the seek"); ev.Event == "playback-restart" && ev.at.After(sent) {
			p.seek = ev.at.Sub(sent)
			break
		}
	}
	// time-pos jumps to the target at the seek command; where playback
	// resumed is the first position after the restart.
	for {
		if ev := next("a position after the seek"); ev.Name == "time-pos" {
			if _, ok := ev.number(); ok {
				break
			}
		}
	}
	for landed := pos; !(pos >= landed+1); {
		next("1s of playback after the seek")
	}
	if !pausedSince.IsZero() {
		p.paused += time.Since(pausedSince)
	}
	m.command(t, "quit")
	if code, _ := m.run.exit(t); code != exitOK {
		t.Errorf("mpv exit %d after quit", code)
	}
	return p
}

// rxBytes returns the bytes received so far on the device dev in the network
// namespace ns, headers included (ip -s -j link).
func rxBytes(ns, dev string) (int64, error) {
	out, err := exec.Command("ip", "-n", ns, "-s", "-j", "link", "show", "dev", dev).Output()
	if err != nil {
		return 0, fmt.Errorf("ip -n %s -s link show %s: %w", ns, dev, err)
	}
	var links []struct {
		Stats64 *struct {
			RX struct{ Bytes int64 } `json:"rx"`
		} `json:"stats64"`
	}
	if err := json.Unmarshal(out, &links); err != nil {
		return 0, fmt.Errorf("ip -n %s -s -j link show %s: %w", ns, dev, err)
	}
	if len(links) != 1 || links[0].Stats64 == nil {
		return 0, fmt.Errorf("ip -n %s -s -j link show %s: no counters in %s", ns, dev, out)
	}
	return links[0].Stats64.RX.Bytes, nil
}
