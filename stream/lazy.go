package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// errNegativeSeek is returned by lazyReader.Seek for a position before 0.
var errNegativeSeek = errors.New("seek to a negative position")

// lazyReader is the io.ReadSeeker handed to http.ServeContent. Seeks only
// move a position computed from the source's Size, so the size probe
// (Seek(0, io.SeekEnd)) and the seek to a range's start never touch the
// source; the source is opened, with the request's context, on the first
// Read that has bytes to return. A HEAD, 304, 412 or 416 therefore never
// opens it.
//
// A lazyReader is used by one goroutine only: the handler's. That holds
// because multi-range requests never reach ServeContent (see rangePolicy),
// whose multipart path would read from a goroutine of its own.
type lazyReader struct {
	ctx    context.Context
	src    Source
	size   int64
	onOpen func() // called once, after a successful Open

	rc      io.ReadSeekCloser // nil until opened
	pos     int64             // position seen by ServeContent
	rcPos   int64             // position of rc
	openErr error             // the Open failure, if any
	readErr error             // the first Read failure, if any
	closed  bool
}

func newLazyReader(ctx context.Context, src Source, onOpen func()) *lazyReader {
	return &lazyReader{ctx: ctx, src: src, size: src.Size(), onOpen: onOpen}
}

// Seek implements io.Seeker without opening the source.
func (l *lazyReader) Seek(offset int64, whence int) (int64, error) {
	var base int64
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		base = l.pos
	case io.SeekEnd:
		base = l.size
	default:
		return l.pos, fmt.Errorf("seek: invalid whence %d", whence)
	}
	if base+offset < 0 {
		return l.pos, errNegativeSeek
	}
	l.pos = base + offset
	return l.pos, nil
}

// Read opens the source on first use and reads at the current position.
func (l *lazyReader) Read(p []byte) (int, error) {
	if l.closed {
		return 0, errors.New("read after close")
	}
	if l.pos >= l.size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if l.rc == nil {
		if l.openErr != nil {
			return 0, l.openErr
		}
		rc, err := l.src.Open(l.ctx)
		if err != nil {
			l.openErr = fmt.Errorf("open %q: %w", l.src.Name(), err)
			return 0, l.openErr
		}
		l.rc = rc
		if l.onOpen != nil {
			l.onOpen()
		}
	}
	if l.rcPos != l.pos {
		if _, err := l.rc.Seek(l.pos, io.SeekStart); err != nil {
			return 0, l.fail(fmt.Errorf("seek %q to %d: %w", l.src.Name(), l.pos, err))
		}
		l.rcPos = l.pos
	}
	if rest := l.size - l.pos; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := l.rc.Read(p)
	l.pos += int64(n)
	l.rcPos = l.pos
	switch {
	case err == io.EOF && l.pos < l.size:
		err = l.fail(fmt.Errorf("read %q at %d: %w", l.src.Name(), l.pos, io.ErrUnexpectedEOF))
	case err != nil && err != io.EOF:
		err = l.fail(fmt.Errorf("read %q at %d: %w", l.src.Name(), l.pos, err))
	}
	return n, err
}

// fail records the first read failure for the handler to log.
func (l *lazyReader) fail(err error) error {
	if l.readErr == nil {
		l.readErr = err
	}
	return err
}

// opened reports whether the source was opened.
func (l *lazyReader) opened() bool { return l.rc != nil }

// Close closes the source if it was opened. It is safe to call twice.
func (l *lazyReader) Close() error {
	if l.closed {
		return nil
	}
	l.closed = true
	if l.rc == nil {
		return nil
	}
	if err := l.rc.Close(); err != nil {
		return fmt.Errorf("close %q: %w", l.src.Name(), err)
	}
	return nil
}
