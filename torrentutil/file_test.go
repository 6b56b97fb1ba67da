package torrentutil

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/anacrolix/torrent/metainfo"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

func TestFileStreamsWholeFile(t *testing.T) {
	data := torrenttest.Pattern(3<<20 + 12345)
	s := newTestSeeder(t, "movie.mkv", data, 64<<10, Config{})
	c := newTestClient(t, Config{})
	_, f := firstFile(t, c, s)
	if f.Name() != "movie.mkv" || f.Size() != int64(len(data)) {
		t.Fatalf("file = %q, %d bytes", f.Name(), f.Size())
	}
	want := int64(len(data) / 100)
	rule := StartRule{Want: want, Exact: true}
	stream(t, f, rule)
	if err := f.WaitReady(deadline(t), rule); err != nil {
		t.Fatal(err)
	}
	p := f.Progress(rule)
	if !p.IndexDone || p.Buffered < want {
		t.Fatalf("ready but progress = %+v", p)
	}
	r := openFile(t, f)
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, got, data)
	// Seeks relative to the end land in this file, not the torrent.
	if n, err := r.Seek(-100, io.SeekEnd); err != nil || n != int64(len(data)-100) {
		t.Fatalf("Seek(-100, end) = %d, %v", n, err)
	}
	got, err = io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, got, data[len(data)-100:])
}

// A file reader stops at its file's end: v1.61.0 alone reads on into the
// next file (anacrolix/torrent#1108).
func TestReaderClipsAtFileEnd(t *testing.T) {
	dir := t.TempDir()
	first, second := torrenttest.Pattern(5), torrenttest.Pattern(300<<10)
	torrenttest.WriteFile(t, dir, "pack/a.txt", first)
	torrenttest.WriteFile(t, dir, "pack/b.mkv", second)
	s, err := NewSeeder(filepath.Join(dir, "pack"), 64<<10, Config{Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := newTestClient(t, Config{})
	_, f := firstFile(t, c, s)
	r := openFile(t, f)
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, got, first)
}

// A read blocked on a piece nobody has returns the context's error when the
// context ends, and closing the reader releases its head.
func TestBlockedReadEndsWithContext(t *testing.T) {
	data := torrenttest.Pattern(1 << 20)
	s := newTestSeeder(t, "movie.mp4", data, 64<<10, Config{})
	c := newTestClient(t, Config{})
	tt := addFromSeeder(t, c, s)
	s.Close() // the only peer is gone: no piece can arrive
	f, _ := tt.File(0)
	ctx, cancel := context.WithCancel(context.Background())
	r, _ := f.Open(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := r.Read(make([]byte, 1024))
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("read error = %v, want context.Canceled", err)
	}
	if n := len(f.headStates(time.Now(), false)); n != 1 {
		t.Fatalf("%d heads while open, want 1", n)
	}
	r.Close()
	if n := len(f.headStates(time.Now(), false)); n != 0 {
		t.Fatalf("%d heads after close, want 0", n)
	}
}

// Pieces that cannot be written stop the stream with an error that names
// the data folder, instead of leaving readers waiting forever.
func TestWriteFailureSurfaces(t *testing.T) {
	data := torrenttest.Pattern(512 << 10)
	s := newTestSeeder(t, "movie.mkv", data, 64<<10, Config{})
	dir := t.TempDir()
	// A folder where the file must go: every write fails.
	if err := os.Mkdir(filepath.Join(dir, "movie.mkv"), 0o755); err != nil {
		t.Fatal(err)
	}
	c := newTestClient(t, Config{DataDir: dir})
	tt := addFromSeeder(t, c, s)
	f, _ := tt.File(0)
	stream(t, f, StartRule{Want: 1 << 10})
	err := f.WaitReady(deadline(t), StartRule{Want: 1 << 10})
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitReady = %v, want a write error", err)
	}
}

// With Persist, a second client on the same folder finds the pieces the
// first one verified and needs no peer to read them.
func TestPersistReusesPieces(t *testing.T) {
	data := torrenttest.Pattern(1<<20 + 777)
	s := newTestSeeder(t, "movie.mkv", data, 64<<10, Config{})
	dir := t.TempDir()
	c := newTestClient(t, Config{DataDir: dir, Persist: true})
	tt := addFromSeeder(t, c, s)
	f, _ := tt.File(0)
	all := StartRule{Want: f.Size(), Exact: true}
	stream(t, f, all)
	if err := f.WaitReady(deadline(t), all); err != nil {
		t.Fatal(err)
	}
	tb, err := s.TorrentFile()
	if err != nil {
		t.Fatal(err)
	}
	info, err := metainfo.Load(bytes.NewReader(tb))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	s.Close()

	c2 := newTestClient(t, Config{DataDir: dir, Persist: true})
	t2, err := c2.addSpec(mustSpec(t, info))
	if err != nil {
		t.Fatal(err)
	}
	f2, _ := t2.File(0)
	if p := f2.Progress(StartRule{Want: f2.Size(), Exact: true}); p.Completed != f2.Size() {
		t.Fatalf("after restart %d of %d bytes complete", p.Completed, f2.Size())
	}
	r, _ := f2.Open(deadline(t))
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, got, data)
}
