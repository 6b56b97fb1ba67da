package torrentutil

import (
	"context"
	"fmt"
	"io"
	"path"
	"sync"
	"sync/atomic"

	"github.com/anacrolix/torrent"
)

// File is one file of a torrent, opened for streaming. Its readers are the
// read heads the scheduler serves.
type File struct {
	t     *Torrent
	f     *torrent.File
	index int

	mu    sync.Mutex
	heads map[*reader]struct{}
}

// File returns file i of the torrent (0-based, torrent order); it needs the
// metadata (WaitInfo).
func (t *Torrent) File(i int) (*File, error) {
	files := t.t.Files()
	if i < 0 || i >= len(files) {
		return nil, fmt.Errorf("file index %d out of range (0-%d)", i, len(files)-1)
	}
	return &File{t: t, f: files[i], index: i, heads: make(map[*reader]struct{})}, nil
}

// Name is the file's base name.
func (f *File) Name() string { return path.Base(f.f.DisplayPath()) }

// Path is the file's path inside the torrent, "/"-separated.
func (f *File) Path() string { return f.f.DisplayPath() }

// Size is the file's length in bytes.
func (f *File) Size() int64 { return f.f.Length() }

// Index is the file's 0-based position in the torrent.
func (f *File) Index() int { return f.index }

// ETag is a strong HTTP validator: a torrent's content never changes.
func (f *File) ETag() string { return fmt.Sprintf(`"%s-%d"`, f.t.InfoHash(), f.index) }

// Open returns a reader of the file at offset 0, for one consumer (one HTTP
// request, one stdout copy). Its position is a read head: the pieces ahead of
// it are fetched first. Reads return promptly with ctx's error once ctx ends.
// Close releases the head. Reads never go past the end of the file.
func (f *File) Open(ctx context.Context) (io.ReadSeekCloser, error) {
	tr := f.f.NewReader()
	tr.SetResponsive()
	tr.SetContext(ctx)
	r := &reader{f: f, r: tr, size: f.f.Length(), ctx: ctx}
	tr.SetReadaheadFunc(r.readahead)
	f.mu.Lock()
	f.heads[r] = struct{}{}
	f.mu.Unlock()
	return r, nil
}

// headPositions returns the positions of the open readers that have read.
func (f *File) headPositions() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ps []int64
	for r := range f.heads {
		if r.reading.Load() {
			ps = append(ps, r.pos.Load())
		}
	}
	return ps
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
}

// readahead is called by the library with the client lock held: it must not
// call back into the client.
func (r *reader) readahead(rc torrent.ReadaheadContext) int64 {
	return clampReadahead(rc.CurrentPos-rc.ContiguousReadStartPos, r.size)
}

func (r *reader) Read(p []byte) (int, error) {
	pos := r.pos.Load()
	if pos >= r.size {
		return 0, io.EOF
	}
	if rem := r.size - pos; int64(len(p)) > rem {
		p = p[:rem]
	}
	r.reading.Store(true)
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
	if err == nil {
		r.pos.Store(n)
	}
	return n, err
}

func (r *reader) Close() error {
	var err error
	r.closed.Do(func() {
		r.f.mu.Lock()
		delete(r.f.heads, r)
		r.f.mu.Unlock()
		err = r.r.Close()
	})
	return err
}
