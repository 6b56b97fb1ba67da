package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/btstream/btstream/torrentutil/pick"
	"github.com/btstream/btstream/torrentutil/source"
)

// When no file fits, the message says why, lists the files (sizes through
// humanize, names escaped) and says how to choose one: exit code 5.
func TestClassifyNoVideo(t *testing.T) {
	type f = source.FileEntry
	var many []f
	for i := range 25 {
		many = append(many, f{Index: i, Path: "x.txt", Size: 1})
	}
	tests := []struct {
		name    string
		files   []source.FileEntry
		sel     string
		phrases []string // in the message
	}{
		{"zero-length video is not playable", []f{{Index: 0, Path: "movie.mkv"}, {Index: 1, Path: "readme.txt", Size: 5}}, "", []string{"no playable video file: none of the files is a non-empty video"}},
		{"no video lists files and hint", []f{{Index: 0, Path: "a.txt", Size: 1536}, {Index: 1, Path: "b.jpg", Size: 5}}, "",
			[]string{"   0    1.5 KiB  a.txt\n", "   1        5 B  b.jpg\nchoose one with --file INDEX or --file 'GLOB'"}},
		{"no files", nil, "", []string{"the torrent has 0 files"}},
		{"index out of range", []f{{Index: 0, Path: "a.mkv", Size: 10}}, "7", []string{"no file with index 7"}},
		{"index of an empty file", []f{{Index: 0, Path: "a.mkv", Size: 10}, {Index: 1, Path: "b.txt"}}, "1", []string{"file 1 is empty"}},
		{"huge index", []f{{Index: 0, Path: "a.mkv", Size: 10}}, "99999999999999999999", []string{"no file with index"}},
		{"glob no match", []f{{Index: 0, Path: "a.mkv", Size: 30}}, "*.mp4", []string{`no non-empty file matches "*.mp4"`}},
		{"long listing is cut", many, "", []string{"  19        1 B  x.txt\n  … and 5 more\n"}},
		{"names cannot move the cursor or forge lines", []f{{Index: 0, Path: "a\x1b[2J\nbtstream: fake.txt", Size: 1}}, "", []string{`a\x1b[2J\x0abtstream: fake.txt`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pick.Pick(tt.files, tt.sel)
			code, msg := classify(context.Background(), fmt.Errorf("stream: %w", err))
			if code != exitNoFile {
				t.Fatalf("exit code %d for %v, want %d", code, err, exitNoFile)
			}
			for _, p := range tt.phrases {
				if !strings.Contains(msg, p) {
					t.Errorf("message %q lacks %q", msg, p)
				}
			}
			if want := 2 + min(len(tt.files), noVideoListMax+1); strings.Count(msg, "\n")+1 != want {
				t.Errorf("message has %d lines, want %d: %q", strings.Count(msg, "\n")+1, want, msg)
			}
		})
	}
}

// The bad .torrent fixture that parses but has nothing to play says so.
func TestClassifyZeroLengthVideoFixture(t *testing.T) {
	s, err := source.Parse(context.Background(), filepath.Join("testdata", "bad", "zero-length-video.torrent"), source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Inspect()
	if err != nil {
		t.Fatal(err)
	}
	_, err = pick.Pick(info.Files, "")
	if code, msg := classify(context.Background(), err); code != exitNoFile || !strings.Contains(msg, "none of the files is a non-empty video") {
		t.Fatalf("classify = %d, %q", code, msg)
	}
}

// A --file pattern that does not parse is named as the flag's value.
func TestChooseBadPattern(t *testing.T) {
	c := &command{cfg: config{File: "["}}
	_, err := c.choose([]source.FileEntry{{Index: 0, Path: "a.mkv", Size: 1}})
	if err == nil || errors.Is(err, pick.ErrNoVideo) || err.Error() != `--file "[": syntax error in pattern` {
		t.Fatalf("err = %v, want the bad pattern named as --file's", err)
	}
}
