//go:build linux || darwin || freebsd || dragonfly

package filestore

import (
	"fmt"
	"math"
	"syscall"
)

// FreeSpace returns the bytes an unprivileged user may still write to the
// filesystem that holds dir (statfs f_bavail times the block size), so a
// caller can warn before a download that will not fit. dir must exist. On
// systems without statfs it returns an error.
func FreeSpace(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("free space of %s: %w", dir, err)
	}
	// The field types differ between systems; FreeBSD's count can go
	// negative when the reserve is in use.
	avail, bsize := max(int64(st.Bavail), 0), max(int64(st.Bsize), 0)
	if bsize != 0 && avail > math.MaxInt64/bsize {
		return math.MaxInt64, nil
	}
	return avail * bsize, nil
}
