package torrentutil

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/anacrolix/torrent"
)

// checkHashers is how many pieces the check hashes at once, as many as the
// library's hashers per torrent.
const checkHashers = 2

// checker hash-checks the pieces whose bytes were on disk when the torrent
// was added but whose completion nobody recorded (filestore reports them
// unknown): another client's download in --data-dir, or what a run that
// died had not recorded yet. Good pieces are reused, bad ones fetched. The
// library would check them itself when the torrent is added, but in index
// order, so the player would wait for the whole file before its index at
// the end: btstream adds torrents with that check off
// (AddTorrentOpts.DisableInitialPieceCheck) and checks them here, the
// pieces the scheduler wants first (the index, the start, each read head),
// then the rest in order. An unknown piece is neither requested nor served
// until it is checked.
type checker struct {
	stop context.CancelFunc
	done chan struct{}

	mu     sync.Mutex
	wanted []int // the scheduler's pieces, most urgent first
}

// startCheck starts the check of t in the background.
func (t *Torrent) startCheck() {
	ctx, stop := context.WithCancel(context.Background())
	t.check = &checker{stop: stop, done: make(chan struct{})}
	go func() {
		defer close(t.check.done)
		t.runCheck(ctx)
	}()
}

// stopCheck ends the check and waits for it. It must come before the
// torrent is dropped or the client closed: v1.61.0's Piece.VerifyDataContext
// returns with the client lock held when the torrent is already closed.
func (t *Torrent) stopCheck() {
	t.check.stop()
	<-t.check.done
}

// setWanted tells the check what the scheduler asks for, while it runs:
// the scheduler calls it at every step, and most torrents have nothing to
// check.
func (t *Torrent) setWanted(want map[int]torrent.PiecePriority) {
	select {
	case <-t.check.done:
		return
	default:
	}
	w := slices.SortedFunc(maps.Keys(want), func(a, b int) int {
		return cmp.Or(cmp.Compare(want[b], want[a]), cmp.Compare(a, b))
	})
	t.check.mu.Lock()
	t.check.wanted = w
	t.check.mu.Unlock()
}

// runCheck checks every piece unknown once the metadata is in, and returns
// when none is left or ctx ends.
func (t *Torrent) runCheck(ctx context.Context) {
	select {
	case <-t.t.GotInfo():
	case <-ctx.Done():
		return
	}
	// The library asks the storage about every piece before GotInfo: the
	// pieces unknown now are all there will be.
	q := &checkQueue{left: make(map[int]bool)}
	for i := range t.t.NumPieces() {
		if !t.t.PieceState(i).Ok {
			q.order = append(q.order, i)
			q.left[i] = true
		}
	}
	if len(q.order) == 0 {
		return
	}
	var wg sync.WaitGroup
	for range checkHashers {
		wg.Go(func() {
			for {
				t.check.mu.Lock()
				wanted := t.check.wanted
				t.check.mu.Unlock()
				i, ok := q.next(wanted)
				if !ok || ctx.Err() != nil {
					return
				}
				if err := t.t.Piece(i).VerifyDataContext(ctx); err != nil {
					return
				}
				t.poke() // a piece complete, or now wanted from peers
			}
		})
	}
	wg.Wait()
}

// checkQueue hands out the pieces to check, each once.
type checkQueue struct {
	mu     sync.Mutex
	left   map[int]bool // not handed out yet
	order  []int        // all of them, in index order
	cursor int          // no piece before it in order is left
}

// next returns the first piece left of wanted, else the first left in
// index order; ok is false when none is left.
func (q *checkQueue) next(wanted []int) (i int, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, i := range wanted {
		if q.left[i] {
			delete(q.left, i)
			return i, true
		}
	}
	for ; q.cursor < len(q.order); q.cursor++ {
		if i := q.order[q.cursor]; q.left[i] {
			delete(q.left, i)
			return i, true
		}
	}
	return 0, false
}
