package torrentutil

import (
	"io"
	"slices"
	"testing"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// Files another program wrote into the data folder, with the torrent's
// layout, are checked and every good piece is reused: only the pieces that
// fail their check come from the swarm, and a reader gets the source's
// bytes. With persistent records or not: having none is what another
// program's download looks like.
func TestAdoptReusesGoodPieces(t *testing.T) {
	const pieceLen = 64 << 10
	data := torrenttest.Pattern(12*pieceLen + 999)
	tests := []struct {
		name    string
		persist bool
		bad     []int // pieces written wrong
	}{
		{"complete file", true, nil},
		{"complete file, records in memory", false, nil},
		{"one corrupt piece", true, []int{5}},
		{"corrupt first and last piece", false, []int{0, 12}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSeeder(t, "movie.mkv", data, pieceLen, Config{})
			dir := t.TempDir()
			disk := slices.Clone(data)
			var want int64
			for _, i := range tc.bad {
				disk[i*pieceLen] ^= 0xff
				want += min(pieceLen, int64(len(data)-i*pieceLen))
			}
			torrenttest.WriteFile(t, dir, "movie.mkv", disk)
			c := newTestClient(t, Config{DataDir: dir, Persist: tc.persist})
			_, f := firstFile(t, c, s)
			rule := StartRule{Want: f.Size(), Exact: true}
			stream(t, f, rule)
			if err := f.WaitReady(deadline(t), rule); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(openFile(t, f))
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, got, data)
			if up := s.Uploaded(); up != want {
				t.Errorf("the seeder sent %d bytes; want %d (the corrupt pieces only)", up, want)
			}
		})
	}
}

// The check hands out the pieces the scheduler wants first, most urgent
// first, then the rest in index order, each piece once.
func TestCheckQueueOrder(t *testing.T) {
	q := &checkQueue{left: map[int]bool{}}
	for _, i := range []int{1, 2, 3, 7, 8, 9} {
		q.order = append(q.order, i)
		q.left[i] = true
	}
	var got []int
	for _, wanted := range [][]int{{9, 8}, {9, 8}, {5, 3}, nil, nil, nil, nil} {
		if i, ok := q.next(wanted); ok {
			got = append(got, i)
		}
	}
	if want := []int{9, 8, 3, 1, 2, 7}; !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
}
