package torrenttest

import (
	"syscall"
	"testing"
)

// MountTmpfs mounts a tmpfs of size (as mount(8) takes it: "1m") on a new
// folder and unmounts it when the test ends; call it before anything that
// opens files in it, so that their cleanups run first. It skips the test
// where mounting is not permitted.
func MountTmpfs(tb testing.TB, size string) string {
	tb.Helper()
	dir := tb.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		tb.Skipf("cannot mount a tmpfs (needs root or CAP_SYS_ADMIN): %v", err)
	}
	tb.Cleanup(func() {
		// Lazily: a library goroutine can still hold a handle for a moment
		// after the client closes (EBUSY, seen once in thirty runs).
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			tb.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}
