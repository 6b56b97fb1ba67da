package plan

import (
	"reflect"
	"testing"
	"time"

	"github.com/anacrolix/torrent/types"
)

const (
	now  = types.PiecePriorityNow
	next = types.PiecePriorityNext
	soon = types.PiecePriorityReadahead
	high = types.PiecePriorityHigh
	norm = types.PiecePriorityNormal
	none = types.PiecePriorityNone
)

func TestTierByDueTime(t *testing.T) {
	tests := []struct {
		start, pos int64
		bitrate    float64
		want       types.PiecePriority
	}{
		{0, 0, 1000, now},          // under the head
		{-500, 0, 1000, now},       // begins before the head
		{2499, 0, 1000, now},       // due in 2.499 s
		{2500, 0, 1000, next},      // due in 2.5 s
		{7499, 0, 1000, next},      // due in 7.499 s
		{7500, 0, 1000, soon},      // due in 7.5 s
		{15000, 0, 1000, high},     // due in 15 s
		{1 << 30, 0, 1000, high},   // far away: still high, never below
		{11000, 10000, 1000, now},  // relative to the head
		{5000, 0, 0, now},          // unknown bitrate: everything due now
		{20000, 0, 10000, now},     // a faster stream: 2 s
		{200000, 0, 10000, high},   // 20 s
		{100000, 0, 10000, soon},   // 10 s
		{50000, 0, 10000, next},    // 5 s
		{24999, 0, 10000, now},     // 2.4999 s
		{1000000, 0, 100000, soon}, // 10 s
	}
	for _, tc := range tests {
		if got := tierFor(dueIn(tc.start, tc.pos, tc.bitrate)); got != tc.want {
			t.Errorf("start %d, head %d, %v B/s: tier %v, want %v", tc.start, tc.pos, tc.bitrate, got, tc.want)
		}
	}
}

func TestWindowBounds(t *testing.T) {
	tests := []struct {
		name     string
		bitrate  float64
		pieceLen int64
		want     int64
	}{
		{"slow stream: the byte floor", 16 << 10, 256 << 10, readaheadMin},
		{"30 s of playback", 1 << 20, 256 << 10, 30 << 20},
		{"4k stream: the byte ceiling", 10 << 20, 256 << 10, readaheadMax},
		{"huge pieces: two of them", 1 << 20, 64 << 20, 128 << 20},
		{"no bitrate: the floor", 0, 256 << 10, readaheadMin},
	}
	for _, tc := range tests {
		if got := WindowBytes(tc.bitrate, tc.pieceLen); got != tc.want {
			t.Errorf("%s: windowBytes = %d, want %d", tc.name, got, tc.want)
		}
	}
	if got := Frontier(0, 16<<10); got != frontierMin {
		t.Errorf("Frontier(0, 16 KiB pieces) = %d, want the floor %d", got, frontierMin)
	}
	if got := Frontier(10<<20, 256<<10); got != 10<<20/4 {
		t.Errorf("Frontier(10 MiB/s) = %d, want a quarter second of it", got)
	}
}

// Whatever the rate, a second piece is admitted before the first
// completes: a connection that has answered its requests must find the
// next piece wanted already (see Frontier). Small pieces: at once; large
// ones: once the first lacks less than twice frontierMin.
func TestFrontierAdmitsTwoPieces(t *testing.T) {
	for _, pieceLen := range []int64{16 << 10, 256 << 10, 512 << 10, 1 << 20, 16 << 20} {
		g := Geometry{Size: 64 * pieceLen, PieceLen: pieceLen}
		ns := Needs(Claim{Geometry: g, Bitrate: 1 << 20, Windows: []Window{{Pos: 0, Reach: 8 * pieceLen}}})
		first := min(pieceLen, 2*frontierMin-1) // what the first piece lacks
		missing := func(i int) int64 {
			if i == 0 {
				return first
			}
			return pieceLen
		}
		if want, _ := Admit(ns, Frontier(1, pieceLen), missing); len(want) < 2 {
			t.Errorf("%d-byte pieces, %d bytes of the first missing: admitted %v, want pieces 0 and 1", pieceLen, first, want)
		}
		if pieceLen > 2*frontierMin {
			if want, _ := Admit(ns, Frontier(1, pieceLen), func(int) int64 { return pieceLen }); len(want) != 1 {
				t.Errorf("%d-byte pieces, nothing in: admitted %v, want the first alone", pieceLen, want)
			}
		}
	}
}

