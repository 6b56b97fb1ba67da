package pick

import (
	"path"
	"strings"

	"github.com/btstream/btstream/torrentutil/media"
	"github.com/btstream/btstream/torrentutil/source"
)

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
	return SubtitlesOf(files, []source.FileEntry{v})[0]
}

// SubtitlesOf returns Subtitles(files, v) for each v of videos. The
// torrent's subtitles and videos are found once, so a playlist costs the
// videos times the subtitles, not times every file of the torrent.
func SubtitlesOf(files, videos []source.FileEntry) [][]source.FileEntry {
	single := len(Playlist(files)) <= 1
	type sub struct {
		f         source.FileEntry
		dir, base string
	}
	var subs []sub
	for _, f := range files {
		if media.IsSubtitle(f.Path) {
			dir, base := splitName(f.Path)
			subs = append(subs, sub{f, dir, base})
		}
	}
	out := make([][]source.FileEntry, len(videos))
	for k, v := range videos {
		vdir, vbase := splitName(v.Path)
		for _, s := range subs {
			named := s.base == vbase || strings.HasPrefix(s.base, vbase+".")
			ok := false
			if s.dir == vdir {
				ok = named || single
			} else if rel, in := under(vdir, s.dir); in {
				comps := strings.Split(rel, "/")
				switch comps[0] {
				case "subs", "subtitles", "sub":
					ok = single || named || (len(comps) > 1 && comps[1] == vbase)
				}
			}
			if ok {
				out[k] = append(out[k], s.f)
			}
		}
	}
	return out
}

// splitName returns p's folder ("" at the top) and its base name without
// extension, both in lower case.
func splitName(p string) (dir, base string) {
	p = strings.ToLower(p)
	dir, file := path.Split(p)
	return strings.TrimSuffix(dir, "/"), strings.TrimSuffix(file, path.Ext(file))
}

// under returns dir relative to parent if dir is strictly below it.
func under(parent, dir string) (string, bool) {
	if parent == "" {
		return dir, dir != ""
	}
	rel, ok := strings.CutPrefix(dir, parent+"/")
	return rel, ok && rel != ""
}
