//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package resume

import (
	"fmt"
	"os"
	"time"
)

// locking: lock does not exclude other writers here.
const locking = false

// openRead opens path for reading unless it is a symlink, which reads as not a positions file.
func openRead(path string) (*os.File, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return nil, fmt.Errorf("%s: %w: a symlink", path, ErrCorrupt)
	}
	return os.Open(path)
}

// lock does nothing here: without flock, two btstreams saving at the same moment may lose one
// of the two positions (the file itself stays whole: writes are atomic renames).
func lock(string, time.Duration) (func(), error) { return func() {}, nil }

// syncDir does nothing here.
func syncDir(string) {}
