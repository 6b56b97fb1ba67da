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
	vdir, vbase := splitName(v.Path)
	single := len(Playlist(files)) <= 1
	var out []source.FileEntry
	for _, f := range files {
		if !media.IsSubtitle(f.Path) {
			continue
		}
		dir, base := splitName(f.Path)
		named := base == vbase || strings.HasPrefix(base, vbase+".")
		ok := false
		if dir == vdir {
			ok = named || single
		} else if rel, in := under(vdir, dir); in {
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
