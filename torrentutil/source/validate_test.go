package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// hybridInfo is a hybrid info: a v1 file list with a BEP 47 padding
// file, and the matching v2 file tree.
func hybridInfo() metainfo.Info {
	root := strings.Repeat("r", 32)
	return metainfo.Info{
		Name: "Show", PieceLength: 16 << 10, MetaVersion: 2,
		Pieces: make([]byte, 3*20),
		Files: []metainfo.FileInfo{
			{Path: []string{"a.mkv"}, Length: 20000},
			{Path: []string{".pad", "12768"}, Length: 12768, ExtendedFileAttrs: metainfo.ExtendedFileAttrs{Attr: "p"}},
			{Path: []string{"b.srt"}, Length: 100},
		},
		FileTree: metainfo.FileTree{Dir: map[string]metainfo.FileTree{
			"a.mkv": {File: metainfo.FileTreeFile{Length: 20000, PiecesRoot: root}},
			"b.srt": {File: metainfo.FileTreeFile{Length: 100, PiecesRoot: root}},
		}},
	}
}

func paddedInfo(names ...string) metainfo.Info {
	info := metainfo.Info{Name: "Show", PieceLength: 16 << 10}
	for i, n := range names {
		fi := metainfo.FileInfo{Path: strings.Split(n, "/"), Length: 100}
		if strings.HasPrefix(n, ".pad/") {
			fi.Attr = "p"
		}
		if i == len(names)-1 {
			fi.Length = 16 << 10
		}
		info.Files = append(info.Files, fi)
	}
	info.Pieces = make([]byte, 20*((info.TotalLength()+info.PieceLength-1)/info.PieceLength))
	return info
}

// TestValidateInfo covers the checks the .torrent fixtures cannot reach
// easily: hybrids, padding files, name.utf-8 and path.utf-8.
func TestValidateInfo(t *testing.T) {
	tests := []struct {
		name   string
		info   func() metainfo.Info
		phrase string // "" = valid
	}{
		{"hybrid", hybridInfo, ""},
		{"hybrid whose v2 tree needs other pieces", func() metainfo.Info {
			i := hybridInfo()
			i.FileTree.Dir["b.srt"] = metainfo.FileTree{File: metainfo.FileTreeFile{Length: 40000, PiecesRoot: strings.Repeat("r", 32)}}
			return i
		}, "v2 file tree needs 5 pieces but v1 has 3"},
		{"hybrid with an evil v2 path", func() metainfo.Info {
			i := hybridInfo()
			i.FileTree.Dir[".."] = i.FileTree.Dir["b.srt"]
			delete(i.FileTree.Dir, "b.srt")
			return i
		}, `file tree: path component ".."`},
		{"padding files may share a path", func() metainfo.Info {
			return paddedInfo("a.mkv", ".pad/16284", "b.mkv", ".pad/16284", "c.mkv")
		}, ""},
		{"padding file on a real file's path", func() metainfo.Info {
			return paddedInfo("a.mkv", "A.MKV")
		}, "differ only in case"},
		{"padding file as a real file's folder", func() metainfo.Info {
			return paddedInfo(".pad", "a.mkv", ".pad/a.mkv")
		}, "both a file and a directory"},
		{"real file as a padding file's folder", func() metainfo.Info {
			i := paddedInfo("x", "x/y")
			i.Files[1].Attr = "p"
			return i
		}, "both a file and a directory"},
		{"both length and files", func() metainfo.Info {
			i := paddedInfo("a.mkv")
			i.Length = 5
			return i
		}, "both length and files"},
		{"evil name.utf-8", func() metainfo.Info {
			i := paddedInfo("a.mkv")
			i.NameUtf8 = ".."
			return i
		}, `torrent name: path component ".."`},
		{"evil name under a good name.utf-8", func() metainfo.Info {
			i := paddedInfo("a.mkv")
			i.Name, i.NameUtf8 = "a/b", "ok"
			return i
		}, "torrent name: path separator"},
		{"evil path.utf-8", func() metainfo.Info {
			i := paddedInfo("a.mkv")
			i.Files[0].PathUtf8 = []string{"..", "x"}
			return i
		}, `file 0: path component ".."`},
		{"drive letter as the name", func() metainfo.Info {
			i := paddedInfo("a.mkv")
			i.Name = "c:"
			return i
		}, "drive letter"},
		{"drive-like later component is fine", func() metainfo.Info { return paddedInfo("dir/c:x.mkv") }, ""},
		{"path over 4096 bytes", func() metainfo.Info {
			return paddedInfo(strings.TrimSuffix(strings.Repeat(strings.Repeat("d", 200)+"/", 21), "/"))
		}, "longer than 4096 bytes"},
		{"negative piece length", func() metainfo.Info {
			i := paddedInfo("a.mkv")
			i.PieceLength = -1
			return i
		}, "piece length is -1"},
		{"multi-file with no path", func() metainfo.Info {
			i := paddedInfo("a.mkv")
			i.Files[0].Path = nil
			return i
		}, "file 0: empty path"},
		{"100,001 files: no cap on the count", func() metainfo.Info {
			names := make([]string, 100_001)
			for n := range names {
				names[n] = fmt.Sprintf("d%03d/f%06d.jpg", n/1000, n)
			}
			return paddedInfo(names...)
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := tt.info()
			err := ValidateInfo(&info)
			if tt.phrase == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			checkErr(t, err, ErrBadSource, tt.phrase)
		})
	}
}

