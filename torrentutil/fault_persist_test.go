package torrentutil

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/btstream/btstream/torrentutil/plan"
	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// A run that ends part way leaves its verified pieces for the next run on
// the same data folder (Config.Persist). The next run, with no peer at all,
// knows every piece's state at once, without hashing anything, reports
// exactly the verified pieces complete, and serves them; the rest stays
// incomplete and unreadable. When the data file
// was truncated or deleted in between, the pieces it no longer holds are
// incomplete again instead of being served from nothing.
func TestPersistPartialDownload(t *testing.T) {
	const pieceLen = 128 << 10
	data := torrenttest.Pattern(44*pieceLen + 1000)
	size := int64(len(data))
	want := int64(4 * pieceLen)
	tail := plan.TailSpan(0, size, pieceLen, fallbackTail)
	head := plan.PieceSpan(0, want, pieceLen)
	if head.End >= tail.Begin {
		t.Fatalf("no gap between head %v and tail %v", head, tail)
	}
	// The first run can get the head and the tail: what the start rule needs.
	have := func(i int) bool { return i < head.End || i >= tail.Begin }
	tests := []struct {
		name   string
		damage func(t *testing.T, path string)
		left   int64 // bytes of the data file left by damage
	}{
		{"file kept", func(*testing.T, string) {}, size},
		{"file truncated", truncate(int64(tail.Begin)*pieceLen + pieceLen/2), int64(tail.Begin)*pieceLen + pieceLen/2},
		{"file deleted", func(t *testing.T, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := newFaultySeeder(t, "movie.mkv", data, pieceLen, fault{missing: func(i int) bool { return !have(i) }})
			c := newTestClient(t, Config{DataDir: dir, Persist: true})
			_, f := firstFile(t, c, s)
			stream(t, f, StartRule{Want: want, Exact: true})
			if err := f.WaitReady(deadline(t), StartRule{Want: want, Exact: true}); err != nil {
				t.Fatal(err)
			}
			// The start rule counts bytes in, not verified: the last of them
			// may still be hashing. This run ends once they are verified.
			waitFor(t, f.t, "the head and the tail verified", func() bool {
				for i := range f.t.t.NumPieces() {
					if have(i) && !f.t.t.PieceState(i).Complete {
						return false
					}
				}
				return true
			})
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			s.Close()
			tc.damage(t, filepath.Join(dir, "movie.mkv"))

			c2 := newTestClient(t, Config{DataDir: dir, Persist: true})
			t2 := addByMetainfo(t, c2, s)
			// Checked first thing: a hash check, queued when the torrent is
			// added, would be over soon after.
			for i := range t2.t.NumPieces() {
				if ps := t2.t.PieceState(i); !ps.Ok || ps.Checking {
					t.Fatalf("after restart piece %d is %+v; want its state known without a hash check", i, ps)
				}
			}
			f2, err := t2.File(0)
			if err != nil {
				t.Fatal(err)
			}
			complete := func(i int) bool {
				return have(i) && min(int64(i+1)*pieceLen, size) <= tc.left
			}
			var wantDone, wantBuffered int64
			for i := range t2.t.NumPieces() {
				n := min(int64(i+1)*pieceLen, size) - int64(i)*pieceLen
				if complete(i) {
					wantDone += n
					if wantBuffered == int64(i)*pieceLen {
						wantBuffered += n
					}
				}
			}
			p := f2.Progress(StartRule{Want: size, Exact: true})
			if p.Completed != wantDone || p.Buffered != wantBuffered {
				t.Fatalf("after restart: %d bytes complete, %d buffered; want %d, %d", p.Completed, p.Buffered, wantDone, wantBuffered)
			}
			checkPieces(t, f2, data, pieceLen, complete)
		})
	}
}

// checkPieces reads every piece of f with no peer: a complete piece must
// read as data, an incomplete one must fail at once. The reader's context
// is already cancelled, so a read that would wait fails instead.
func checkPieces(t *testing.T, f *File, data []byte, pieceLen int64, complete func(int) bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, err := f.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for off := int64(0); off < int64(len(data)); off += pieceLen {
		i := int(off / pieceLen)
		if _, err := r.Seek(off, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		b := make([]byte, min(pieceLen, int64(len(data))-off))
		_, err := io.ReadFull(r, b)
		switch {
		case complete(i) && err != nil:
			t.Fatalf("piece %d is complete, read: %v", i, err)
		case complete(i):
			mustEqual(t, b, data[off:off+int64(len(b))])
		case !errors.Is(err, context.Canceled):
			t.Fatalf("piece %d is not complete, read = %v; want it to wait (context.Canceled)", i, err)
		}
	}
}

func truncate(n int64) func(*testing.T, string) {
	return func(t *testing.T, path string) {
		if err := os.Truncate(path, n); err != nil {
			t.Fatal(err)
		}
	}
}
