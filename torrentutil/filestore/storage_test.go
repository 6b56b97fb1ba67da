package filestore

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/anacrolix/torrent/metainfo"
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

// An unrecorded piece whose bytes may be on disk is unknown (Ok false, so
// the library hashes it) the first time only: asked again, as v1.61.0 does
// after a cancelled read, it is incomplete, or the library would never
// request it again.
func TestCompletionUnknownOnce(t *testing.T) {
	ti, info := openTestTorrent(t, t.TempDir(), false, 4)
	last := ti.Piece(info.Piece(3))
	if _, err := last.WriteAt(make([]byte, 16<<10), 0); err != nil {
		t.Fatal(err)
	}
	// The file now reaches its full length: every piece could be on disk.
	p := ti.Piece(info.Piece(1))
	if c := p.Completion(); c.Ok {
		t.Fatalf("first ask = %+v, want unknown (a hash check at start)", c)
	}
	for range 3 {
		if c := p.Completion(); !c.Ok || c.Complete {
			t.Fatalf("later ask = %+v, want known incomplete", c)
		}
	}
	if err := p.MarkComplete(); err != nil {
		t.Fatal(err)
	}
	if c := p.Completion(); !c.Ok || !c.Complete {
		t.Fatalf("after MarkComplete = %+v, want complete", c)
	}
}

// With nothing on disk an unrecorded piece is incomplete from the start,
// and with a persistent record an unrecorded piece is always incomplete
// (it would be recorded had it been verified).
func TestCompletionKnownIncomplete(t *testing.T) {
	for _, persist := range []bool{false, true} {
		dir := t.TempDir()
		ti, info := openTestTorrent(t, dir, persist, 2)
		if persist {
			if err := os.WriteFile(filepath.Join(dir, "movie.mkv"), make([]byte, 32<<10), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		p := ti.Piece(info.Piece(0))
		for range 2 {
			if c := p.Completion(); !c.Ok || c.Complete {
				t.Fatalf("persist=%v: Completion = %+v, want known incomplete", persist, c)
			}
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
