package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/btstream/btstream/torrentutil"
)

// mpvRun is one btstream run playing in mpv, driven over mpv's IPC socket.
type mpvRun struct {
	url   string  // the listening event's URL
	start float64 // mpv's first position
}

// playInMpv runs the real binary on magnet with a headless mpv that keeps
// its positions in watchLater, and quits mpv once it has played for
// quitAfter seconds of the movie.
func playInMpv(t *testing.T, magnet, peer, watchLater string, quitAfter float64) mpvRun {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "mpv.sock")
	args := []string{"--json", "--player", "mpv", "--peer", peer}
	for _, a := range []string{"--no-config", "--vo=null", "--ao=null", "--save-position-on-quit",
		"--watch-later-directory=" + watchLater, "--input-ipc-server=" + sock} {
		args = append(args, "--player-arg="+a)
	}
	cmd := btstreamCmd(t, t.TempDir(), append(args, magnet)...)
	cmd.Env = slices.DeleteFunc(cmd.Env, func(kv string) bool { return strings.HasPrefix(kv, "BTSTREAM_ADDR=") })
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr tailBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	guard(t, cmd)
	var run mpvRun
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, `"event":"listening"`) {
			var ev listeningEvent
			json.Unmarshal([]byte(line), &ev)
			run.url = ev.URL
		}
		if strings.Contains(line, `"event":"player_started"`) {
			break
		}
	}
	go io.Copy(io.Discard, out)

	// The socket appears once mpv has started.
	var conn net.Conn
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for conn == nil {
		if conn, err = net.Dial("unix", sock); err == nil {
			break
		}
		if cmd.ProcessState != nil {
			t.Fatalf("btstream exited before mpv's socket was up: %s", stderr.tail(20))
		}
		<-tick.C
	}
	defer conn.Close()
	io.WriteString(conn, `{"command":["observe_property",1,"time-pos"]}`+"\n")
	started := false
	events := bufio.NewScanner(conn)
	for events.Scan() {
		var ev mpvEvent
		if json.Unmarshal(events.Bytes(), &ev) != nil || ev.Name != "time-pos" {
			continue
		}
		pos, ok := ev.number()
		if !ok {
			continue
		}
		if !started {
			started, run.start = true, pos
		}
		if pos >= run.start+quitAfter {
			io.WriteString(conn, `{"command":["quit"]}`+"\n")
			break
		}
	}
	if code := exitCode(cmd.Wait()); code != exitOK {
		t.Fatalf("btstream exited %d: %s", code, stderr.tail(20))
	}
	if !started {
		t.Fatalf("mpv never played: %s", stderr.tail(20))
	}
	return run
}

// mpv's own resume works across btstream runs: the URL is the same, so
// save-position-on-quit finds the position the first run left.
func TestInteropMpvResume(t *testing.T) {
	requireTools(t, "mpv", "ffmpeg")
	movie := makeMP4(t, t.TempDir(), 20)
	s := seedPath(t, movie, torrentutil.Config{})
	watchLater := t.TempDir()

	first := playInMpv(t, s.Magnet(), s.Addr(), watchLater, 3)
	if first.start > 1 {
		t.Fatalf("the first run started at %.1f s, want the beginning", first.start)
	}
	second := playInMpv(t, s.Magnet(), s.Addr(), watchLater, 1)
	t.Logf("first run from %.2f s, quit at 3 s of play; second run from %.2f s", first.start, second.start)
	if second.url != first.url {
		t.Errorf("the runs' URLs differ: %s, %s", first.url, second.url)
	}
	if second.start < 2.5 {
		t.Errorf("the second run started at %.1f s, want where the first quit (3 s)", second.start)
	}
	if saved, _ := filepath.Glob(filepath.Join(watchLater, "*")); len(saved) != 1 {
		t.Errorf("mpv saved %d positions, want 1: one URL", len(saved))
	}
}
