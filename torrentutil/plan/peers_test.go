package plan

import (
	"slices"
	"testing"
	"time"
)

func TestCulprit(t *testing.T) {
	sec := time.Second
	serving := Peer{HasPiece: true, Outstanding: 8, Idle: 50 * time.Millisecond, Age: time.Minute, Delivered: 500}
	stuck := Peer{Pending: 4, Outstanding: 4, HasPiece: true, Idle: 3 * sec, PieceIdle: 3 * sec, Age: time.Minute, Delivered: 100}
	choker := Peer{Pending: 2, Outstanding: 2, HasPiece: true, Choking: true, Idle: 100 * time.Millisecond, Age: time.Minute, Delivered: 100}
	slow := Peer{Pending: 3, Outstanding: 12, HasPiece: true, Idle: 300 * time.Millisecond, PieceIdle: 2 * sec, Age: time.Minute, Delivered: 100}
	liar := Peer{Pending: 1, Outstanding: 6, HasPiece: true, Idle: 100 * time.Millisecond, PieceIdle: 6 * sec, Age: time.Minute, Delivered: 300}
	newbie := Peer{Pending: 6, Outstanding: 6, HasPiece: true, Idle: 1500 * time.Millisecond, PieceIdle: 1500 * time.Millisecond, Age: 1500 * time.Millisecond, Delivered: 1}
	asleep := Peer{HasPiece: true, Idle: 2 * sec, Age: time.Minute, Delivered: 100}
	tests := []struct {
		name   string
		ps     []Peer
		want   int
		asleep bool
	}{
		{"a holder that stopped delivering, beside one that serves", []Peer{serving, stuck}, 1, false},
		{"a holder that chokes us", []Peer{choker, serving}, 0, false},
		{"a slow holder that delivers: its bandwidth may be needed", []Peer{slow, serving}, -1, false},
		{"a holder that serves all but the held piece", []Peer{serving, liar}, 1, false},
		{"the holder of most requests of two late ones", []Peer{stuck, serving, {Pending: 9, Outstanding: 9, HasPiece: true, Idle: 2 * sec, Age: time.Minute}}, 2, false},
		{"nobody else serves the piece: keep it", []Peer{stuck, {HasPiece: false, Idle: 0, Age: time.Minute}}, -1, false},
		{"nobody else serves it, and the holder has sent nothing for long: it sleeps", []Peer{{Pending: 1, Outstanding: 1, HasPiece: true, Idle: 6 * sec, PieceIdle: 6 * sec, Age: time.Minute, Delivered: 100}}, 0, true},
		{"nobody else serves it, and the holder chokes us: keep it", []Peer{{Pending: 1, Outstanding: 1, HasPiece: true, Choking: true, Idle: time.Minute, PieceIdle: time.Minute, Age: time.Minute, Delivered: 100}}, -1, false},
		{"the other is idle but has the piece", []Peer{stuck, {HasPiece: true, Idle: time.Minute, Age: time.Minute}}, 0, false},
		{"the other chokes us", []Peer{stuck, {HasPiece: true, Choking: true, Age: time.Minute}}, -1, false},
		{"a newcomer is not judged", []Peer{newbie, serving}, -1, false},
		{"nobody holds it: the idle peer that has it asks for nothing", []Peer{{HasPiece: false, Age: time.Minute}, asleep}, 1, true},
		{"nobody holds it: a peer busy with other pieces is not asleep", []Peer{{HasPiece: true, Outstanding: 5, Idle: 2 * sec, Age: time.Minute}}, -1, false},
		{"nobody holds it and nobody is idle long", []Peer{serving}, -1, false},
		{"none", nil, -1, false},
	}
	for _, tc := range tests {
		if got, asleep := Culprit(tc.ps); got != tc.want || asleep != tc.asleep {
			t.Errorf("%s: Culprit = %d, %v; want %d, %v", tc.name, got, asleep, tc.want, tc.asleep)
		}
	}
}

func TestRedial(t *testing.T) {
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, 64 * time.Second, 64 * time.Second}
	for i, w := range want {
		if got := Redial(i); got != w {
			t.Errorf("Redial(%d) = %v, want %v", i, got, w)
		}
	}
}

func TestHostages(t *testing.T) {
	const pieceLen = 1000
	t0 := time.Unix(1000, 0)
	missing := map[int]int64{1: 400, 2: pieceLen}
	steps := []struct {
		name   string
		at     time.Duration
		urgent map[int]bool
		change func()
		want   []int
	}{
		{"first sight: nothing to judge", 0, map[int]bool{1: false, 2: false}, nil, nil},
		{"no gain, but not for long", 900 * time.Millisecond, map[int]bool{1: false, 2: false}, nil, nil},
		{"partly in and stuck past a second", 1100 * time.Millisecond, map[int]bool{1: false, 2: false}, nil, []int{1}},
		{"it gained bytes: the clock restarts", 1200 * time.Millisecond, map[int]bool{1: false, 2: false}, func() { missing[1] = 200 }, nil},
		{"nothing of it came and no head waits: no hostage", 2500 * time.Millisecond, map[int]bool{2: false}, nil, nil},
		{"a head waits on it", 2600 * time.Millisecond, map[int]bool{2: true}, nil, []int{2}},
	}
	var h Hostages
	for _, s := range steps {
		if s.change != nil {
			s.change()
		}
		got := h.Held(t0.Add(s.at), s.urgent, pieceLen, func(i int) int64 { return missing[i] })
		if !slices.Equal(got, s.want) {
			t.Errorf("%s: Held = %v, want %v", s.name, got, s.want)
		}
	}
}

func TestLiar(t *testing.T) {
	sec := time.Second
	tests := []struct {
		name string
		p    Peer
		want bool
	}{
		{"asked 5 s ago, not one chunk", Peer{Mute: 5 * sec, Age: 5 * sec}, true},
		{"connected long ago, asked lately, not one chunk yet", Peer{Mute: 4 * sec, Age: time.Minute}, false},
		{"a new connection, mute on its earlier ones", Peer{Mute: 5 * sec, Age: sec}, true},
		{"slow but delivers", Peer{Delivered: 3, Age: time.Minute, Idle: 4 * sec}, false},
		{"never asked: nothing to hold against it", Peer{Age: time.Minute}, false},
		{"rejects while unchoking", Peer{Rejected: 8, Delivered: 100, Age: time.Minute}, true},
		{"rejected a few", Peer{Rejected: 3, Delivered: 100, Age: time.Minute}, false},
		{"rejects, then chokes: an honest choke", Peer{Rejected: 8, Choking: true, Delivered: 100, Age: time.Minute}, false},
		{"choked three times within the window", Peer{Chokes: 3, Delivered: 100, Age: time.Minute}, true},
		{"a rechoke round's choke", Peer{Chokes: 1, Delivered: 100, Age: time.Minute}, false},
		{"every piece it sent failed", Peer{BadPieces: 2, Delivered: 30, Age: 3 * sec}, true},
		{"shared a failed piece with a liar, passed others", Peer{BadPieces: 2, GoodPieces: 5, Delivered: 100, Age: 3 * sec}, false},
		{"one failed piece", Peer{BadPieces: 1, Delivered: 16, Age: 3 * sec}, false},
	}
	for _, tc := range tests {
		if got := Liar(tc.p); got != tc.want {
			t.Errorf("%s: Liar = %v, want %v", tc.name, got, tc.want)
		}
	}
}
