package torrentutil

import (
	"cmp"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/btstream/btstream/torrentutil/media"
	"github.com/btstream/btstream/torrentutil/source"
)

// ErrNoVideo means no file fits: no playable video, or nothing matches the
// user's --file choice.
var ErrNoVideo = errors.New("no playable video file")

var (
	// pickSampleRE is \bsample\b, except that "_" also separates words
	// ("movie_sample.mkv" is a sample; "resample.mkv" and "samples.mkv" are not).
	pickSampleRE = regexp.MustCompile(`(?i)(^|[^a-z0-9])sample([^a-z0-9]|$)`)
	pickDigitsRE = regexp.MustCompile(`^[0-9]+$`)
)

// pickListMax is how many files an ErrNoVideo error lists.
const pickListMax = 20

// pickSample reports whether p looks like a sample: its base name contains
// the word "sample", or a folder on its path is "sample" or "samples".
func pickSample(p string) bool {
	parts := strings.Split(p, "/")
	for _, dir := range parts[:len(parts)-1] {
		if d := strings.ToLower(dir); d == "sample" || d == "samples" {
			return true
		}
	}
	return pickSampleRE.MatchString(parts[len(parts)-1])
}

// pickPlayable reports whether f is a non-empty video.
func pickPlayable(f source.FileEntry) bool { return f.Size > 0 && media.IsVideo(f.Path) }

// Pick chooses the file to play. With sel "" it is the largest non-empty
// video, where a sample (see Playlist) loses to any other video and ties go
// to the lower index. A sel of only digits is a file index (any non-empty
// file). Any other sel is a glob (path.Match, case-insensitive) matched
// against each file's path and base name; the largest non-empty match
// wins. A zero-length file is never chosen: there is nothing to play.
// Failures wrap ErrNoVideo and list the files with how to choose one.
func Pick(files []source.FileEntry, sel string) (source.FileEntry, error) {
	switch {
	case sel == "":
		var best source.FileEntry
		found, bestSample := false, false
		for _, f := range files {
			if !pickPlayable(f) {
				continue
			}
			s := pickSample(f.Path)
			if !found || pickBetter(f, s, best, bestSample) {
				best, bestSample, found = f, s, true
			}
		}
		if !found {
			return source.FileEntry{}, pickErr(files, "none of the files is a non-empty video (mkv, mp4, avi, …)")
		}
		return best, nil
	case pickDigitsRE.MatchString(sel):
		n, err := strconv.Atoi(sel)
		for _, f := range files {
			if err == nil && f.Index == n {
				if f.Size == 0 {
					return source.FileEntry{}, pickErr(files, fmt.Sprintf("file %d is empty", n))
				}
				return f, nil
			}
		}
		return source.FileEntry{}, pickErr(files, fmt.Sprintf("no file with index %s", sel))
	}
	pat := strings.ToLower(sel)
	if _, err := path.Match(pat, ""); err != nil {
		return source.FileEntry{}, fmt.Errorf("--file %q: %w", sel, err)
	}
	var best source.FileEntry
	found := false
	for _, f := range files {
		p := strings.ToLower(f.Path)
		full, _ := path.Match(pat, p)
		base, _ := path.Match(pat, path.Base(p))
		if (full || base) && f.Size > 0 && (!found || pickBetter(f, false, best, false)) {
			best, found = f, true
		}
	}
	if !found {
		return source.FileEntry{}, pickErr(files, fmt.Sprintf("no non-empty file matches %q", sel))
	}
	return best, nil
}

// pickBetter reports whether f (a sample if fs) beats best.
func pickBetter(f source.FileEntry, fs bool, best source.FileEntry, bs bool) bool {
	if fs != bs {
		return bs
	}
	if f.Size != best.Size {
		return f.Size > best.Size
	}
	return f.Index < best.Index
}

// pickErr wraps ErrNoVideo with why, the files (up to pickListMax) and a hint.
func pickErr(files []source.FileEntry, why string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s; the torrent has %d files:", why, len(files))
	for i, f := range files {
		if i == pickListMax {
			fmt.Fprintf(&b, "\n  … and %d more", len(files)-i)
			break
		}
		fmt.Fprintf(&b, "\n  %4d  %9s  %s", f.Index, pickSize(f.Size), f.Path)
	}
	b.WriteString("\nchoose one with --file INDEX or --file 'GLOB'")
	return fmt.Errorf("%w: %s", ErrNoVideo, b.String())
}

