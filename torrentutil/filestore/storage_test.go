package filestore

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/segments"
	"github.com/anacrolix/torrent/storage"
)

// openTestTorrent opens a one-file torrent of pieces 16 KiB pieces in dir.
func openTestTorrent(t *testing.T, dir string, persist bool, pieces int) (storage.TorrentImpl, *metainfo.Info) {
	t.Helper()
	const pieceLen = 16 << 10
	info := &metainfo.Info{Name: "movie.mkv", PieceLength: pieceLen, Length: int64(pieces) * pieceLen, Pieces: make([]byte, 20*pieces)}
	sto, err := New(dir, persist)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sto.Close() })
	ti, err := sto.OpenTorrent(context.Background(), info, metainfo.Hash{1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ti.Close() })
	return ti, info
}

// A piece without a record whose bytes are on disk is unknown (Ok false:
// the library neither requests nor serves it) however often it is asked,
// until a hash check's verdict is recorded; persistent records or not.
func TestCompletionUnknownUntilChecked(t *testing.T) {
	for _, persist := range []bool{false, true} {
		dir := t.TempDir()
		ti, info := openTestTorrent(t, dir, persist, 4)
		// Another program wrote the whole file.
		if err := os.WriteFile(filepath.Join(dir, "movie.mkv"), bytes.Repeat([]byte{7}, 64<<10), 0o644); err != nil {
			t.Fatal(err)
		}
		good, bad := ti.Piece(info.Piece(1)), ti.Piece(info.Piece(2))
		for range 3 {
			if c := good.Completion(); c.Ok {
				t.Fatalf("persist=%v: unchecked piece = %+v, want unknown", persist, c)
			}
		}
		if err := good.MarkComplete(); err != nil {
			t.Fatal(err)
		}
		if err := bad.MarkNotComplete(); err != nil {
			t.Fatal(err)
		}
		if c := good.Completion(); !c.Ok || !c.Complete {
			t.Fatalf("persist=%v: after MarkComplete = %+v, want complete", persist, c)
		}
		if c := bad.Completion(); !c.Ok || c.Complete {
			t.Fatalf("persist=%v: after MarkNotComplete = %+v, want incomplete", persist, c)
		}
	}
}

// Where there is nothing to check the answer is incomplete at once, so no
// piece is hashed for nothing: no file, a file too short for the piece, a
// file longer than the torrent says (not this torrent's), and a hole of a
// sparse file (what a run that died leaves between the pieces it wrote).
func TestCompletionNothingToCheck(t *testing.T) {
	tests := []struct {
		name  string
		write func(t *testing.T, path string)
		piece int
	}{
		{"no file", func(*testing.T, string) {}, 1},
		{"short file", writeBytes(20 << 10), 1},
		{"file too long", writeBytes(64<<10 + 1), 1},
		{"hole", func(t *testing.T, path string) {
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt(make([]byte, 16<<10), 48<<10); err != nil {
				t.Fatal(err)
			}
		}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.write(t, filepath.Join(dir, "movie.mkv"))
			ti, info := openTestTorrent(t, dir, true, 4)
			if c := ti.Piece(info.Piece(tc.piece)).Completion(); !c.Ok || c.Complete {
				t.Fatalf("Completion = %+v, want known incomplete", c)
			}
		})
	}
}

func writeBytes(n int) func(*testing.T, string) {
	return func(t *testing.T, path string) {
		if err := os.WriteFile(path, bytes.Repeat([]byte{7}, n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A piece recorded complete whose file was since truncated is incomplete.
func TestCompletionTruncated(t *testing.T) {
	dir := t.TempDir()
	ti, info := openTestTorrent(t, dir, true, 2)
	p := ti.Piece(info.Piece(1))
	if _, err := p.WriteAt(make([]byte, 16<<10), 0); err != nil {
		t.Fatal(err)
	}
	if err := p.MarkComplete(); err != nil {
		t.Fatal(err)
	}
	if c := p.Completion(); !c.Ok || !c.Complete {
		t.Fatalf("Completion = %+v, want complete", c)
	}
	if err := os.Truncate(filepath.Join(dir, "movie.mkv"), 20<<10); err != nil {
		t.Fatal(err)
	}
	if c := p.Completion(); !c.Ok || c.Complete {
		t.Fatalf("after truncation Completion = %+v, want incomplete", c)
	}
}

// spans locates an extent in the files as the library's segment index does.
func TestSpans(t *testing.T) {
	lens := []int64{10, 0, 5, 0, 0, 20, 1}
	var segs []segments.Extent
	ft := &fileTorrent{}
	var off int64
	for _, l := range lens {
		segs = append(segs, segments.Extent{Start: off, Length: l})
		off += l
		ft.lens = append(ft.lens, l)
		ft.ends = append(ft.ends, off)
	}
	idx := segments.NewIndexFromSegments(segs)
	for start := range off + 1 {
		for n := range off - start + 1 {
			type span struct {
				i int
				e segments.Extent
			}
			var want, got []span
			for i, e := range idx.LocateIter(segments.Extent{Start: start, Length: n}) {
				if e.Length != 0 {
					want = append(want, span{i, e})
				}
			}
			for i, e := range ft.spans(start, n) {
				got = append(got, span{i, e})
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("spans(%d, %d) = %v, want %v", start, n, got, want)
			}
		}
	}
}

// A file found missing when every piece is asked about is not stat'ed again
// for each piece, but once btstream writes it, its pieces are on disk.
func TestCompletionAfterMissingFileWritten(t *testing.T) {
	dir := t.TempDir()
	ti, info := openTestTorrent(t, dir, true, 4)
	for i := range 4 {
		if c := ti.Piece(info.Piece(i)).Completion(); !c.Ok || c.Complete {
			t.Fatalf("piece %d of a missing file = %+v, want incomplete", i, c)
		}
	}
	p := ti.Piece(info.Piece(3))
	if _, err := p.WriteAt(bytes.Repeat([]byte{7}, 16<<10), 0); err != nil {
		t.Fatal(err)
	}
	if err := p.MarkComplete(); err != nil {
		t.Fatal(err)
	}
	if c := p.Completion(); !c.Ok || !c.Complete {
		t.Fatalf("written and marked complete = %+v, want complete", c)
	}
	b := make([]byte, 16<<10)
	if n, err := p.ReadAt(b, 0); n != len(b) || b[0] != 7 {
		t.Fatalf("read back %d bytes (%v)", n, err)
	}
}
