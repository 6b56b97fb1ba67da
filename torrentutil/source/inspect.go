package source

import (
	"strings"

	"github.com/anacrolix/torrent/metainfo"
)

// Info describes a torrent for `btstream info` and `ls`. It is plain data.
type Info struct {
	Name        string      `json:"name"`
	InfoHash    string      `json:"infohash"` // v1, lower-case hex
	PieceLength int64       `json:"piece_length"`
	Pieces      int         `json:"pieces"`
	TotalSize   int64       `json:"total_size"` // sum of Files sizes (padding files left out)
	Files       []FileEntry `json:"files"`
	Trackers    []string    `json:"trackers"` // all tiers flattened, duplicates removed
	Magnet      string      `json:"magnet"`   // btih, dn and tr
}

// FileEntry is one file of a torrent.
type FileEntry struct {
	// Index is the file's position in the torrent's file list, as the
	// library numbers it (torrent.Torrent.Files()). BEP 47 padding files
	// are left out of Info.Files but keep their numbers, so indexes can
	// skip.
	Index int `json:"index"`
	// Path is the "/"-separated path inside the torrent, the same as
	// torrent.File.DisplayPath(): for a multi-file torrent it leaves out
	// the torrent name (the top folder, Info.Name); for a single-file
	// torrent it is the name.
	Path string `json:"path"`
	Size int64  `json:"size"`
}

// Describe describes info, whose v1 infohash is ih, with the given tracker
// tiers. It is the one builder for both .torrent sources and magnets once
// the client has the metadata; info must have passed ValidateInfo.
func Describe(info *metainfo.Info, ih metainfo.Hash, trackers [][]string) Info {
	out := Info{
		Name:        info.BestName(),
		InfoHash:    ih.HexString(),
		PieceLength: info.PieceLength,
		Pieces:      info.NumPieces(),
		Files:       []FileEntry{},
		Trackers:    flattenTrackers(trackers),
	}
	i := 0
	for fi := range info.UpvertedFilesIter() {
		if !strings.Contains(fi.Attr, "p") {
			out.Files = append(out.Files, FileEntry{Index: i, Path: fi.DisplayPath(info), Size: fi.Length})
			out.TotalSize += fi.Length
		}
		i++
	}
	out.Magnet = metainfo.Magnet{InfoHash: ih, Trackers: out.Trackers, DisplayName: out.Name}.String()
	return out
}

// flattenTrackers flattens tracker tiers, dropping empties and duplicates.
func flattenTrackers(tiers [][]string) []string {
	out := []string{}
	seen := make(map[string]bool)
	for _, tier := range tiers {
		for _, tr := range tier {
			if tr != "" && !seen[tr] {
				seen[tr] = true
				out = append(out, tr)
			}
		}
	}
	return out
}