func TestValidateBencode(t *testing.T) {
	nest := func(n int) string { return "d1:a" + strings.Repeat("l", n-1) + "i1e" + strings.Repeat("e", n-1) + "e" }
	tests := []struct {
		in     string
		phrase string // "" = valid
	}{
		{"de", ""},
		{"d1:ai-12e1:bl0:ee \r\n", ""},
		{nest(maxDepth), ""},
		{nest(maxDepth + 1), "nested deeper than 32"},
		{"", "empty"},
		{"d", "truncated"},
		{"d1:a", "truncated"},
		{"d1:ai12", "truncated"},
		{"d99999999999999999999:a", "truncated"},
		{"d1:ai1x", "bad integer"},
		{"d1:aie", "bad integer"},
		{"d1:ai-e", "bad integer"},
		{"d1:a1xe", "bad string length"},
		{"d1:aze", "unexpected byte"},
		{"l1:ae", "not bencode (starts with"},
		{"dee", "1 bytes of garbage"},
		{"  <html>", "HTML page"},
	}
	for _, tt := range tests {
		err := checkBencode([]byte(tt.in))
		if tt.phrase == "" {
			if err != nil {
				t.Errorf("checkBencode(%.30q) = %v", tt.in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.phrase) {
			t.Errorf("checkBencode(%.30q) = %v, want %q", tt.in, err, tt.phrase)
		}
	}
}

// loopbackClient is a real torrent client that sends nothing beyond loopback.
func loopbackClient(t testing.TB) *torrent.Client {
	t.Helper()
	cl, err := torrent.NewClient(torrenttest.ClientConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// TestV2OnlyNeverReachesTheLibrary proves the guard: v2-only inputs are
// refused by Parse, so nothing reaches AddTorrentSpec, and the same
// inputs handed to the library directly make v1.61.0 panic.
func TestV2OnlyNeverReachesTheLibrary(t *testing.T) {
	cl := loopbackClient(t)
	v2File := filepath.Join("..", "..", "testdata", "bad", "v2-only.torrent")
	v2Magnet := "magnet:?xt=urn:btmh:1220d8dd32ac93357c368556af3ac1d95c9d76bd0dff6fa9833ecdac3d53134efabb"
	librarySpec := map[string]func() (*torrent.TorrentSpec, error){
		v2File: func() (*torrent.TorrentSpec, error) {
			mi, err := metainfo.LoadFromFile(v2File)
			if err != nil {
				return nil, err
			}
			return torrent.TorrentSpecFromMetaInfoErr(mi)
		},
		v2Magnet: func() (*torrent.TorrentSpec, error) { return torrent.TorrentSpecFromMagnetUri(v2Magnet) },
	}
	for arg, libSpec := range librarySpec {
		s, err := Parse(context.Background(), arg, Options{})
		if err == nil {
			if _, _, err := cl.AddTorrentSpec(s.Spec()); err != nil {
				t.Error(err)
			}
			t.Fatalf("%s passed validation", arg)
		}
		checkErr(t, err, ErrBadSource, "v2-only torrents are not supported")

		spec, err := libSpec()
		if err != nil {
			t.Fatal(err)
		}
		if p := addRecover(cl, spec); p == nil {
			t.Logf("%s: the library no longer panics on v2-only input; the guard may be relaxed", arg)
		} else {
			t.Logf("%s: without the guard the library panics: %v", arg, p)
		}
	}
	if n := len(cl.Torrents()); n != 0 {
		t.Errorf("client has %d torrents, want 0", n)
	}
}

// addRecover adds spec and returns what the library panicked with.
// v1.61.0 panics before taking the client lock, so the client stays usable.
func addRecover(cl *torrent.Client, spec *torrent.TorrentSpec) (p any) {
	defer func() { p = recover() }()
	if t, _, err := cl.AddTorrentSpec(spec); err == nil {
		t.Drop()
	}
	return nil
}

// FuzzValidateInfo feeds bencoded info dictionaries to ValidateInfo; what
// it accepts must be safe for the library's helpers and Describe.
func FuzzValidateInfo(f *testing.F) {
	for _, g := range goodFixtures {
		var mi metainfo.MetaInfo
		if err := bencode.Unmarshal(g.build(f), &mi); err == nil {
			f.Add([]byte(mi.InfoBytes))
		}
	}
	for _, b := range badFixtures {
		if !b.runtime {
			var mi metainfo.MetaInfo
			if err := bencode.Unmarshal(bytes.TrimSpace(b.build(f)), &mi); err == nil && len(mi.InfoBytes) > 0 {
				f.Add([]byte(mi.InfoBytes))
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if checkBencode(b) != nil {
			return
		}
		var info metainfo.Info
		if bencode.Unmarshal(b, &info) != nil {
			return
		}
		if err := ValidateInfo(&info); err != nil {
			if !errors.Is(err, ErrBadSource) {
				t.Fatalf("error %v does not wrap ErrBadSource", err)
			}
			return
		}
		exercise(t, &info)
	})
}

// exercise runs what the library and Describe do with a new info, to
// show that an accepted info cannot make them panic.
func exercise(t *testing.T, info *metainfo.Info) {
	t.Helper()
	n := info.NumPieces()
	if n > 0 {
		_ = info.Piece(n - 1).Length()
		_ = info.Piece(n - 1).V1Hash()
	}
	_ = info.FileSegmentsIndex()
	in := Describe(info, metainfo.HashBytes([]byte("x")), nil)
	if len(in.Files) == 0 && info.TotalLength() > 0 {
		t.Errorf("no files listed for %d bytes", info.TotalLength())
	}
	// What the file picker does with the list is pick's FuzzPick.
}
