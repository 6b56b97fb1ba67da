package pick

import (
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/btstream/btstream/torrentutil/source"
)

// entries makes FileEntries numbered in order from path, size pairs.
func entries(specs ...any) []source.FileEntry {
	var out []source.FileEntry
	for i := 0; i < len(specs); i += 2 {
		out = append(out, source.FileEntry{Index: len(out), Path: specs[i].(string), Size: int64(specs[i+1].(int))})
	}
	return out
}

func TestPick(t *testing.T) {
	tests := []struct {
		name  string
		files []source.FileEntry
		sel   string
		want  int    // index; -1 = error
		why   Reason // the error's reason, when want is -1
	}{
		{"largest video", entries("a.mkv", 10, "b.mp4", 30, "c.avi", 20), "", 1, 0},
		{"bigger non-video ignored", entries("a.iso", 1000, "b.mkv", 10), "", 1, 0},
		{"sample loses though bigger", entries("Movie.mkv", 10, "Movie.sample.mkv", 50), "", 0, 0},
		{"sample folder loses", entries("Sample/movie.mkv", 50, "movie.mkv", 10), "", 1, 0},
		{"samples folder, any case", entries("x/SAMPLES/a.mkv", 50, "x/a.mkv", 10), "", 1, 0},
		{"underscore sample", entries("movie_sample.mkv", 50, "movie.mkv", 10), "", 1, 0},
		{"resample is no sample", entries("resample.mkv", 50, "movie.mkv", 10), "", 0, 0},
		{"only samples: largest sample", entries("a-sample.mkv", 5, "b-sample.mkv", 8, "x.nfo", 99), "", 1, 0},
		{"upper-case extension", entries("MOVIE.MKV", 10, "readme.txt", 99), "", 0, 0},
		{"nested paths", entries("Show/Season 1/e1.mkv", 10, "Show/Season 2/e2.mkv", 20), "", 1, 0},
		{"tie goes to lower index", entries("b.mkv", 10, "a.mkv", 10), "", 0, 0},
		{"zero-length video is not playable", entries("movie.mkv", 0, "readme.txt", 5), "", -1, NoPlayable},
		{"no video: the files to choose from", entries("a.txt", 1536, "b.jpg", 5), "", -1, NoPlayable},
		{"no files", nil, "", -1, NoPlayable},
		{"index picks any file", entries("a.mkv", 10, "b.txt", 5), "1", 1, 0},
		{"index out of range", entries("a.mkv", 10), "7", -1, NoSuchIndex},
		{"index of an empty file", entries("a.mkv", 10, "b.txt", 0), "1", -1, EmptyIndex},
		{"huge index", entries("a.mkv", 10), "99999999999999999999", -1, NoSuchIndex},
		{"glob on base name, case-insensitive", entries("dir/Ep1.MKV", 10, "dir/ep2.mkv", 20, "dir/x.txt", 99), "EP*.mkv", 1, 0},
		{"glob on full path", entries("a/x.mkv", 30, "b/x.mkv", 10), "b/*", 1, 0},
		{"glob allows non-video", entries("a.mkv", 30, "notes.txt", 10), "*.txt", 1, 0},
		{"glob no match", entries("a.mkv", 30), "*.mp4", -1, NoMatch},
		{"many files, all of them", entries(slices.Repeat([]any{"x.txt", 1}, 25)...), "", -1, NoPlayable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Pick(tt.files, tt.sel)
			if tt.want < 0 {
				var nv *NoVideoError
				if !errors.Is(err, ErrNoVideo) || !errors.As(err, &nv) {
					t.Fatalf("err = %v, want a *NoVideoError that is ErrNoVideo", err)
				}
				if nv.Reason != tt.why || nv.Sel != tt.sel || !slices.Equal(nv.Files, tt.files) {
					t.Fatalf("err = %+v, want reason %v, choice %q and all %d files", nv, tt.why, tt.sel, len(tt.files))
				}
				return
			}
			if err != nil || got != tt.files[tt.want] {
				t.Fatalf("Pick = %+v, %v; want %+v", got, err, tt.files[tt.want])
			}
		})
	}
}

func TestPickBadGlob(t *testing.T) {
	_, err := Pick(entries("a.mkv", 1), "[")
	if !errors.Is(err, path.ErrBadPattern) || errors.Is(err, ErrNoVideo) {
		t.Fatalf("err = %v, want path.ErrBadPattern", err)
	}
}

func TestPlaylist(t *testing.T) {
	files := entries(
		"Show/S01E10.mkv", 5, "Show/S01E02.mkv", 5, "Show/s01e01.mkv", 5, "Show/S01E02.srt", 1,
		"Show/Sample/S01E01.mkv", 5, "Show/S02E01.mkv", 5, "Show/S01E03.mkv", 0, "Show/S01E009.mp4", 5,
	)
	var got []string
	for _, f := range Playlist(files) {
		got = append(got, f.Path)
	}
	want := []string{"Show/s01e01.mkv", "Show/S01E02.mkv", "Show/S01E009.mp4", "Show/S01E10.mkv", "Show/S02E01.mkv"}
	if !slices.Equal(got, want) {
		t.Errorf("Playlist = %q\nwant       %q", got, want)
	}
}

