package source

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"
)

func TestInspectFixtures(t *testing.T) {
	tests := []struct {
		file  string
		name  string
		files []FileEntry
	}{
		{"single.torrent", "Movie.2008.mkv", []FileEntry{{0, "Movie.2008.mkv", 256<<10 + 123}}},
		{"multi-with-sample.torrent", "Feature.2020", []FileEntry{
			{0, "Feature.2020.en.srt", 2 << 10},
			{1, "Feature.2020.mkv", 300 << 10},
			{2, "Feature.2020.nfo", 1 << 10},
			{3, "Sample/feature-sample.mkv", 40 << 10},
		}},
		{"no-video.torrent", "Docs", []FileEntry{{0, "cover.jpg", 20000}, {1, "readme.txt", 3000}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, err := Parse(context.Background(), filepath.Join("..", "..", "testdata", tt.file), Options{})
			if err != nil {
				t.Fatal(err)
			}
			in, err := s.Inspect()
			if err != nil {
				t.Fatal(err)
			}
			var total int64
			for _, f := range tt.files {
				total += f.Size
			}
			if in.Name != tt.name || in.InfoHash != s.InfoHash() || in.TotalSize != total || !slices.Equal(in.Files, tt.files) {
				t.Errorf("Inspect() = %+v", in)
			}
			if want := (total + in.PieceLength - 1) / in.PieceLength; int64(in.Pieces) != want {
				t.Errorf("Pieces = %d, want %d", in.Pieces, want)
			}
			if !slices.Equal(in.Trackers, []string{fixtureTracker}) {
				t.Errorf("Trackers = %q", in.Trackers)
			}
			m, err := metainfo.ParseMagnetUri(in.Magnet)
			if err != nil || m.InfoHash.HexString() != s.InfoHash() || m.DisplayName != tt.name || !slices.Equal(m.Trackers, in.Trackers) {
				t.Errorf("Magnet %q parses to %+v, %v", in.Magnet, m, err)
			}
		})
	}
}

func TestInspectWithoutInfo(t *testing.T) {
	s, err := Parse(context.Background(), goodMagnets[0], Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Inspect(); err == nil {
		t.Fatal("Inspect of a magnet succeeded")
	}
}

func TestInspectJSON(t *testing.T) {
	b, err := json.Marshal(Describe(&metainfo.Info{Name: "x", PieceLength: 16384, Length: 1, Pieces: make([]byte, 20)}, metainfo.Hash{}, [][]string{{"a", ""}, {"a", "b"}}))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"x","infohash":"0000000000000000000000000000000000000000","piece_length":16384,"pieces":1,"total_size":1,` +
		`"files":[{"index":0,"path":"x","size":1}],"trackers":["a","b"],` +
		`"magnet":"magnet:?xt=urn:btih:0000000000000000000000000000000000000000\u0026dn=x\u0026tr=a\u0026tr=b"}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

// TestInspectMatchesLibraryFiles adds torrents to a real client and checks
// that every FileEntry's Index, Path and Size name the same file as the
// library's Torrent.Files(), padding files and hybrids included.
func TestInspectMatchesLibraryFiles(t *testing.T) {
	cl := loopbackClient(t)
	infos := map[string]metainfo.Info{
		"v1 with padding": paddedInfo("a.mkv", ".pad/16284", "b.mkv", ".pad/16284", "c.mkv"),
		"hybrid":          hybridInfo(),
	}
	for _, g := range goodFixtures {
		var mi metainfo.MetaInfo
		if err := bencode.Unmarshal(g.build(t), &mi); err != nil {
			t.Fatal(err)
		}
		info, err := mi.UnmarshalInfo()
		if err != nil {
			t.Fatal(err)
		}
		infos[g.file] = info
	}
	for name, info := range infos {
		t.Run(name, func(t *testing.T) {
			if err := ValidateInfo(&info); err != nil {
				t.Fatal(err)
			}
			ib, err := bencode.Marshal(&info)
			if err != nil {
				t.Fatal(err)
			}
			spec, err := torrent.TorrentSpecFromMetaInfoErr(&metainfo.MetaInfo{InfoBytes: ib})
			if err != nil {
				t.Fatal(err)
			}
			tor, _, err := cl.AddTorrentSpec(spec)
			if err != nil {
				t.Fatal(err)
			}
			defer tor.Drop()
			<-tor.GotInfo()
			lib := tor.Files()
			in := Describe(tor.Info(), tor.InfoHash(), nil)
			for _, e := range in.Files {
				f := lib[e.Index]
				if f.DisplayPath() != e.Path || f.Length() != e.Size {
					t.Errorf("entry %+v, library file %d is %q (%d bytes)", e, e.Index, f.DisplayPath(), f.Length())
				}
			}
			if name == "v1 with padding" && (len(in.Files) != 3 || in.Files[2].Index != 4) {
				t.Errorf("padding files not skipped with their indexes kept: %+v", in.Files)
			}
		})
	}
}