func TestNeedsOrder(t *testing.T) {
	g := Geometry{Off: 100, Size: 10000, PieceLen: 1000} // pieces 0..10
	tests := []struct {
		name string
		ws   []Window
		tail Span
		want []Need
	}{
		{"one head", []Window{{0, 2500, 0}}, Span{}, []Need{{0, 0}, {1, 900 * time.Millisecond}, {2, 1900 * time.Millisecond}}},
		{"head mid-piece", []Window{{1500, 1000, 0}}, Span{}, []Need{{1, 0}, {2, 400 * time.Millisecond}}},
		{"tail first, then the head", []Window{{3000, 1000, 0}}, Span{9, 11}, []Need{{3, 0}, {9, 0}, {10, 0}, {4, 900 * time.Millisecond}}},
		{"window clipped at the end", []Window{{9500, 5000, 0}}, Span{}, []Need{{9, 0}, {10, 400 * time.Millisecond}}},
		{"two heads: nearest decides, interleaved by due time", []Window{{0, 3000, 0}, {5000, 2000, 0}}, Span{},
			[]Need{{0, 0}, {5, 0}, {1, 900 * time.Millisecond}, {6, 900 * time.Millisecond}, {2, 1900 * time.Millisecond}, {7, 1900 * time.Millisecond}, {3, 2900 * time.Millisecond}}},
		{"overlapping heads count once", []Window{{0, 3000, 0}, {1000, 1000, 0}}, Span{}, []Need{{0, 0}, {1, 0}, {2, 900 * time.Millisecond}, {3, 2900 * time.Millisecond}}},
		{"heads off the file are ignored", []Window{{-1, 1000, 0}, {10000, 1000, 0}, {0, 0, 0}}, Span{}, []Need{}},
		// The player plays 2000 bytes behind what it read: the piece at its
		// read head is due in 1.9 s, not at once.
		{"a lead delays the window", []Window{{3000, 2000, 2000}}, Span{}, []Need{{3, 1900 * time.Millisecond}, {4, 2900 * time.Millisecond}, {5, 3900 * time.Millisecond}}},
		{"a lead and a head without: the head first", []Window{{3000, 1000, 2000}, {6000, 1000, 0}}, Span{},
			[]Need{{6, 0}, {7, 900 * time.Millisecond}, {3, 1900 * time.Millisecond}, {4, 2900 * time.Millisecond}}},
	}
	for _, tc := range tests {
		got := Needs(Claim{Geometry: g, Bitrate: 1000, Index: tc.tail, Windows: tc.ws})
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: needs = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestNeedsShared: two files' claims make one plan; a piece they share is
// due when the sooner of them needs it, and is listed once.
func TestNeedsShared(t *testing.T) {
	a := Claim{Geometry: Geometry{Off: 0, Size: 2500, PieceLen: 1000}, Bitrate: 1000, Windows: []Window{{0, 2500, 0}}}
	b := Claim{Geometry: Geometry{Off: 2500, Size: 5000, PieceLen: 1000}, Bitrate: 100, Windows: []Window{{0, 1500, 0}}}
	got := Needs(a, b)
	want := []Need{{0, 0}, {2, 0}, {1, time.Second}, {3, 5 * time.Second}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("needs = %v, want %v", got, want)
	}
}

func TestAdmitBudget(t *testing.T) {
	ns := []Need{{0, 0}, {1, 0}, {2, 3 * time.Second}, {3, 8 * time.Second}, {4, 20 * time.Second}}
	tests := []struct {
		name    string
		budget  int64
		missing map[int]int64 // 1 unless listed
		want    map[int]types.PiecePriority
		left    int64
	}{
		{"all fit", 10, nil, map[int]types.PiecePriority{0: now, 1: now, 2: next, 3: soon, 4: high}, 5},
		{"soonest first", 3, nil, map[int]types.PiecePriority{0: now, 1: now, 2: next}, 0},
		{"pieces due at once always", 1, nil, map[int]types.PiecePriority{0: now, 1: now}, -1},
		{"complete pieces cost nothing", 2, map[int]int64{0: 0, 2: 0}, map[int]types.PiecePriority{1: now, 3: soon}, 0},
		{"a piece costs what it lacks", 5, map[int]int64{2: 2}, map[int]types.PiecePriority{0: now, 1: now, 2: next, 3: soon}, 0},
		{"nothing left", 0, map[int]int64{0: 0, 1: 0, 2: 0, 3: 0, 4: 0}, map[int]types.PiecePriority{}, 0},
	}
	for _, tc := range tests {
		got, left := Admit(ns, tc.budget, func(i int) int64 {
			if m, ok := tc.missing[i]; ok {
				return m
			}
			return 1
		})
		if !reflect.DeepEqual(got, tc.want) || left != tc.left {
			t.Errorf("%s: admit = %v, %d left; want %v, %d", tc.name, got, left, tc.want, tc.left)
		}
	}
}

func TestDiff(t *testing.T) {
	boosted := map[int]types.PiecePriority{1: now, 2: next, 3: high}
	want := map[int]types.PiecePriority{2: now, 3: high, 4: norm}
	got := map[int]types.PiecePriority{}
	for _, c := range Diff(boosted, want) {
		if _, dup := got[c.Piece]; dup {
			t.Fatalf("piece %d changed twice", c.Piece)
		}
		got[c.Piece] = c.Prio
	}
	wantChanges := map[int]types.PiecePriority{1: none, 2: now, 4: norm}
	if !reflect.DeepEqual(got, wantChanges) {
		t.Fatalf("diff = %v, want %v", got, wantChanges)
	}
}
