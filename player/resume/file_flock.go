//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package resume

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// locking: lock excludes other writers.
const locking = true

// openRead opens path for reading without following a symlink (which reads as not a positions
// file) and without blocking on a FIFO put in its place.
func openRead(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK) { // EMLINK: FreeBSD's answer
		return nil, fmt.Errorf("%s: %w: a symlink", path, ErrCorrupt)
	}
	return f, err
}

// lock takes an exclusive flock on the lock file at path, created 0600 if missing (never
// through a symlink), waiting at most wait for another process to let go. Closing the file
// releases the lock; the lock belongs to the open file description, so two Stores in one
// process exclude each other as two processes do.
func lock(path string, wait time.Duration) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, err
	}
	fd := int(f.Fd())
	deadline := time.Now().Add(wait)
	pause := time.Millisecond
	for {
		err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return func() { _ = f.Close() }, nil
		case errors.Is(err, syscall.EINTR):
			continue
		case !errors.Is(err, syscall.EWOULDBLOCK):
			_ = f.Close()
			return nil, &os.PathError{Op: "flock", Path: path, Err: err}
		case time.Now().After(deadline):
			_ = f.Close()
			return nil, fmt.Errorf("flock %s: held by another process for more than %v", path, wait)
		}
		// A writer holds the lock for one read, write, fsync and rename: milliseconds. Polling
		// instead of a blocking flock keeps a stopped process from hanging btstream's exit.
		time.Sleep(pause)
		pause = min(2*pause, 32*time.Millisecond)
	}
}

// syncDir fsyncs the folder, so that a rename in it is on disk.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
