package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// A subtitle that no peer has does not hold the film back: the player
// starts without it, at most subtitleWait after the video is ready, and
// stderr and the JSON events say which subtitle was left out.
func TestBinaryMissingSubtitleSkipped(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "film")
	// The video fills whole pieces, so the subtitle's piece is its own.
	torrenttest.WriteFile(t, dir, "movie.mkv", torrenttest.Pattern(512<<10))
	srt := torrenttest.WriteFile(t, dir, "movie.srt", []byte("1\n00:00:00,000 --> 00:00:01,000\nhi\n"))
	mi := torrenttest.MetaInfo(t, dir, 64<<10)
	// The seeder's folder lacks the subtitle: nobody can serve its piece.
	if err := os.Remove(srt); err != nil {
		t.Fatal(err)
	}
	s := torrenttest.NewSeeder(t, dir, 64<<10, torrenttest.SeederOptions{MetaInfo: mi})
	tmp := t.TempDir()
	tf := writeTorrent(t, tmp, "film.torrent", mi)
	mpv, env, args := recordingMpv(t)
	cmd := btstreamCmd(t, tmp, "--json", "--player", mpv, "--peer", s.Addr(), tf)
	cmd.Env = append(cmd.Env, env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	guard(t, cmd)
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	got, err := args()
	if err != nil {
		t.Fatalf("the player did not start: %v; stderr: %s", err, stderr.String())
	}
	for _, a := range got {
		if strings.HasPrefix(a, "--sub-file=") {
			t.Errorf("the missing subtitle reached the player: %q", a)
		}
	}
	if want := "subtitle movie.srt has not arrived"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
	}
	var skipped []string
	for line := range strings.Lines(stdout.String()) {
		var ev struct {
			Event string `json:"event"`
			Path  string `json:"path"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("bad event %q: %v", line, err)
		}
		if ev.Event == "subtitle_skipped" {
			skipped = append(skipped, ev.Path)
		}
	}
	if len(skipped) != 1 || skipped[0] != "movie.srt" {
		t.Errorf("subtitle_skipped events for %q, want movie.srt; stdout:\n%s", skipped, stdout.String())
	}
	noLeftovers(t, tmp)
}

// A film whose container btstream does not read has its end fetched first,
// in case an index is there; when no peer has the end, the player starts
// without it, torrentutil.GuessWait after the start buffer is in, with a
// note.
func TestBinaryMissingEndSkipped(t *testing.T) {
	dir := t.TempDir()
	const pieceLen, pieces = 64 << 10, 64 // 4 MiB; the guessed index is the last 1 MiB
	real := func(i int) bool { return i < pieces-16 }
	mi := torrenttest.WriteSparse(t, dir, torrenttest.Sparse{Name: "movie.mkv", PieceLen: pieceLen, Length: pieces * pieceLen, Real: real})
	s := torrenttest.NewSeeder(t, filepath.Join(dir, "movie.mkv"), pieceLen,
		torrenttest.SeederOptions{MetaInfo: mi, Storage: torrenttest.KnownPieces(real)})
	tmp := t.TempDir()
	tf := writeTorrent(t, tmp, "movie.torrent", mi)
	mpv, env, args := recordingMpv(t)
	// An explicit --buffer: no early start, which could otherwise skip
	// the wait by trusting the rate to bring the end in time.
	cmd := btstreamCmd(t, tmp, "--json", "--buffer", "64KiB", "--player", mpv, "--peer", s.Addr(), tf)
	cmd.Env = append(cmd.Env, env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	guard(t, cmd)
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	if _, err := args(); err != nil {
		t.Fatalf("the player did not start: %v; stderr: %s", err, stderr.String())
	}
	if want := "the end of movie.mkv has not arrived"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"event":"index_skipped"`) {
		t.Errorf("no index_skipped event:\n%s", stdout.String())
	}
	noLeftovers(t, tmp)
}

// writeTorrent writes mi as the .torrent file name in dir and returns its
// path.
func writeTorrent(t testing.TB, dir, name string, mi *metainfo.MetaInfo) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, bencode.MustMarshal(mi), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
