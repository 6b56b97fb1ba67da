package torrentutil

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/metainfo"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// newTestSeeder seeds data as a single-file torrent on loopback.
func newTestSeeder(t testing.TB, name string, data []byte, pieceLen int64, cfg Config) *Seeder {
	t.Helper()
	cfg.Offline = true
	s, err := NewSeeder(torrenttest.WriteFile(t, t.TempDir(), name, data), pieceLen, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newTestClient is a loopback-only leecher.
func newTestClient(t testing.TB, cfg Config) *Client {
	t.Helper()
	cfg.Offline = true
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// seeder is a test's seeder as its leecher finds it: torrentutil's own
// Seeder or a torrenttest.Seeder.
type seeder interface {
	Addr() string
	InfoHash() string
}

// addFromSeeder adds the seeder's torrent to c by infohash and peer address
// only, so the metadata travels over the wire too.
func addFromSeeder(t testing.TB, c *Client, s seeder) *Torrent {
	t.Helper()
	spec := &torrent.TorrentSpec{PeerAddrs: []string{s.Addr()}}
	spec.InfoHash = metainfo.NewHashFromHex(s.InfoHash())
	tt, err := c.addSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := tt.WaitInfo(ctx, 0, nil); err != nil {
		t.Fatalf("metadata: %v", err)
	}
	return tt
}

// deadline is a failure guard for waits in tests, never a measurement.
func deadline(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustEqual(t testing.TB, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("bytes differ: got %d bytes, want %d; first difference at %d", len(got), len(want), i)
	}
}

func mustSpec(t testing.TB, mi *metainfo.MetaInfo) *torrent.TorrentSpec {
	t.Helper()
	spec, err := torrent.TorrentSpecFromMetaInfoErr(mi)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// firstFile adds s's torrent to c and returns it with its first file.
func firstFile(t testing.TB, c *Client, s seeder) (*Torrent, *File) {
	t.Helper()
	tt := addFromSeeder(t, c, s)
	f, err := tt.File(0)
	if err != nil {
		t.Fatal(err)
	}
	return tt, f
}

// openFile opens a reader of f that the test closes when it ends.
func openFile(t testing.TB, f *File) io.ReadSeekCloser {
	t.Helper()
	r, err := f.Open(deadline(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}
