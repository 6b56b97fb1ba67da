package torrentutil

import (
	"errors"
	"io"
	"syscall"
	"testing"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// A disk that fills up mid-stream ends the stream with ENOSPC through
// WaitReady and Read: no SIGBUS (the library's mmap storage would fault the
// process here), no hang.
func TestFullDisk(t *testing.T) {
	disk := torrenttest.MountTmpfs(t, "1m")
	data := torrenttest.Pattern(4 << 20)
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
