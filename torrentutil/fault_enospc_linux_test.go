package torrentutil

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// mountTmpfs mounts a tmpfs of size bytes on a new folder and unmounts it
// when the test ends; register it before anything that opens files in it.
// It skips the test where mounting is not permitted.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root or CAP_SYS_ADMIN): %v", err)
	}
	t.Cleanup(func() {
		// Lazily: a library goroutine can still hold a handle for a moment
		// after the client closes (EBUSY, seen once in thirty runs).
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// A disk that fills up mid-stream ends the stream with ENOSPC through
// WaitReady and Read: no SIGBUS (the library's mmap storage would fault the
// process here), no hang.
func TestFullDisk(t *testing.T) {
	disk := mountTmpfs(t, "1m")
	data := pattern(4 << 20)
	s := newFaultySeeder(t, "movie.mkv", data, 64<<10, fault{})
	c := newTestClient(t, Config{DataDir: disk})
	_, f := firstFile(t, c, s)
	// Verified reads: a responsive reader can be handed a chunk whose write
	// failed as the disk filled (seen once: wrong bytes 16 KiB before the
	// end of a 1 MiB disk). What btstream keeps (--stdout) reads verified.
	r, err := f.OpenVerified(deadline(t))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() { // the reader starts the download (see streamInBackground)
		b, err := io.ReadAll(r)
		done <- result{b, err}
	}()
	if err := f.WaitReady(deadline(t), StartRule{Want: f.Size(), Exact: true}); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("WaitReady = %v, want ENOSPC", err)
	}
	res := <-done
	if !errors.Is(res.err, syscall.ENOSPC) {
		t.Fatalf("Read = %v after %d bytes, want ENOSPC", res.err, len(res.b))
	}
	mustEqual(t, res.b, data[:len(res.b)])
}

// FreeSpace reports what a filesystem has left, and sees it shrink.
func TestFreeSpaceShrinks(t *testing.T) {
	disk := mountTmpfs(t, "1m")
	before, err := FreeSpace(disk)
	if err != nil || before <= 0 || before > 1<<20 {
		t.Fatalf("FreeSpace of an empty 1 MiB tmpfs = %d, %v", before, err)
	}
	if err := os.WriteFile(filepath.Join(disk, "f"), pattern(256<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	after, err := FreeSpace(disk)
	if err != nil || before-after < 256<<10 {
		t.Fatalf("FreeSpace = %d after writing 256 KiB, %d before (err %v)", after, before, err)
	}
}
