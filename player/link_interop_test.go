//go:build unix

package player

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// requireTools skips the test when a program is missing, or fails it under CI=true.
func requireTools(t *testing.T, names ...string) {
	t.Helper()
	var missing []string
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		skipUnlessCI(t, "interop: missing programs: "+strings.Join(missing, ", ")+" (.ci/run installs them)")
	}
}

// makeClip writes dir/name: seconds of 160x120 H.264 at 25 frames a second, a keyframe every
// second.
func makeClip(t *testing.T, dir, name string, seconds int) string {
	t.Helper()
	path := filepath.Join(dir, name)
	out, err := exec.Command("ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi",
		"-i", "testsrc=size=160x120:rate=25", "-t", strconv.Itoa(seconds), "-c:v", "libx264", "-g", "25", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	return path
}

// startMPV starts the real mpv on m through Player.Command, headless, with its output in the
// returned writer; it is killed and reaped at cleanup.
func startMPV(t *testing.T, ctx context.Context, m Media, args ...string) (*exec.Cmd, *lockedWriter) {
	t.Helper()
	p := Player{Name: MPV, Path: "mpv", Args: append([]string{"--no-config", "--vo=null", "--ao=null"}, args...)}
	cmd := p.Command(ctx, m)
	out := &lockedWriter{w: new(bytes.Buffer)}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd, out
}

// nextCtx returns the next message, failing the test when Messages closes or ctx ends.
func nextCtx(t *testing.T, ctx context.Context, l *Link, out *lockedWriter) Message {
	t.Helper()
	select {
	case m, ok := <-l.Messages():
		if !ok {
			t.Fatalf("Messages closed early; mpv said:\n%s", out)
		}
		return m
	case <-ctx.Done():
		t.Fatalf("no message from mpv: %v; mpv said:\n%s", ctx.Err(), out)
	}
	return Message{}
}

// The link with the real mpv, started with Media.IPC and Media.Start: playback starts at the
// start position, time-pos grows, show-text reaches mpv, and when mpv is killed Messages closes
// and writes fail instead of blocking.
func TestInteropLink(t *testing.T) {
	if testing.Short() {
		t.Skip("interop: -short")
	}
	requireTools(t, "mpv", "ffmpeg")
	dir := t.TempDir()
	clip := makeClip(t, dir, "clip.mkv", 6)
	sock := filepath.Join(dir, "mpv.sock")
	ctx, cancel := context.WithTimeout(context.Background(), interopTimeout)
	defer cancel()
	const start = 2500 * time.Millisecond
	// show-text is one of mpv's "noisy" commands, logged at trace level only.
	cmd, out := startMPV(t, ctx, Media{URL: clip, Start: start, IPC: sock},
		"--keep-open=yes", "--msg-level=all=warn,cplayer=trace")

	l, err := DialLink(ctx, sock)
	if err != nil {
		t.Fatalf("DialLink: %v; mpv said:\n%s", err, out)
	}
	defer l.Close()
	if err := l.Observe("time-pos", "paused-for-cache", "eof-reached"); err != nil {
		t.Fatal(err)
	}
	var positions []float64
	seen := map[string]bool{}
	for len(positions) < 10 {
		m := nextCtx(t, ctx, l, out)
		seen[m.Name] = true
		if m.Name == "eof-reached" {
			if eof, ok := m.Bool(); ok && eof {
				t.Fatalf("eof reached after time-pos %v", positions)
			}
		}
		if f, ok := m.Float(); ok && m.Name == "time-pos" {
			positions = append(positions, f)
		}
	}
	if !seen["paused-for-cache"] || !seen["eof-reached"] {
		t.Errorf("properties reported: %v, want paused-for-cache and eof-reached too", seen)
	}
	if first := positions[0]; first < start.Seconds()-0.5 {
		t.Errorf("first time-pos %.3f, want at least %.3f (--start)", first, start.Seconds()-0.5)
	}
	for i := 1; i < len(positions); i++ {
		if positions[i] <= positions[i-1] {
			t.Errorf("time-pos went %v, want it growing", positions)
			break
		}
	}

	const text = "btstream link test: 3 peers, 1.2 of 2.0 MB/s"
	if err := l.ShowText(text, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	// mpv logs the command as it runs it, on its stdout, which reaches out through a pipe a
	// moment later (the log line can come after the IPC reply): wait for it, until ctx ends.
	const logged = `Run command: show-text, flags=64, args=[text="` + text + `", duration="3000"`
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !strings.Contains(out.String(), logged) {
		select {
		case <-ctx.Done():
			t.Fatalf("mpv's log lacks %q:\n%s", logged, out)
		case <-tick.C:
		}
	}

	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case _, ok := <-l.Messages():
			if ok {
				continue
			}
		case <-ctx.Done():
			t.Fatal("Messages not closed after mpv was killed")
		}
		break
	}
	if err := l.ShowText("gone", time.Second); !errors.Is(err, ErrLinkClosed) {
		t.Errorf("ShowText after mpv died: %v, want ErrLinkClosed", err)
	}
	if err := l.Command("set_property", "pause", true); !errors.Is(err, ErrLinkClosed) {
		t.Errorf("Command after mpv died: %v, want ErrLinkClosed", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// Media.Start with a playlist on the command line starts the first entry there and the
// second at its beginning, as the real mpv plays them.
func TestInteropLinkStartFirstEntry(t *testing.T) {
	if testing.Short() {
		t.Skip("interop: -short")
	}
	requireTools(t, "mpv", "ffmpeg")
	dir := t.TempDir()
	first, second := makeClip(t, dir, "e1.mkv", 3), makeClip(t, dir, "e2.mkv", 3)
	sock := filepath.Join(dir, "mpv.sock")
	ctx, cancel := context.WithTimeout(context.Background(), interopTimeout)
	defer cancel()
	const start = 1500 * time.Millisecond
	_, out := startMPV(t, ctx, Media{URL: "unused.m3u", Playlist: true, Start: start, IPC: sock,
		Entries: []Entry{{URL: first, Title: "E1"}, {URL: second, Title: "E2"}}}, "--msg-level=all=warn")

	l, err := DialLink(ctx, sock)
	if err != nil {
		t.Fatalf("DialLink: %v; mpv said:\n%s", err, out)
	}
	defer l.Close()
	if err := l.Observe("playlist-pos", "time-pos"); err != nil {
		t.Fatal(err)
	}
	firstPos := map[float64]float64{} // playlist-pos -> its first time-pos
	pos, ended := -1.0, ""
	for len(firstPos) < 2 {
		m := nextCtx(t, ctx, l, out)
		if m.Event == "end-file" && ended == "" {
			ended = m.Reason
		}
		f, ok := m.Float()
		if !ok {
			continue
		}
		switch m.Name {
		case "playlist-pos":
			pos = f
		case "time-pos":
			if _, done := firstPos[pos]; !done && pos >= 0 {
				firstPos[pos] = f
			}
		}
	}
	if got := firstPos[0]; got < start.Seconds()-0.5 {
		t.Errorf("first entry started at %.3f, want at least %.3f", got, start.Seconds()-0.5)
	}
	if got := firstPos[1]; got > 0.5 {
		t.Errorf("second entry started at %.3f, want its beginning", got)
	}
	if ended != "eof" {
		t.Errorf("first end-file reason %q, want eof", ended)
	}
}