// pickSize formats n bytes for people: 0 B, 1023 B, 1.5 KiB, 700.0 MiB.
func pickSize(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	f, unit := float64(n)/1024, 0
	for f >= 1024 && unit < 4 {
		f /= 1024
		unit++
	}
	return fmt.Sprintf("%.1f %ciB", f, "KMGTP"[unit])
}

// Playlist returns the playable videos, samples and empty files left out,
// in natural order of their paths: digit runs compare as numbers, so
// S01E02 comes before S01E10; other text compares case-insensitively.
func Playlist(files []source.FileEntry) []source.FileEntry {
	var out []source.FileEntry
	for _, f := range files {
		if pickPlayable(f) && !pickSample(f.Path) {
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b source.FileEntry) int {
		return cmp.Or(pickNatural(a.Path, b.Path), cmp.Compare(a.Path, b.Path), cmp.Compare(a.Index, b.Index))
	})
	return out
}

// pickNatural compares a and b with digit runs as numbers.
func pickNatural(a, b string) int {
	for a != "" && b != "" {
		ad, bd := pickIsDigit(a[0]), pickIsDigit(b[0])
		if ad && bd {
			na, ra := pickRun(a, true)
			nb, rb := pickRun(b, true)
			na, nb = strings.TrimLeft(na, "0"), strings.TrimLeft(nb, "0")
			if c := cmp.Or(cmp.Compare(len(na), len(nb)), strings.Compare(na, nb)); c != 0 {
				return c
			}
			a, b = ra, rb
			continue
		}
		if ad != bd {
			return strings.Compare(strings.ToLower(a[:1]), strings.ToLower(b[:1]))
		}
		ta, ra := pickRun(a, false)
		tb, rb := pickRun(b, false)
		if c := strings.Compare(strings.ToLower(ta), strings.ToLower(tb)); c != 0 {
			return c
		}
		a, b = ra, rb
	}
	return cmp.Compare(len(a), len(b))
}

func pickIsDigit(c byte) bool { return '0' <= c && c <= '9' }

// pickRun splits s after its leading run of digits (or of non-digits).
func pickRun(s string, digits bool) (run, rest string) {
	i := 0
	for i < len(s) && pickIsDigit(s[i]) == digits {
		i++
	}
	return s[:i], s[i:]
}

// Subtitles returns the subtitle files (.srt .ass .ssa .vtt .sub) that
// belong to video v, in torrent order. A subtitle belongs when it sits in
// v's folder with v's base name, optionally plus a suffix such as a
// language ("Movie.en.srt" for "Movie.mkv"), or in a Subs, Subtitles or Sub
// folder beside v. When the torrent holds a single video (see Playlist),
// every subtitle in v's folder or its subtitle folder belongs. With several
// videos, a subtitle in the subtitle folder belongs when it is in
// Subs/<v's base name>/ or carries v's base name. Names compare
// case-insensitively.
func Subtitles(files []source.FileEntry, v source.FileEntry) []source.FileEntry {
	vdir, vbase := pickSplit(v.Path)
	single := len(Playlist(files)) <= 1
	var out []source.FileEntry
	for _, f := range files {
		if !media.IsSubtitle(f.Path) {
			continue
		}
		dir, base := pickSplit(f.Path)
		named := base == vbase || strings.HasPrefix(base, vbase+".")
		ok := false
		if dir == vdir {
			ok = named || single
		} else if rel, in := pickUnder(vdir, dir); in {
			comps := strings.Split(rel, "/")
			switch comps[0] {
			case "subs", "subtitles", "sub":
				ok = single || named || (len(comps) > 1 && comps[1] == vbase)
			}
		}
		if ok {
			out = append(out, f)
		}
	}
	return out
}

// pickSplit returns p's folder ("" at the top) and its base name without
// extension, both in lower case.
func pickSplit(p string) (dir, base string) {
	p = strings.ToLower(p)
	dir, file := path.Split(p)
	return strings.TrimSuffix(dir, "/"), strings.TrimSuffix(file, path.Ext(file))
}

// pickUnder returns dir relative to parent if dir is strictly below it.
func pickUnder(parent, dir string) (string, bool) {
	if parent == "" {
		return dir, dir != ""
	}
	rel, ok := strings.CutPrefix(dir, parent+"/")
	return rel, ok && rel != ""
}
