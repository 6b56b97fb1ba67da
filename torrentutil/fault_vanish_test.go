package torrentutil

import (
	"io"
	"testing"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// A reader blocked on a piece whose only seeder has gone waits, without an
// error, until a peer with the piece comes (here: the same data, on a new
// port, added at runtime), and then goes on from where it was: no reopen,
// no gap, no repeated bytes.
//
// The first seeder has only the first pieces, so the read past them cannot
// be served until the second seeder is added: the read is blocked, or about
// to block, whatever the goroutines' timing.
func TestReadSurvivesSeederRestart(t *testing.T) {
	const pieceLen = 64 << 10
	data := torrenttest.Pattern(16*pieceLen + 4321)
	tests := []struct {
		name string
		have int // pieces the first seeder serves before it goes
	}{
		{"gone after the first piece", 1},
		{"gone near the end", 15},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			first := newFaultySeeder(t, "movie.mkv", data, pieceLen, fault{
				missing: func(i int) bool { return i >= tc.have },
			})
			c := newTestClient(t, Config{})
			tt, f := firstFile(t, c, first)
			r := openFile(t, f)
			head := make([]byte, tc.have*pieceLen)
			if _, err := io.ReadFull(r, head); err != nil {
				t.Fatalf("reading the pieces the first seeder has: %v", err)
			}
			mustEqual(t, head, data[:len(head)])
			first.Close()

			type result struct {
				b   []byte
				err error
			}
			done := make(chan result, 1)
			go func() {
				b, err := io.ReadAll(r)
				done <- result{b, err}
			}()
			second := newFaultySeeder(t, "movie.mkv", data, pieceLen, fault{})
			if second.InfoHash() != first.InfoHash() || second.Addr() == first.Addr() {
				t.Fatalf("second seeder %s %s, first %s %s", second.InfoHash(), second.Addr(), first.InfoHash(), first.Addr())
			}
			tt.addPeers(second.Addr())
			res := <-done // the reader's context is the failure guard
			if res.err != nil {
				t.Fatalf("read after the seeder came back: %v", res.err)
			}
			mustEqual(t, append(head, res.b...), data)
		})
	}
}
