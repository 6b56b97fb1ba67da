package torrentutil

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/btstream/btstream/torrentutil/source"
)

// pickFiles makes FileEntries numbered in order from "path:size" pairs.
func pickFiles(specs ...any) []source.FileEntry {
	var out []source.FileEntry
	for i := 0; i < len(specs); i += 2 {
		out = append(out, source.FileEntry{Index: len(out), Path: specs[i].(string), Size: int64(specs[i+1].(int))})
	}
	return out
}

func TestPick(t *testing.T) {
	tests := []struct {
		name   string
		files  []source.FileEntry
		sel    string
		want   int    // index; -1 = error
		phrase string // in the error
	}{
		{"largest video", pickFiles("a.mkv", 10, "b.mp4", 30, "c.avi", 20), "", 1, ""},
		{"bigger non-video ignored", pickFiles("a.iso", 1000, "b.mkv", 10), "", 1, ""},
		{"sample loses though bigger", pickFiles("Movie.mkv", 10, "Movie.sample.mkv", 50), "", 0, ""},
		{"sample folder loses", pickFiles("Sample/movie.mkv", 50, "movie.mkv", 10), "", 1, ""},
		{"samples folder, any case", pickFiles("x/SAMPLES/a.mkv", 50, "x/a.mkv", 10), "", 1, ""},
		{"underscore sample", pickFiles("movie_sample.mkv", 50, "movie.mkv", 10), "", 1, ""},
		{"resample is no sample", pickFiles("resample.mkv", 50, "movie.mkv", 10), "", 0, ""},
		{"only samples: largest sample", pickFiles("a-sample.mkv", 5, "b-sample.mkv", 8, "x.nfo", 99), "", 1, ""},
		{"upper-case extension", pickFiles("MOVIE.MKV", 10, "readme.txt", 99), "", 0, ""},
		{"nested paths", pickFiles("Show/Season 1/e1.mkv", 10, "Show/Season 2/e2.mkv", 20), "", 1, ""},
		{"tie goes to lower index", pickFiles("b.mkv", 10, "a.mkv", 10), "", 0, ""},
		{"zero-length video is not playable", pickFiles("movie.mkv", 0, "readme.txt", 5), "", -1, "none of the files is a non-empty video"},
		{"no video lists files and hint", pickFiles("a.txt", 1536, "b.jpg", 5), "", -1, "   1        5 B  b.jpg\nchoose one with --file INDEX or --file 'GLOB'"},
		{"no files", nil, "", -1, "the torrent has 0 files"},
		{"index picks any file", pickFiles("a.mkv", 10, "b.txt", 5), "1", 1, ""},
		{"index out of range", pickFiles("a.mkv", 10), "7", -1, "no file with index 7"},
		{"index of an empty file", pickFiles("a.mkv", 10, "b.txt", 0), "1", -1, "file 1 is empty"},
		{"huge index", pickFiles("a.mkv", 10), "99999999999999999999", -1, "no file with index"},
		{"glob on base name, case-insensitive", pickFiles("dir/Ep1.MKV", 10, "dir/ep2.mkv", 20, "dir/x.txt", 99), "EP*.mkv", 1, ""},
		{"glob on full path", pickFiles("a/x.mkv", 30, "b/x.mkv", 10), "b/*", 1, ""},
		{"glob allows non-video", pickFiles("a.mkv", 30, "notes.txt", 10), "*.txt", 1, ""},
		{"glob no match", pickFiles("a.mkv", 30), "*.mp4", -1, `no non-empty file matches "*.mp4"`},
		{"long listing is cut", pickFiles(slices.Repeat([]any{"x.txt", 1}, 25)...), "", -1, "… and 5 more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Pick(tt.files, tt.sel)
			if tt.want < 0 {
				if !errors.Is(err, ErrNoVideo) || !strings.Contains(err.Error(), tt.phrase) {
					t.Fatalf("err = %v, want ErrNoVideo with %q", err, tt.phrase)
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
	_, err := Pick(pickFiles("a.mkv", 1), "[")
	if err == nil || errors.Is(err, ErrNoVideo) {
		t.Fatalf("err = %v, want a bad pattern error", err)
	}
}

func TestPlaylist(t *testing.T) {
	files := pickFiles(
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
		if got := pickNatural(tt.a, tt.b); got != tt.want {
			t.Errorf("pickNatural(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestSubtitles(t *testing.T) {
	movie := pickFiles(
		"Movie.mkv", 100, "Movie.srt", 1, "Movie.en.srt", 1, "movie.ENG.forced.ASS", 1, "English.srt", 1,
		"Subs/2_English.srt", 1, "Subtitles/fr/French.vtt", 1, "Other/Movie.srt", 1, "Movie.nfo", 1, "Sample/Movie-sample.mkv", 5,
	)
	show := pickFiles(
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
		{"nested video", pickFiles("Show/E1.mkv", 9, "Show/E2.mkv", 9, "Show/Subs/E1/en.srt", 1, "Subs/E1/en.srt", 1, "Show/E1.srt", 1), 0,
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
	tests := []struct{ file, phrase string }{
		{"zero-length-video.torrent", "none of the files is a non-empty video"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, err := source.Parse(context.Background(), filepath.Join("..", "testdata", "bad", tt.file), source.Options{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			info, err := s.Inspect()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Pick(info.Files, ""); !errors.Is(err, ErrNoVideo) || !strings.Contains(err.Error(), tt.phrase) {
				t.Fatalf("err = %v, want ErrNoVideo with %q", err, tt.phrase)
			}
		})
	}
}

// FuzzPick checks that Pick, Playlist and Subtitles never panic on any file
// list, and that the file Pick returns is one of the list. Seeds are the
// file lists of the .torrent fixtures, good and bad, that parse.
func FuzzPick(f *testing.F) {
	good, _ := filepath.Glob(filepath.Join("..", "testdata", "*.torrent"))
	bad, _ := filepath.Glob(filepath.Join("..", "testdata", "bad", "*.torrent"))
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
	f.Add(encodeFiles(pickFiles("Show/S01E01.mkv", 5, "Show/Subs/S01E01/en.srt", 1)), "*.mkv")
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
