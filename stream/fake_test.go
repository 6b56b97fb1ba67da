package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
)

// alphabet has a prime length, so the pattern's period never lines up with
// buffer sizes, and it is printable, so golden bodies are readable.
const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxy"

// pattern returns the source bytes [first, end).
func pattern(first, end int64) []byte {
	b := make([]byte, 0, max(end-first, 0))
	for off := first; off < end; off++ {
		b = append(b, alphabet[off%int64(len(alphabet))])
	}
	return b
}

// fakeSource is a Source whose content is pattern(0, size). It counts Opens
// and Closes and can fail Open, fail the test on Open, or block Reads.
type fakeSource struct {
	name    string
	size    int64
	etag    string
	ctype   string     // returned by ContentType
	openErr error      // returned by Open
	noOpen  *testing.T // if set, Open fails this test
	// If blocks is set, Reads at or past blockAt wait until ctx is done, or,
	// if release is set, until it is closed: a reader that ignores ctx.
	blocks  bool
	blockAt int64
	release chan struct{}
	blocked chan struct{}   // if set, receives (without blocking) when a Read blocks
	gate    <-chan struct{} // if set, every Read first waits for it to close (or ctx)

	calls         atomic.Int64 // Open calls
	opens, closes atomic.Int64 // readers returned by Open, and closed
}

func (f *fakeSource) Name() string { return f.name }
func (f *fakeSource) Size() int64  { return f.size }
func (f *fakeSource) ETag() string { return f.etag }

func (f *fakeSource) ContentType() string { return f.ctype }

func (f *fakeSource) Open(ctx context.Context) (io.ReadSeekCloser, error) {
	if f.noOpen != nil {
		f.noOpen.Errorf("%s: Open called, but this request must not read", f.name)
	}
	f.calls.Add(1)
	if f.openErr != nil {
		return nil, f.openErr
	}
	f.opens.Add(1)
	return &fakeReader{ctx: ctx, src: f}, nil
}

// open reports the number of readers opened and not yet closed.
func (f *fakeSource) open() int64 { return f.opens.Load() - f.closes.Load() }

type fakeReader struct {
	ctx       context.Context
	src       *fakeSource
	pos       int64
	closeOnce sync.Once
	closed    atomic.Bool
}

func (r *fakeReader) Read(p []byte) (int, error) {
	if r.closed.Load() {
		return 0, errors.New("fake: read after close")
	}
	if r.pos >= r.src.size {
		return 0, io.EOF
	}
	if r.src.gate != nil {
		select {
		case <-r.src.gate:
		case <-r.ctx.Done():
			return 0, r.ctx.Err()
		}
	}
	end := r.src.size
	if r.src.blocks {
		if r.pos >= r.src.blockAt {
			return 0, r.block()
		}
		end = r.src.blockAt
	}
	n := copy(p, pattern(r.pos, min(end, r.pos+int64(len(p)))))
	r.pos += int64(n)
	return n, nil
}

// block waits until the reader may go on, and reports why it stopped.
func (r *fakeReader) block() error {
	if r.src.blocked != nil {
		select {
		case r.src.blocked <- struct{}{}:
		default:
		}
	}
	if r.src.release != nil {
		<-r.src.release
		return errors.New("fake: released")
	}
	<-r.ctx.Done()
	return r.ctx.Err()
}

func (r *fakeReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.pos
	case io.SeekEnd:
		offset += r.src.size
	default:
		return 0, fmt.Errorf("fake: bad whence %d", whence)
	}
	if offset < 0 {
		return 0, errors.New("fake: negative position")
	}
	r.pos = offset
	return offset, nil
}

func (r *fakeReader) Close() error {
	first := false
	r.closeOnce.Do(func() { first = true })
	if !first {
		return errors.New("fake: closed twice")
	}
	r.closed.Store(true)
	r.src.closes.Add(1)
	return nil
}
