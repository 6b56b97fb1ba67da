package pick

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/btstream/btstream/torrentutil/media"
	"github.com/btstream/btstream/torrentutil/source"
)

var (
	// sampleRE is \bsample\b, except that "_" also separates words
	// ("movie_sample.mkv" is a sample; "resample.mkv" and "samples.mkv" are not).
	sampleRE = regexp.MustCompile(`(?i)(^|[^a-z0-9])sample([^a-z0-9]|$)`)
	digitsRE = regexp.MustCompile(`^[0-9]+$`)
)

// isSample reports whether p looks like a sample: its base name contains
// the word "sample", or a folder on its path is "sample" or "samples".
func isSample(p string) bool {
	parts := strings.Split(p, "/")
	for _, dir := range parts[:len(parts)-1] {
		if d := strings.ToLower(dir); d == "sample" || d == "samples" {
			return true
		}
	}
	return sampleRE.MatchString(parts[len(parts)-1])
}

// playable reports whether f is a non-empty video.
func playable(f source.FileEntry) bool { return f.Size > 0 && media.IsVideo(f.Path) }

// Pick chooses the file to play. With sel "" it is the largest non-empty
// video, where a sample (see Playlist) loses to any other video and ties go
// to the lower index. A sel of only digits is a file index (any non-empty
// file). Any other sel is a glob (path.Match, case-insensitive) matched
// against each file's path and base name; the largest non-empty match
// wins. A zero-length file is never chosen: there is nothing to play.
// When no file fits it returns a *NoVideoError; a pattern that does not
// parse is path.ErrBadPattern.
func Pick(files []source.FileEntry, sel string) (source.FileEntry, error) {
	switch {
	case sel == "":
		var best source.FileEntry
		found, bestSample := false, false
		for _, f := range files {
			if !playable(f) {
				continue
			}
			s := isSample(f.Path)
			if !found || better(f, s, best, bestSample) {
				best, bestSample, found = f, s, true
			}
		}
		if !found {
			return source.FileEntry{}, noVideo(files, sel, NoPlayable)
		}
		return best, nil
	case digitsRE.MatchString(sel):
		n, err := strconv.Atoi(sel)
		for _, f := range files {
			if err == nil && f.Index == n {
				if f.Size == 0 {
					return source.FileEntry{}, noVideo(files, sel, EmptyIndex)
				}
				return f, nil
			}
		}
		return source.FileEntry{}, noVideo(files, sel, NoSuchIndex)
	}
	pat := strings.ToLower(sel)
	if _, err := path.Match(pat, ""); err != nil {
		return source.FileEntry{}, fmt.Errorf("pattern %q: %w", sel, err)
	}
	var best source.FileEntry
	found := false
	for _, f := range files {
		p := strings.ToLower(f.Path)
		full, _ := path.Match(pat, p)
		base, _ := path.Match(pat, path.Base(p))
		if (full || base) && f.Size > 0 && (!found || better(f, false, best, false)) {
			best, found = f, true
		}
	}
	if !found {
		return source.FileEntry{}, noVideo(files, sel, NoMatch)
	}
	return best, nil
}

// better reports whether f (a sample if fs) beats best.
func better(f source.FileEntry, fs bool, best source.FileEntry, bs bool) bool {
	if fs != bs {
		return bs
	}
	if f.Size != best.Size {
		return f.Size > best.Size
	}
	return f.Index < best.Index
}
