package torrentutil

import (
	"context"
	"fmt"
	"io"
	"path"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anacrolix/torrent"

	"github.com/btstream/btstream/torrentutil/plan"
)

// File is one file of a torrent, opened for streaming. Its readers are the
// read heads the scheduler serves.
type File struct {
	t     *Torrent
	f     *torrent.File
	index int

	mu     sync.Mutex
	heads  map[*reader]struct{}
	want   int64 // the start buffer, set by Prioritize
	primed bool  // Prioritize was called: the tail, the start and the rest are wanted

	scheduled atomic.Bool   // Schedule runs: readers leave their windows to it
	started   atomic.Bool   // some reader has read: playback has begun
	wake      chan struct{} // a head moved, appeared or went: re-plan now
	est       bitrateState
}

// File returns file i of the torrent (0-based, torrent order); it needs the
// metadata (WaitInfo).
func (t *Torrent) File(i int) (*File, error) {
	files := t.t.Files()
	if i < 0 || i >= len(files) {
		return nil, fmt.Errorf("file index %d out of range (0-%d)", i, len(files)-1)
	}
	return &File{t: t, f: files[i], index: i, heads: make(map[*reader]struct{}), wake: make(chan struct{}, 1)}, nil
}

// Name is the file's base name.
func (f *File) Name() string { return path.Base(f.f.DisplayPath()) }

// Size is the file's length in bytes.
func (f *File) Size() int64 { return f.f.Length() }

// ETag is a strong HTTP validator: a torrent's content never changes.
func (f *File) ETag() string { return fmt.Sprintf(`"%s-%d"`, f.t.infoHash(), f.index) }

// Open returns a reader of the file at offset 0, for one consumer (one HTTP
// request). Its position is a read head: the pieces ahead of it are fetched
// first. Reads return promptly with ctx's error once ctx ends. Close
// releases the head. Reads never go past the end of the file.
//
// Reads are responsive: they return bytes as soon as their 16 KiB chunk has
// arrived, before the piece's hash is checked, so a seek's first bytes do
// not wait for a whole piece (up to 16 MiB). A lying peer's chunk can then
// reach a player, as a glitch it recovers from; the piece fails its check
// and is fetched again. Where bytes are kept, use OpenVerified.
func (f *File) Open(ctx context.Context) (io.ReadSeekCloser, error) {
	return f.open(ctx, true), nil
}

// OpenVerified is Open for consumers that keep what they read (--stdout):
// reads return only bytes of pieces that passed their hash check.
func (f *File) OpenVerified(ctx context.Context) (io.ReadSeekCloser, error) {
	return f.open(ctx, false), nil
}

func (f *File) open(ctx context.Context, responsive bool) *reader {
	tr := f.f.NewReader()
	if responsive {
		tr.SetResponsive()
	}
	tr.SetContext(ctx)
	r := &reader{f: f, r: tr, size: f.f.Length(), ctx: ctx}
	r.since.Store(time.Now().UnixNano())
	tr.SetReadaheadFunc(r.readahead)
	f.mu.Lock()
	f.heads[r] = struct{}{}
	f.mu.Unlock()
	return r
}

// headPositions returns the positions of the open readers that have read.
func (f *File) headPositions() []int64 {
	var ps []int64
	for _, h := range f.headStates() {
		ps = append(ps, h.Pos)
	}
	return ps
}

// headStates returns the open readers that have read.
func (f *File) headStates() []plan.Head {
	f.mu.Lock()
	defer f.mu.Unlock()
	var hs []plan.Head
	for r := range f.heads {
		if r.reading.Load() {
			hs = append(hs, r.state())
		}
	}
	return hs
}

// poke wakes the scheduler without blocking.
func (f *File) poke() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// reader is a file reader that clips reads at the end of the file (v1.61.0
// reads into the next file: anacrolix/torrent#1108) and publishes its
// position for the scheduler.
type reader struct {
	f       *File
	r       torrent.Reader
	size    int64
	ctx     context.Context
	pos     atomic.Int64
	reading atomic.Bool // has read since open: an idle probe is no head
	closed  sync.Once
	// Unix nanoseconds: open or last seek, last read.
	since, lastRead atomic.Int64
	startPos        atomic.Int64
}

func (r *reader) state() plan.Head {
	return plan.Head{
		Pos:      r.pos.Load(),
		StartPos: r.startPos.Load(),
		Since:    time.Unix(0, r.since.Load()),
		LastRead: time.Unix(0, r.lastRead.Load()),
	}
}

// readahead is called by the library with the client lock held: it must not
// call back into the client. While Schedule runs, the window is its job and
// the library only hears of the piece under the head.
func (r *reader) readahead(rc torrent.ReadaheadContext) int64 {
	if r.f.scheduled.Load() {
		return 1
	}
	return plan.ClampReadahead(rc.CurrentPos-rc.ContiguousReadStartPos, r.size)
}

func (r *reader) Read(p []byte) (int, error) {
	pos := r.pos.Load()
	if pos >= r.size {
		return 0, io.EOF
	}
	if rem := r.size - pos; int64(len(p)) > rem {
		p = p[:rem]
	}
	r.lastRead.Store(time.Now().UnixNano())
	if !r.reading.Swap(true) {
		r.f.started.Store(true)
		r.f.poke()
	}
	n, err := r.r.Read(p)
	r.pos.Add(int64(n))
	if err != nil && err != io.EOF {
		if werr := r.f.t.writeErr(); werr != nil {
			return n, werr
		}
		if ctxErr := r.ctx.Err(); ctxErr != nil {
			return n, ctxErr
		}
	}
	return n, err
}

func (r *reader) Seek(off int64, whence int) (int64, error) {
	n, err := r.r.Seek(off, whence)
	if err == nil && n != r.pos.Load() {
		r.pos.Store(n)
		r.startPos.Store(n)
		r.since.Store(time.Now().UnixNano())
		r.f.poke()
	}
	return n, err
}

func (r *reader) Close() error {
	var err error
	r.closed.Do(func() {
		r.f.mu.Lock()
		delete(r.f.heads, r)
		r.f.mu.Unlock()
		r.f.poke()
		err = r.r.Close()
	})
	return err
}
