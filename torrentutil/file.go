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

	"github.com/btstream/btstream/torrentutil/media"
	"github.com/btstream/btstream/torrentutil/plan"
)

// File is one file of a torrent, opened for streaming. Its readers are the
// read heads its torrent's scheduler serves.
type File struct {
	t     *Torrent
	f     *torrent.File
	index int
	g     plan.Geometry

	mu     sync.Mutex
	heads  map[*reader]struct{}
	rule   StartRule
	primed bool // Prioritize was called: the index, the start and the rest are wanted
	layout layoutState
	play   playState // where the player says it plays (SetPlay)
	// bufferInAt is when Progress first saw the start buffer in (see
	// gaveUpGuess).
	bufferInAt time.Time

	started atomic.Bool // some reader has read: playback has begun
	est     durationState
}

// File returns file i of the torrent (0-based, torrent order); it needs the
// metadata (WaitInfo). Asked twice for one index, it returns the same File.
func (t *Torrent) File(i int) (*File, error) {
	files := t.t.Files()
	if i < 0 || i >= len(files) {
		return nil, fmt.Errorf("file index %d out of range (0-%d)", i, len(files)-1)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if f := t.files[i]; f != nil {
		return f, nil
	}
	tf := files[i]
	f := &File{t: t, f: tf, index: i, heads: make(map[*reader]struct{}),
		g: plan.Geometry{Off: tf.Offset(), Size: tf.Length(), PieceLen: t.t.Info().PieceLength}}
	if t.files == nil {
		t.files = make(map[int]*File)
	}
	t.files[i] = f
	return f, nil
}

// Name is the file's base name.
func (f *File) Name() string { return path.Base(f.f.DisplayPath()) }

// Size is the file's length in bytes.
func (f *File) Size() int64 { return f.f.Length() }

// ETag is a strong HTTP validator: a torrent's content never changes.
func (f *File) ETag() string { return fmt.Sprintf(`"%s-%d"`, f.t.infoHash(), f.index) }

// isVideo reports whether the file is played, not only read (subtitles).
func (f *File) isVideo() bool { return media.IsVideo(f.f.DisplayPath()) }

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
	f.t.poke()
	return r
}

// idleHead: a reader that has not asked for bytes for this long, and is not
// waiting for any, is a connection the player no longer reads (mpv's first
// request once it jumped to the index, a superseded request after a seek).
// It keeps no window.
const idleHead = 2 * time.Second

// headStates returns the read heads: the open readers that have read. With
// active, only those that read lately or wait for bytes now.
func (f *File) headStates(now time.Time, active bool) []plan.Head {
	f.mu.Lock()
	defer f.mu.Unlock()
	var hs []plan.Head
	for r := range f.heads {
		if r.reading.Load() && (!active || !r.idle(now)) {
			hs = append(hs, r.state())
		}
	}
	return hs
}

// hasHeads reports whether any reader of the file is open.
func (f *File) hasHeads() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.heads) > 0
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
	inRead  atomic.Bool // a Read waits for bytes now
	closed  sync.Once
	// Unix nanoseconds: open or last seek, last read begun, last read ended.
	since, lastRead, lastDone atomic.Int64
	startPos                  atomic.Int64
}

func (r *reader) state() plan.Head {
	return plan.Head{
		Pos:      r.pos.Load(),
		StartPos: r.startPos.Load(),
		Since:    time.Unix(0, r.since.Load()),
		LastRead: time.Unix(0, r.lastRead.Load()),
	}
}

// idle reports whether the reader neither waits for bytes nor asked for
// any within idleHead.
func (r *reader) idle(now time.Time) bool {
	return !r.inRead.Load() && now.Sub(time.Unix(0, r.lastDone.Load())) > idleHead
}

// readahead is called by the library with the client lock held: it must not
// call back into the client. While the scheduler runs, the window is its
// job and the library only hears of the piece under the head.
func (r *reader) readahead(rc torrent.ReadaheadContext) int64 {
	if r.f.t.scheduled.Load() {
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
	r.inRead.Store(true)
	if !r.reading.Swap(true) {
		playing := r.f.started.Swap(true)
		r.f.t.poke()
		if playing {
			r.f.hold(r.ctx, pos)
		}
	}
	n, err := r.r.Read(p)
	r.lastDone.Store(time.Now().UnixNano())
	r.inRead.Store(false)
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
		r.f.t.poke()
	}
	return n, err
}

func (r *reader) Close() error {
	var err error
	r.closed.Do(func() {
		r.f.mu.Lock()
		delete(r.f.heads, r)
		r.f.mu.Unlock()
		r.f.t.poke()
		err = r.r.Close()
	})
	return err
}
