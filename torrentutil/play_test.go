package torrentutil

import (
	"io"
	"testing"
	"time"

	"github.com/btstream/btstream/torrentutil/plan"
	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// A play position the player announces (a seek seen on its IPC link) is
// fetched before any reader asks for it, and only it: a file nobody
// prioritized and nobody reads claims nothing else.
func TestSetPlayFetchesAnnouncedSeek(t *testing.T) {
	const pieceLen = 64 << 10
	data := torrenttest.Pattern(16 << 20)
	s := newTestSeeder(t, "movie.mkv", data, pieceLen, Config{})
	tt, f := firstFile(t, newTestClient(t, Config{}), s)
	schedule(t, tt)
	bitrate, _ := f.bitrate(time.Now(), nil)
	at := time.Duration(float64(len(data)/2) / bitrate * float64(time.Second))
	p := f.OffsetAt(at)
	if p < 4<<20 || p >= int64(len(data))-pieceLen {
		t.Fatalf("OffsetAt(%v) = %d: want the middle of the file for this test", at, p)
	}
	f.SetPlay(at)
	if got, ok := f.Play(); !ok || got != at {
		t.Fatalf("Play() = %v, %v; want %v, true", got, ok, at)
	}
	i := f.g.Piece(p)
	eventually(t, "the announced play position's piece arrives", func() bool { return tt.t.PieceState(i).Complete })
	if tt.t.PieceState(0).Complete {
		t.Errorf("piece 0 arrived: the play position should be all the file claims")
	}
	f.ForgetPlay()
	if _, ok := f.Play(); ok {
		t.Errorf("Play() known after ForgetPlay")
	}
}

// With the player's play position known, the read head it plays from is
// due from there (its lead: what the player read and has not played),
// other heads keep their own windows, and a play position that no head has
// reached with every byte in gets a window of its own.
func TestPlayWindows(t *testing.T) {
	const pieceLen = 64 << 10
	data := torrenttest.Pattern(32 << 20)
	s := newTestSeeder(t, "movie.mkv", data, pieceLen, Config{})
	_, f := firstFile(t, newTestClient(t, Config{}), s)
	// Fetch the first 4 MiB, with no scheduler: the bytes between play
	// and head are in there, and nothing past the reader's read-ahead.
	r, err := f.Open(deadline(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(r, make([]byte, 4<<20)); err != nil {
		t.Fatal(err)
	}
	r.Close()
	const reach = 2 << 20
	p := int64(1 << 20)
	tests := []struct {
		name  string
		heads []int64
		want  []plan.Window
	}{
		{"the head the player reads from is due from the play position", []int64{3 << 20},
			[]plan.Window{{Pos: 3 << 20, Reach: 2 * pieceLen, Lead: 2 << 20}}},
		{"its window reaches as far past the play position as a head's", []int64{p + 512<<10},
			[]plan.Window{{Pos: p + 512<<10, Reach: reach - 512<<10, Lead: 512 << 10}}},
		{"of two heads ahead, the nearer is the player's", []int64{3 << 20, 2 << 20},
			[]plan.Window{{Pos: 3 << 20, Reach: reach}, {Pos: 2 << 20, Reach: reach - 1<<20, Lead: 1 << 20}}},
		{"a head behind the play position: a window at the play position too", []int64{0},
			[]plan.Window{{Pos: 0, Reach: reach}, {Pos: p, Reach: reach}}},
		{"a head past a gap is not the player's: the play position gets its own window", []int64{24 << 20},
			[]plan.Window{{Pos: 24 << 20, Reach: reach}, {Pos: p, Reach: reach}}},
		{"no head: a window at the play position", nil, []plan.Window{{Pos: p, Reach: reach}}},
	}
	for _, tc := range tests {
		var hs []plan.Head
		for _, pos := range tc.heads {
			hs = append(hs, plan.Head{Pos: pos})
		}
		got := f.playWindows(hs, p, reach)
		if len(got) != len(tc.want) {
			t.Errorf("%s: windows %+v, want %+v", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: windows %+v, want %+v", tc.name, got, tc.want)
				break
			}
		}
	}
}

// A resumed film's start buffer is the Want bytes from StartRule.From: the
// start rule counts them there, and reads there are not held as seeks.
func TestStartRuleFrom(t *testing.T) {
	const pieceLen = 64 << 10
	data := torrenttest.Pattern(8 << 20)
	s := newTestSeeder(t, "movie.mkv", data, pieceLen, Config{})
	tt, f := firstFile(t, newTestClient(t, Config{}), s)
	rule := StartRule{Want: 256 << 10, From: 5 << 20, Exact: true}
	stream(t, f, rule)
	if err := f.WaitReady(deadline(t), rule); err != nil {
		t.Fatal(err)
	}
	if p := f.Progress(rule); p.Buffered < rule.Want {
		t.Errorf("ready with %d bytes buffered at %d, want %d", p.Buffered, rule.From, rule.Want)
	}
	for i := f.g.Piece(rule.From); i < f.g.Piece(rule.From+rule.Want); i++ {
		if !tt.t.PieceState(i).Complete {
			t.Errorf("ready with piece %d of the start buffer missing", i)
		}
	}
	for _, pos := range []int64{rule.From, rule.From + rule.Want - 1} {
		if f.holds(pos) {
			t.Errorf("a read at %d, in the start buffer, is held as a seek", pos)
		}
	}
	if !f.holds(rule.From + rule.Want) {
		t.Errorf("a read past the start buffer is not held as a seek")
	}
}
