package torrentutil

import (
	"context"
	"sync"
	"time"

	"github.com/anacrolix/torrent"
)

// Prioritize starts the download of the file alone: its tail first, then
// the first want bytes, then the rest in order in the background. Readers
// opened with Open add a window at their position on top of this.
func (f *File) Prioritize(want int64) {
	tail, head := f.spans(want)
	f.f.SetPriority(torrent.PiecePriorityNormal)
	for i := head.begin; i < head.end; i++ {
		f.t.t.Piece(i).SetPriority(torrent.PiecePriorityNext)
	}
	for i := tail.begin; i < tail.end; i++ {
		f.t.t.Piece(i).SetPriority(torrent.PiecePriorityNow)
	}
}

// spans returns the tail pieces and the pieces of the first want bytes.
func (f *File) spans(want int64) (tail, head span) {
	pl := f.t.t.Info().PieceLength
	size := f.f.Length()
	return tailSpan(f.f.Offset(), size, pl, tailBytes),
		pieceSpan(f.f.Offset(), min(max(want, 0), size), pl)
}

// Progress is a snapshot of a file's download, for the start rule and the
// status line.
type Progress struct {
	Buffered  int64   // bytes complete from the start of the file without a gap
	Want      int64   // bytes the start rule asks for from the start
	TailDone  bool    // the tail of the file is complete
	Completed int64   // bytes of the file complete, anywhere
	Size      int64   // file size
	Rate      float64 // download rate of the torrent, bytes per second
	Peers     int     // connected peers
	Seeds     int     // connected peers that have everything
}

// Ready reports whether the start rule is met.
func (p Progress) Ready() bool { return p.TailDone && p.Buffered >= min(p.Want, p.Size) }

// Progress returns the file's progress against the start rule for want bytes.
func (f *File) Progress(want int64) Progress {
	want = min(max(want, 0), f.f.Length())
	tail, _ := f.spans(want)
	s := f.t.Stats()
	return Progress{
		Buffered:  f.bufferedFrom(0, want),
		Want:      want,
		TailDone:  f.complete(tail),
		Completed: f.f.BytesCompleted(),
		Size:      f.f.Length(),
		Rate:      f.t.rate.sample(time.Now(), s.BytesRead),
		Peers:     s.Peers,
		Seeds:     s.Seeds,
	}
}

// complete reports whether every piece of s is complete.
func (f *File) complete(s span) bool {
	for i := s.begin; i < s.end; i++ {
		if !f.t.t.PieceState(i).Complete {
			return false
		}
	}
	return true
}

// bufferedFrom returns how many bytes from file offset pos on are complete
// without a gap, looking no further than limit bytes.
func (f *File) bufferedFrom(pos, limit int64) int64 {
	size := f.f.Length()
	if pos >= size || limit <= 0 {
		return 0
	}
	pl := f.t.t.Info().PieceLength
	off := f.f.Offset() + pos
	end := min(size-pos, limit)
	var n int64
	for i := int(off / pl); n < end; i++ {
		if !f.t.t.PieceState(i).Complete {
			break
		}
		n = int64(i+1)*pl - off
	}
	return min(n, size-pos)
}

// WaitReady waits until the start rule holds for want bytes: the tail is in
// and want bytes from the start are buffered. It returns ctx's error when ctx
// ends first, or the storage's error when writing failed.
func (f *File) WaitReady(ctx context.Context, want int64) error {
	sub := f.t.t.SubscribePieceStateChanges()
	defer sub.Close()
	// Progress is also polled: a state change may land between two checks.
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := f.t.writeErr(); err != nil {
			return err
		}
		if f.Progress(want).Ready() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-sub.Values:
		case <-tick.C:
		}
	}
}

// rateMeter turns a growing byte counter into a rate over the last few
// seconds. Sampling is lazy: whoever asks for the rate feeds it.
type rateMeter struct {
	mu      sync.Mutex
	samples []rateSample
}

type rateSample struct {
	at time.Time
	n  int64
}

const rateWindow = 3 * time.Second

func (m *rateMeter) sample(now time.Time, n int64) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.samples = append(m.samples, rateSample{now, n})
	// Keep one sample older than the window as the base.
	drop := 0
	for drop+1 < len(m.samples) && now.Sub(m.samples[drop+1].at) >= rateWindow {
		drop++
	}
	m.samples = m.samples[drop:]
	base := m.samples[0]
	dt := now.Sub(base.at).Seconds()
	if dt <= 0 {
		return 0
	}
	return float64(n-base.n) / dt
}
