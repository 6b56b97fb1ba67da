package torrentutil

import (
	"context"
	"testing"
	"time"

	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/storage"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// fault describes how a test seeder misbehaves, piece by piece.
type fault struct {
	host    string               // see torrenttest.SeederOptions.Host
	corrupt func(piece int) bool // pieces served with a flipped byte
	missing func(piece int) bool // pieces the seeder claims not to have
}

// pieceSet is a predicate that holds for the listed pieces.
func pieceSet(pieces ...int) func(int) bool {
	return func(i int) bool {
		for _, p := range pieces {
			if p == i {
				return true
			}
		}
		return false
	}
}

// newFaultySeeder seeds data like newTestSeeder, through a storage that
// applies f. Missing pieces are never downloaded by the seeder itself.
func newFaultySeeder(t testing.TB, name string, data []byte, pieceLen int64, f fault) *torrenttest.Seeder {
	t.Helper()
	return seedPath(t, torrenttest.WriteFile(t, t.TempDir(), name, data), pieceLen, f)
}

// seedPath seeds the file or folder at path through a storage that applies f.
func seedPath(t testing.TB, path string, pieceLen int64, f fault) *torrenttest.Seeder {
	t.Helper()
	return torrenttest.NewSeeder(t, path, pieceLen, torrenttest.SeederOptions{
		Host: f.host,
		Storage: func(sto storage.ClientImplCloser) storage.ClientImplCloser {
			return &faultyStorage{ClientImplCloser: sto, f: f}
		},
	})
}

// faultyStorage wraps a storage. It hides the wrapped torrent's whole-torrent
// readers so that every read goes through faultyPiece.ReadAt.
type faultyStorage struct {
	storage.ClientImplCloser
	f fault
}

func (s *faultyStorage) OpenTorrent(ctx context.Context, info *metainfo.Info, ih metainfo.Hash) (storage.TorrentImpl, error) {
	ti, err := s.ClientImplCloser.OpenTorrent(ctx, info, ih)
	if err != nil {
		return ti, err
	}
	inner := storage.Torrent{TorrentImpl: ti}
	return storage.TorrentImpl{
		Piece: func(p metainfo.Piece) storage.PieceImpl {
			return &faultyPiece{PieceImpl: inner.Piece(p).PieceImpl, index: p.Index(), f: s.f}
		},
		Close: ti.Close,
	}, nil
}

// faultyPiece embeds the bare interface: the wrapped piece's optional
// fast paths (io.WriterTo, NewReader) would bypass ReadAt.
type faultyPiece struct {
	storage.PieceImpl
	index int
	f     fault
}

func (p *faultyPiece) ReadAt(b []byte, off int64) (int, error) {
	n, err := p.PieceImpl.ReadAt(b, off)
	if p.f.corrupt != nil && p.f.corrupt(p.index) && n > 0 {
		b[0] ^= 0xff
	}
	return n, err
}

func (p *faultyPiece) Completion() storage.Completion {
	if p.f.missing != nil && p.f.missing(p.index) {
		return storage.Completion{Ok: true}
	}
	return p.PieceImpl.Completion()
}

// waitFor waits until cond holds, checking it whenever a piece of tt
// changes state. The deadline is a failure guard only.
func waitFor(t testing.TB, tt *Torrent, what string, cond func() bool) {
	t.Helper()
	sub := tt.t.SubscribePieceStateChanges()
	defer sub.Close()
	// Counters may move without a piece state change: poll as well.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	ctx := deadline(t)
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v; stats %+v, pieces %s", what, ctx.Err(), tt.stats(), pieceStates(tt))
		case <-sub.Values:
		case <-tick.C:
		}
	}
}

// addByMetainfo adds s's torrent to c with its metadata and no peers.
func addByMetainfo(t testing.TB, c *Client, s *torrenttest.Seeder) *Torrent {
	t.Helper()
	tt, err := c.addSpec(mustSpec(t, s.MetaInfo))
	if err != nil {
		t.Fatal(err)
	}
	return tt
}

// pieceStates summarises tt's pieces for failure messages: C complete,
// ! partial, . nothing.
func pieceStates(tt *Torrent) string {
	b := make([]byte, tt.t.NumPieces())
	for i := range b {
		switch ps := tt.t.PieceState(i); {
		case ps.Complete:
			b[i] = 'C'
		case ps.Partial:
			b[i] = '!'
		default:
			b[i] = '.'
		}
	}
	return string(b)
}
