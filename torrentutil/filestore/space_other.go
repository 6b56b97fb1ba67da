//go:build !(linux || darwin || freebsd || dragonfly)

package filestore

import (
	"fmt"
	"runtime"
)

// FreeSpace returns the bytes an unprivileged user may still write to the
// filesystem that holds dir, so a caller can warn before a download that
// will not fit. This system has no statfs: it always returns an error.
func FreeSpace(dir string) (int64, error) {
	return 0, fmt.Errorf("free space of %s: not supported on %s", dir, runtime.GOOS)
}
