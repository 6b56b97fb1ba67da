package torrentutil

import (
	"reflect"
	"testing"
	"time"

	"github.com/anacrolix/torrent"
)

const (
	now  = torrent.PiecePriorityNow
	next = torrent.PiecePriorityNext
	soon = torrent.PiecePriorityReadahead
	high = torrent.PiecePriorityHigh
	norm = torrent.PiecePriorityNormal
	none = torrent.PiecePriorityNone
)

func TestTierByDueTime(t *testing.T) {
	tests := []struct {
		start, pos int64
		bitrate    float64
		want       torrent.PiecePriority
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
		if got := windowBytes(tc.bitrate, tc.pieceLen); got != tc.want {
			t.Errorf("%s: windowBytes = %d, want %d", tc.name, got, tc.want)
		}
	}
	if got := frontier(0); got != frontierMin {
		t.Errorf("frontier(0) = %d, want the floor %d", got, frontierMin)
	}
	if got := frontier(10 << 20); got != 20<<20 {
		t.Errorf("frontier(10 MiB/s) = %d, want 2 s of it", got)
	}
}

func TestNeedsOrder(t *testing.T) {
	g := geometry{off: 100, size: 10000, pieceLen: 1000} // pieces 0..10
	tests := []struct {
		name string
		ws   []window
		tail span
		want []need
	}{
		{"one head", []window{{0, 2500}}, span{}, []need{{0, 0}, {1, 900 * time.Millisecond}, {2, 1900 * time.Millisecond}}},
		{"head mid-piece", []window{{1500, 1000}}, span{}, []need{{1, 0}, {2, 400 * time.Millisecond}}},
		{"tail first, then the head", []window{{3000, 1000}}, span{9, 11}, []need{{3, 0}, {9, 0}, {10, 0}, {4, 900 * time.Millisecond}}},
		{"window clipped at the end", []window{{9500, 5000}}, span{}, []need{{9, 0}, {10, 400 * time.Millisecond}}},
		{"two heads: nearest decides, interleaved by due time", []window{{0, 3000}, {5000, 2000}}, span{},
			[]need{{0, 0}, {5, 0}, {1, 900 * time.Millisecond}, {6, 900 * time.Millisecond}, {2, 1900 * time.Millisecond}, {7, 1900 * time.Millisecond}, {3, 2900 * time.Millisecond}}},
		{"overlapping heads count once", []window{{0, 3000}, {1000, 1000}}, span{}, []need{{0, 0}, {1, 0}, {2, 900 * time.Millisecond}, {3, 2900 * time.Millisecond}}},
		{"heads off the file are ignored", []window{{-1, 1000}, {10000, 1000}, {0, 0}}, span{}, []need{}},
	}
	for _, tc := range tests {
		got := needs(g, tc.ws, tc.tail, 1000)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: needs = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestAdmitBudget(t *testing.T) {
	ns := []need{{0, 0}, {1, 0}, {2, 3 * time.Second}, {3, 8 * time.Second}, {4, 20 * time.Second}}
	tests := []struct {
		name     string
		budget   int64
		complete []int
		want     map[int]torrent.PiecePriority
		left     int64
	}{
		{"all fit", 10, nil, map[int]torrent.PiecePriority{0: now, 1: now, 2: next, 3: soon, 4: high}, 5},
		{"soonest first", 3, nil, map[int]torrent.PiecePriority{0: now, 1: now, 2: next}, 0},
		{"urgent pieces always", 1, nil, map[int]torrent.PiecePriority{0: now, 1: now}, -1},
		{"complete pieces cost nothing", 2, []int{0, 2}, map[int]torrent.PiecePriority{1: now, 3: soon}, 0},
		{"nothing left", 0, []int{0, 1, 2, 3, 4}, map[int]torrent.PiecePriority{}, 0},
	}
	for _, tc := range tests {
		done := map[int]bool{}
		for _, i := range tc.complete {
			done[i] = true
		}
		got, left := admit(ns, tc.budget, 1, func(i int) bool { return done[i] })
		if !reflect.DeepEqual(got, tc.want) || left != tc.left {
			t.Errorf("%s: admit = %v, %d left; want %v, %d", tc.name, got, left, tc.want, tc.left)
		}
	}
}

func TestDiff(t *testing.T) {
	boosted := map[int]torrent.PiecePriority{1: now, 2: next, 3: high}
	want := map[int]torrent.PiecePriority{2: now, 3: high, 4: norm}
	got := map[int]torrent.PiecePriority{}
	for _, c := range diff(boosted, want) {
		if _, dup := got[c.piece]; dup {
			t.Fatalf("piece %d changed twice", c.piece)
		}
		got[c.piece] = c.prio
	}
	wantChanges := map[int]torrent.PiecePriority{1: none, 2: now, 4: norm}
	if !reflect.DeepEqual(got, wantChanges) {
		t.Fatalf("diff = %v, want %v", got, wantChanges)
	}
}

func TestSlowPeer(t *testing.T) {
	tests := []struct {
		name string
		ps   []peerRate
		want int
	}{
		{"far slower", []peerRate{{1 << 20, 100}, {256 << 10, 100}}, 1},
		{"not slow enough", []peerRate{{1 << 20, 100}, {400 << 10, 100}}, -1},
		{"the slowest of three", []peerRate{{100, 100}, {1 << 20, 100}, {200, 100}}, 0},
		{"too new to judge", []peerRate{{1 << 20, 100}, {0, 2}}, -1},
		{"alone", []peerRate{{10, 100}}, -1},
		{"none", nil, -1},
	}
	for _, tc := range tests {
		if got := slowPeer(tc.ps); got != tc.want {
			t.Errorf("%s: slowPeer = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestReady(t *testing.T) {
	tests := []struct {
		name string
		p    Progress
		want bool
	}{
		{"want buffered", Progress{TailDone: true, Buffered: 100, Want: 100, Size: 1000}, true},
		{"tail missing", Progress{Buffered: 100, Want: 100, Size: 1000, Early: true}, false},
		{"short of want", Progress{TailDone: true, Buffered: 99, Want: 100, Size: 1000}, false},
		{"early start", Progress{TailDone: true, Buffered: 10, Want: 100, Size: 1000, Early: true}, true},
		{"want beyond the file", Progress{TailDone: true, Buffered: 50, Want: 100, Size: 50}, true},
	}
	for _, tc := range tests {
		if got := tc.p.Ready(); got != tc.want {
			t.Errorf("%s: Ready = %v, want %v", tc.name, got, tc.want)
		}
	}
}
