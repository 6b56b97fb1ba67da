//go:build linux || darwin || freebsd

package filestore

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// hasData reports whether f holds data, not only a hole, somewhere in the
// n bytes at off (lseek SEEK_DATA). A filesystem that cannot tell says all
// of a file is data.
func hasData(f *os.File, off, n int64) bool {
	d, err := f.Seek(off, unix.SEEK_DATA)
	if errors.Is(err, unix.ENXIO) {
		return false // only a hole from off to the end
	}
	return err != nil || d < off+n
}
