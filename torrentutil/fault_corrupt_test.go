package torrentutil

import (
	"io"
	"testing"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// A piece that fails its hash check is thrown away and fetched again, and
// what a reader gets once the file is verified is the source, byte for byte.
//
// The corrupting seeder is the leecher's only peer until a hash failure is
// seen; it then leaves and an honest seeder arrives at runtime (AddPeers). The order makes the
// test deterministic: with both connected, who serves the bad piece again is
// up to the library's request strategy. What the test asserts is the full
// read after WaitReady for the whole file. It does not assert what a reader
// sees while the bad piece is in flight: readers are responsive (File.Open),
// so bytes of a piece not yet verified can reach them.
func TestCorruptPieceIsRefetched(t *testing.T) {
	const pieceLen = 64 << 10
	data := torrenttest.Pattern(10*pieceLen + 999)
	tests := []struct {
		name string
		bad  []int // pieces the corrupting seeder serves with a flipped byte
	}{
		{"one middle piece", []int{4}},
		{"first and last piece", []int{0, 10}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			liar := newFaultySeeder(t, "movie.mkv", data, pieceLen, fault{corrupt: pieceSet(tc.bad...)})
			c := newTestClient(t, Config{})
			tt, f := firstFile(t, c, liar)
			stream(t, f, StartRule{Want: f.Size(), Exact: true})
			waitFor(t, tt, "a hash failure", func() bool { return tt.stats().HashFailures > 0 })
			for _, i := range tc.bad {
				if tt.t.PieceState(i).Complete {
					t.Fatalf("corrupt piece %d is complete", i)
				}
			}
			liar.Close()

			// The library bans the liar's IP, 127.0.0.1, once the good
			// piece shows which peer sent the bad block (smart ban): the
			// honest seeder lives on another loopback IP.
			honest := newFaultySeeder(t, "movie.mkv", data, pieceLen, fault{host: "127.0.0.2"})
			if honest.InfoHash() != liar.InfoHash() {
				t.Fatal("seeders disagree on the torrent")
			}
			tt.addPeers(honest.Addr())
			if err := f.WaitReady(deadline(t), StartRule{Want: f.Size(), Exact: true}); err != nil {
				t.Fatal(err)
			}
			r := openFile(t, f)
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, got, data)
		})
	}
}

// A verified reader (--stdout) never returns a lying peer's bytes: a read
// blocked on the corrupt piece waits through the failed check and returns
// the honest seeder's bytes. A responsive reader would return the flipped
// byte as soon as its chunk arrived.
func TestVerifiedReaderSkipsCorruptBytes(t *testing.T) {
	const pieceLen = 64 << 10
	const bad = 4
	data := torrenttest.Pattern(10*pieceLen + 999)
	liar := newFaultySeeder(t, "movie.mkv", data, pieceLen, fault{corrupt: pieceSet(bad)})
	c := newTestClient(t, Config{})
	tt, f := firstFile(t, c, liar)
	r, err := f.OpenVerified(deadline(t))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	off := int64(bad * pieceLen)
	if _, err := r.Seek(off, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	go func() {
		b := make([]byte, pieceLen)
		n, _ := io.ReadFull(r, b)
		got <- b[:n]
	}()
	waitFor(t, tt, "a hash failure", func() bool { return tt.stats().HashFailures > 0 })
	liar.Close()
	honest := newFaultySeeder(t, "movie.mkv", data, pieceLen, fault{host: "127.0.0.2"})
	tt.addPeers(honest.Addr())
	mustEqual(t, <-got, data[off:off+pieceLen])
}
