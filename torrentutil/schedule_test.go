package torrentutil

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/anacrolix/torrent"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// schedule runs tt.Schedule until the test ends.
func schedule(t *testing.T, tt *Torrent) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tt.Schedule(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Schedule = %v", err)
		}
	})
}

// stream prioritizes f by rule and runs its torrent's scheduler until the
// test ends, as btstream does with the file it plays.
func stream(t *testing.T, f *File, rule StartRule) {
	t.Helper()
	f.Prioritize(rule)
	schedule(t, f.t)
}

// eventually waits for cond, failing the test when the guard deadline
// passes first. It measures nothing.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx := deadline(t)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("gave up waiting: %s", what)
		case <-tick.C:
		}
	}
}

// With the scheduler in charge (the file itself at no priority), a head
// reader and a tail reader reading at once both get their bytes.
func TestScheduleServesHeadAndTail(t *testing.T) {
	data := torrenttest.Pattern(12<<20 + 4321)
	s := newTestSeeder(t, "movie.mkv", data, 256<<10, Config{})
	c := newTestClient(t, Config{})
	tt := addFromSeeder(t, c, s)
	f, _ := tt.File(0)
	stream(t, f, StartRule{Want: 64 << 10})
	eventually(t, "Schedule runs", tt.scheduled.Load)
	if err := tt.Schedule(context.Background()); !errors.Is(err, errScheduled) {
		t.Fatalf("second Schedule = %v, want errScheduled", err)
	}

	type result struct {
		got []byte
		err error
	}
	read := func(off, n int64) <-chan result {
		ch := make(chan result, 1)
		go func() {
			r, err := f.Open(deadline(t))
			if err != nil {
				ch <- result{nil, err}
				return
			}
			defer r.Close()
			if _, err := r.Seek(off, io.SeekStart); err != nil {
				ch <- result{nil, err}
				return
			}
			got := make([]byte, n)
			_, err = io.ReadFull(r, got)
			ch <- result{got, err}
		}()
		return ch
	}
	size := int64(len(data))
	head, tail := read(0, 6<<20), read(size-(3<<20), 3<<20)
	for _, want := range []struct {
		ch  <-chan result
		off int64
	}{{head, 0}, {tail, size - (3 << 20)}} {
		res := <-want.ch
		if res.err != nil {
			t.Fatal(res.err)
		}
		mustEqual(t, res.got, data[want.off:want.off+int64(len(res.got))])
	}
}

// A head boosts the pieces ahead of it; once its reader closes, they lose
// the boost. No peer has data, so nothing completes under the test's feet.
func TestClosingReaderDropsBoost(t *testing.T) {
	data := torrenttest.Pattern(32 << 20)
	s := newTestSeeder(t, "movie.mp4", data, 64<<10, Config{})
	c := newTestClient(t, Config{})
	tt := addFromSeeder(t, c, s)
	s.Close()
	f, _ := tt.File(0)
	stream(t, f, StartRule{})

	ctx, cancel := context.WithCancel(context.Background())
	r, _ := f.Open(ctx)
	if _, err := r.Seek(16<<20, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := r.Read(make([]byte, 1))
		done <- err
	}()
	// The piece after the head's: the scheduler's, not the reader's own.
	ahead := f.g.Piece(16<<20) + 1
	prio := func() torrent.PiecePriority { return tt.t.PieceState(ahead).Priority }
	eventually(t, "the piece ahead of the head is urgent", func() bool { return prio() == torrent.PiecePriorityNow })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("read = %v, want context.Canceled", err)
	}
	r.Close()
	eventually(t, "the boost is gone", func() bool { return prio() == torrent.PiecePriorityNone })
}
