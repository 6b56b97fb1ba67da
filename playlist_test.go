package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/btstream/btstream/player"
	"github.com/btstream/btstream/torrentutil"
	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// seedDir seeds a multi-file torrent named name with the given files.
func seedDir(t *testing.T, name string, files map[string][]byte) *torrentutil.Seeder {
	t.Helper()
	root := filepath.Join(t.TempDir(), name)
	for p, b := range files {
		torrenttest.WriteFile(t, root, p, b)
	}
	return seedPath(t, root, torrentutil.Config{})
}

// --playlist hands the player an M3U of the episodes in natural order,
// samples left out, each entry serving its own file's bytes.
func TestPlaylist(t *testing.T) {
	files := map[string][]byte{
		"Show.S01E10.mkv":        torrenttest.Pattern(200<<10 + 10),
		"Show.S01E02.mkv":        torrenttest.Pattern(210<<10 + 2),
		"Show.S01E01.mkv":        torrenttest.Pattern(190<<10 + 1),
		"Sample/Show.sample.mkv": torrenttest.Pattern(50 << 10),
		"Show.nfo":               torrenttest.Pattern(1 << 10),
	}
	s := seedDir(t, "Show.S01", files)
	h := newHarness(t)
	var order []string
	h.play = func(ctx context.Context, _ player.Player, m player.Media) error {
		if !m.Playlist || m.Title != "" {
			return fmt.Errorf("media %+v: want a playlist without a forced title", m)
		}
		status, body, err := get(ctx, m.URL, "")
		if err != nil || status != http.StatusOK {
			return fmt.Errorf("playlist: %d %v", status, err)
		}
		sc := bufio.NewScanner(bytes.NewReader(body))
		var name string
		for sc.Scan() {
			line := sc.Text()
			if n, ok := strings.CutPrefix(line, "#EXTINF:-1,"); ok {
				name = n
				continue
			}
			if !strings.HasPrefix(line, "http") {
				continue
			}
			_, got, err := get(ctx, line, "")
			if err != nil {
				return err
			}
			if !bytes.Equal(got, files[name]) {
				return fmt.Errorf("%s: %d bytes differ", name, len(got))
			}
			order = append(order, name)
		}
		return nil
	}
	if code := h.run(timeout(t), "--playlist", s.Magnet()); code != exitOK {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	want := "Show.S01E01.mkv Show.S01E02.mkv Show.S01E10.mkv"
	if got := strings.Join(order, " "); got != want {
		t.Errorf("playlist %q, want %q", got, want)
	}
}

// Subtitles in the torrent that belong to the video are fetched before the
// player starts and handed to it as URLs; --subtitles adds a local file.
func TestSubtitles(t *testing.T) {
	srt := []byte("1\n00:00:01,000 --> 00:00:02,000\nHello\n")
	files := map[string][]byte{
		"Film.2020.mkv":    torrenttest.Pattern(400 << 10),
		"Film.2020.en.srt": srt,
		"Extras/Other.srt": []byte("not ours"),
	}
	s := seedDir(t, "Film.2020", files)
	local := filepath.Join(t.TempDir(), "mine.srt")
	os.WriteFile(local, srt, 0o644)
	h := newHarness(t)
	var subs []string
	h.play = func(ctx context.Context, _ player.Player, m player.Media) error {
		subs = m.Subtitles
		for _, sub := range m.Subtitles {
			if !strings.HasPrefix(sub, "http") {
				continue
			}
			_, body, err := get(ctx, sub, "")
			if err != nil || !bytes.Equal(body, srt) {
				return fmt.Errorf("subtitle %s: %q %v", sub, body, err)
			}
		}
		return nil
	}
	if code := h.run(timeout(t), "--subtitles", local, s.Magnet()); code != exitOK {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	if len(subs) != 2 || subs[0] != local || !strings.HasSuffix(subs[1], "/Film.2020.en.srt") {
		t.Errorf("subtitles %q, want the local file then the torrent's Film.2020.en.srt", subs)
	}
}

// --playlist gives each episode the subtitles that match it, and only
// those: the player gets one entry per episode with its own subtitle URLs,
// each serving that subtitle's bytes, and the M3U lists the episodes alone.
func TestPlaylistSubtitles(t *testing.T) {
	sub := func(s string) []byte { return []byte("1\n00:00:01,000 --> 00:00:02,000\n" + s + "\n") }
	files := map[string][]byte{
		"Show.S01E01.mkv":    torrenttest.Pattern(190<<10 + 1),
		"Show.S01E02.mkv":    torrenttest.Pattern(210<<10 + 2),
		"Show.S01E01.en.srt": sub("one, English"),
		"Show.S01E01.fr.srt": sub("un"),
		"Show.S01E02.en.srt": sub("two"),
		"Other.srt":          sub("nobody's"),
	}
	s := seedDir(t, "Show.S01", files)
	local := filepath.Join(t.TempDir(), "mine.srt")
	os.WriteFile(local, sub("mine"), 0o644)
	h := newHarness(t)
	got := map[string][]string{} // episode -> its subtitles, by name
	var global []string
	var listed int
	h.play = func(ctx context.Context, _ player.Player, m player.Media) error {
		global = m.Subtitles
		_, body, err := get(ctx, m.URL, "")
		if err != nil {
			return err
		}
		listed = strings.Count(string(body), "#EXTINF")
		for _, e := range m.Entries {
			if _, b, err := get(ctx, e.URL, ""); err != nil || !bytes.Equal(b, files[e.Title]) {
				return fmt.Errorf("episode %s: %d bytes differ (%v)", e.Title, len(b), err)
			}
			for _, u := range e.Subtitles {
				name := u[strings.LastIndex(u, "/")+1:]
				if _, b, err := get(ctx, u, ""); err != nil || !bytes.Equal(b, files[name]) {
					return fmt.Errorf("subtitle %s: %q (%v)", u, b, err)
				}
				got[e.Title] = append(got[e.Title], name)
			}
		}
		return nil
	}
	if code := h.run(timeout(t), "--playlist", "--subtitles", local, s.Magnet()); code != exitOK {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	want := map[string][]string{
		"Show.S01E01.mkv": {"Show.S01E01.en.srt", "Show.S01E01.fr.srt"},
		"Show.S01E02.mkv": {"Show.S01E02.en.srt"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("subtitles per episode %v, want %v", got, want)
	}
	if len(global) != 1 || global[0] != local {
		t.Errorf("subtitles for every episode %q, want the local file only", global)
	}
	if listed != 2 {
		t.Errorf("the M3U lists %d entries, want the 2 episodes", listed)
	}
}

// Real mpv, started by the real binary, plays each episode of a --playlist
// with that episode's subtitle selected: mpv prints its title and the
// subtitle's URL once each file plays (shown with -v).
func TestInteropMpvPlaylistSubtitles(t *testing.T) {
	requireTools(t, "mpv")
	demo, err := os.ReadFile(filepath.Join("testdata", "demo.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	sub := func(s string) []byte { return []byte("1\n00:00:00,000 --> 00:00:05,000\n" + s + "\n") }
	s := seedDir(t, "Show.S01", map[string][]byte{
		"Show.S01E01.mp4":    demo,
		"Show.S01E02.mp4":    append(slices.Clone(demo), 0), // another file, and it still plays
		"Show.S01E01.en.srt": sub("one"),
		"Show.S01E02.en.srt": sub("two"),
	})
	cmd := btstreamCmd(t, t.TempDir(), "-v", "--playlist", "--player", "mpv",
		"--player-arg=--no-config", "--player-arg=--vo=null", "--player-arg=--ao=null", "--player-arg=--end=0.5",
		"--player-arg=--term-playing-msg=PLAYING ${media-title} ${current-tracks/sub/external-filename}",
		s.Magnet())
	guard(t, cmd)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("btstream: %v\n%s", err, out)
	}
	var got []string
	for line := range strings.Lines(string(out)) {
		if rest, ok := strings.CutPrefix(line, "PLAYING "); ok {
			title, u, _ := strings.Cut(strings.TrimSpace(rest), " ")
			got = append(got, title+" "+u[strings.LastIndex(u, "/")+1:])
		}
	}
	want := []string{"Show.S01E01.mp4 Show.S01E01.en.srt", "Show.S01E02.mp4 Show.S01E02.en.srt"}
	if !slices.Equal(got, want) {
		t.Errorf("mpv played %q, want %q; output:\n%s", got, want, out)
	}
}
