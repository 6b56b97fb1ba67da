package torrentutil

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/bencode"

	"github.com/btstream/btstream/torrentutil/source"
	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// BenchmarkAddLarge measures what a large torrent costs btstream before a
// single byte arrives: parse the .torrent, add it to a client over an empty
// data folder that keeps piece completion (as --data-dir does), wait for
// the metadata, open and prioritize the file, take the start's progress and
// make the scheduler's first plan. No seeder: this is the cost on the
// leecher alone, per piece. Run it with
//
//	go test -run '^$' -bench BenchmarkAddLarge -benchtime 3x ./torrentutil/
//
// It reports the bytes allocated per piece (alloc-B/piece) and the heap the
// added torrent keeps while it runs (live-B/piece, measured after a GC).
func BenchmarkAddLarge(b *testing.B) {
	for _, c := range []struct {
		name             string
		pieceLen, length int64
	}{
		{"4GiB-256KiB-pieces", 256 << 10, 4 << 30}, // 16,384 pieces
		{"50GiB-1MiB-pieces", 1 << 20, 50 << 30},   // 51,200 pieces
		{"50GiB-64KiB-pieces", 64 << 10, 50 << 30}, // 819,200 pieces: the 16 MiB info's limit
	} {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir()
			mi := torrenttest.WriteSparse(b, dir, torrenttest.Sparse{Name: "film.mkv", PieceLen: c.pieceLen, Length: c.length,
				Real: func(int) bool { return false }})
			tf := filepath.Join(dir, "film.torrent")
			if err := os.WriteFile(tf, bencode.MustMarshal(mi), 0o644); err != nil {
				b.Fatal(err)
			}
			pieces := float64((c.length + c.pieceLen - 1) / c.pieceLen)
			var alloc, live float64
			b.ResetTimer()
			for range b.N {
				a, l := addLarge(b, tf)
				alloc += a
				live += l
			}
			b.ReportMetric(alloc/float64(b.N)/pieces, "alloc-B/piece")
			b.ReportMetric(live/float64(b.N)/pieces, "live-B/piece")
		})
	}
}

// addLarge adds the torrent in tf to a new client and reaches the start;
// it returns the bytes allocated meanwhile and the heap that stays.
func addLarge(b *testing.B, tf string) (alloc, live float64) {
	b.StopTimer()
	data := b.TempDir()
	var m0, m1, m2 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	b.StartTimer()
	ctx := context.Background()
	src, err := source.Parse(ctx, tf, source.Options{})
	if err != nil {
		b.Fatal(err)
	}
	c, err := NewClient(Config{Offline: true, DataDir: data, Persist: true})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	t, err := c.Add(src, AddOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if err := t.WaitInfo(ctx, time.Minute, nil); err != nil {
		b.Fatal(err)
	}
	f, err := t.File(0)
	if err != nil {
		b.Fatal(err)
	}
	rule := StartRule{Want: 2 << 20}
	f.Prioritize(rule)
	f.Progress(rule)
	s := &scheduler{t: t, boosted: make(map[int]torrent.PiecePriority), cursor: make(map[*File]int)}
	s.rescue.t = t
	s.step(time.Now(), func(*File) {})
	b.StopTimer()
	runtime.ReadMemStats(&m1)
	runtime.GC()
	runtime.ReadMemStats(&m2)
	runtime.KeepAlive(t)
	b.StartTimer()
	return float64(m1.TotalAlloc - m0.TotalAlloc), float64(int64(m2.HeapAlloc) - int64(m0.HeapAlloc))
}
