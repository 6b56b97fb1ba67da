package torrenttest

import (
	"context"
	"crypto/sha1"
	"os"
	"path/filepath"
	"sort"
	"testing"

	g "github.com/anacrolix/generics"

	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/storage"
)

// PatternAt returns the n bytes of an endless Pattern that start at off:
// PatternAt(0, n) is Pattern(n).
func PatternAt(off int64, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		k := off + int64(i)
		b[i] = byte(k/251 + k*7)
	}
	return b
}

// SparseFile is one file of a Sparse torrent.
type SparseFile struct {
	Path   string // slash-separated, below the torrent's name
	Length int64
}

// Sparse describes a torrent too large to write out (gigabytes, or
// a hundred thousand files) of which a test fetches only a few pieces.
type Sparse struct {
	Name     string
	PieceLen int64
	Length   int64        // a single-file torrent's length, when Files is nil
	Files    []SparseFile // a multi-file torrent's files, in torrent order
	// Real says which pieces hold real bytes (PatternAt their offset in
	// the torrent) under their real hash. Every other piece has a zero
	// hash and no bytes anywhere: nobody can serve it.
	Real func(piece int) bool
}

// WriteSparse writes the real pieces of s under dir, each into its files as
// sparse files of their full length (a file without a real piece is not
// created), and returns the torrent.
func WriteSparse(tb testing.TB, dir string, s Sparse) *metainfo.MetaInfo {
	tb.Helper()
	info := metainfo.Info{Name: s.Name, PieceLength: s.PieceLen, Length: s.Length}
	paths := []string{filepath.Join(dir, s.Name)}
	ends := []int64{s.Length} // each file's end in the torrent
	if s.Files != nil {
		info.Length = 0
		paths, ends = paths[:0], ends[:0]
		var end int64
		for _, f := range s.Files {
			info.Files = append(info.Files, metainfo.FileInfo{Path: splitSlash(f.Path), Length: f.Length})
			end += f.Length
			paths = append(paths, filepath.Join(dir, s.Name, filepath.FromSlash(f.Path)))
			ends = append(ends, end)
		}
	}
	total := ends[len(ends)-1]
	n := int((total + s.PieceLen - 1) / s.PieceLen)
	info.Pieces = make([]byte, 20*n)
	open := make(map[int]*os.File)
	defer func() {
		for _, f := range open {
			f.Close()
		}
	}()
	for i := range n {
		if !s.Real(i) {
			continue
		}
		off := int64(i) * s.PieceLen
		data := PatternAt(off, int(min(s.PieceLen, total-off)))
		h := sha1.Sum(data)
		copy(info.Pieces[20*i:], h[:])
		// Write the piece into each file it spans.
		for j := sort.Search(len(ends), func(j int) bool { return ends[j] > off }); len(data) > 0; j++ {
			start := ends[j] - fileLen(&info, j)
			k := min(int64(len(data)), ends[j]-off)
			if k == 0 {
				continue // an empty file
			}
			f := open[j]
			if f == nil {
				if err := os.MkdirAll(filepath.Dir(paths[j]), 0o755); err != nil {
					tb.Fatal(err)
				}
				var err error
				if f, err = os.OpenFile(paths[j], os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644); err != nil {
					tb.Fatal(err)
				}
				if err := f.Truncate(fileLen(&info, j)); err != nil {
					tb.Fatal(err)
				}
				open[j] = f
			}
			if _, err := f.WriteAt(data[:k], off-start); err != nil {
				tb.Fatal(err)
			}
			data, off = data[k:], off+k
		}
	}
	return &metainfo.MetaInfo{InfoBytes: bencode.MustMarshal(info)}
}

func fileLen(info *metainfo.Info, j int) int64 {
	if info.Files == nil {
		return info.Length
	}
	return info.Files[j].Length
}

func splitSlash(p string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '/' {
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return out
}

// KnownPieces wraps a seeder's storage (SeederOptions.Storage) so that it
// says, without hashing anything, that exactly the pieces have says are
// complete: the library otherwise hashes every piece of a torrent when it
// is added, which for a Sparse torrent of gigabytes means reading them all.
func KnownPieces(have func(piece int) bool) func(storage.ClientImplCloser) storage.ClientImplCloser {
	return func(s storage.ClientImplCloser) storage.ClientImplCloser { return knownStorage{s, have} }
}

type knownStorage struct {
	storage.ClientImplCloser
	have func(int) bool
}

func (s knownStorage) OpenTorrent(ctx context.Context, info *metainfo.Info, ih metainfo.Hash) (storage.TorrentImpl, error) {
	t, err := s.ClientImplCloser.OpenTorrent(ctx, info, ih)
	if err != nil {
		return t, err
	}
	if piece := t.Piece; piece != nil {
		t.Piece = func(p metainfo.Piece) storage.PieceImpl { return knownPiece{piece(p), s.have(p.Index())} }
	}
	if piece := t.PieceWithHash; piece != nil {
		t.PieceWithHash = func(p metainfo.Piece, h g.Option[[]byte]) storage.PieceImpl {
			return knownPiece{piece(p, h), s.have(p.Index())}
		}
	}
	return t, nil
}

type knownPiece struct {
	storage.PieceImpl
	complete bool
}

func (p knownPiece) Completion() storage.Completion {
	return storage.Completion{Ok: true, Complete: p.complete}
}