func TestPickNatural(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"ep2", "ep10", -1}, {"ep10", "ep2", 1}, {"ep02", "ep2", 0}, {"a", "B", -1},
		{"x1y2", "x1y10", -1}, {"1", "a", -1}, {"abc", "abc1", -1}, {"", "", 0},
		{"99999999999999999999999", "100000000000000000000000", -1},
	}
	for _, tt := range tests {
		if got := natural(tt.a, tt.b); got != tt.want {
			t.Errorf("natural(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestSubtitles(t *testing.T) {
	movie := entries(
		"Movie.mkv", 100, "Movie.srt", 1, "Movie.en.srt", 1, "movie.ENG.forced.ASS", 1, "English.srt", 1,
		"Subs/2_English.srt", 1, "Subtitles/fr/French.vtt", 1, "Other/Movie.srt", 1, "Movie.nfo", 1, "Sample/Movie-sample.mkv", 5,
	)
	show := entries(
		"S01E01.mkv", 100, "S01E02.mkv", 100, "S01E01.en.srt", 1, "S01E02.srt", 1, "English.srt", 1,
		"Subs/S01E01/2_English.srt", 1, "Subs/S01E02/2_English.srt", 1, "Subs/S01E01.de.sub", 1, "Subs/misc.ssa", 1, "S01E010.srt", 1,
	)
	tests := []struct {
		name  string
		files []source.FileEntry
		video int
		want  []string
	}{
		{"single video: same name, language suffix, folder and Subs", movie, 0,
			[]string{"Movie.srt", "Movie.en.srt", "movie.ENG.forced.ASS", "English.srt", "Subs/2_English.srt", "Subtitles/fr/French.vtt"}},
		{"episode 1", show, 0, []string{"S01E01.en.srt", "Subs/S01E01/2_English.srt", "Subs/S01E01.de.sub"}},
		{"episode 2", show, 1, []string{"S01E02.srt", "Subs/S01E02/2_English.srt"}},
		{"nested video", entries("Show/E1.mkv", 9, "Show/E2.mkv", 9, "Show/Subs/E1/en.srt", 1, "Subs/E1/en.srt", 1, "Show/E1.srt", 1), 0,
			[]string{"Show/Subs/E1/en.srt", "Show/E1.srt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range Subtitles(tt.files, tt.files[tt.video]) {
				got = append(got, f.Path)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Subtitles = %q\nwant        %q", got, tt.want)
			}
		})
	}
}

// TestPickBadSources runs the bad .torrent fixtures that parse (see
// source's TestBadSources) through Pick: each has nothing to play.
func TestPickBadSources(t *testing.T) {
	tests := []struct {
		file string
		why  Reason
	}{
		{"zero-length-video.torrent", NoPlayable},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, err := source.Parse(context.Background(), filepath.Join("..", "..", "testdata", "bad", tt.file), source.Options{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			info, err := s.Inspect()
			if err != nil {
				t.Fatal(err)
			}
			var nv *NoVideoError
			if _, err := Pick(info.Files, ""); !errors.As(err, &nv) || nv.Reason != tt.why {
				t.Fatalf("err = %v, want a *NoVideoError for %v", err, tt.why)
			}
		})
	}
}

// FuzzPick checks that Pick, Playlist and Subtitles never panic on any file
// list, and that the file Pick returns is one of the list. Seeds are the
// file lists of the .torrent fixtures, good and bad, that parse.
func FuzzPick(f *testing.F) {
	good, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "*.torrent"))
	bad, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "bad", "*.torrent"))
	for _, p := range append(good, bad...) {
		s, err := source.Parse(context.Background(), p, source.Options{})
		if err != nil {
			continue
		}
		info, err := s.Inspect()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(encodeFiles(info.Files), "")
		f.Add(encodeFiles(info.Files), "1")
	}
	f.Add(encodeFiles(entries("Show/S01E01.mkv", 5, "Show/Subs/S01E01/en.srt", 1)), "*.mkv")
	f.Fuzz(func(t *testing.T, list, sel string) {
		files := decodeFiles(list)
		got, err := Pick(files, sel)
		if err == nil && !slices.Contains(files, got) {
			t.Fatalf("Pick = %+v, not one of the files", got)
		}
		_ = Playlist(files)
		if err == nil {
			_ = Subtitles(files, got)
		}
	})
}

// encodeFiles writes files one a line, "size path", in index order.
func encodeFiles(files []source.FileEntry) string {
	var b strings.Builder
	for _, f := range files {
		fmt.Fprintf(&b, "%d %s\n", f.Size, f.Path)
	}
	return b.String()
}

// decodeFiles reads what encodeFiles writes, numbering the files by line;
// a size that does not parse is 0.
func decodeFiles(s string) []source.FileEntry {
	var out []source.FileEntry
	for i, line := range strings.Split(s, "\n") {
		size, path, _ := strings.Cut(line, " ")
		n, _ := strconv.ParseInt(size, 10, 64)
		out = append(out, source.FileEntry{Index: i, Path: path, Size: n})
	}
	return out
}
