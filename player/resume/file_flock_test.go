//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package resume

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"time"
)

// A FIFO in place of the file does not block Get (a plain open would wait for a writer); it
// reads as not a positions file, and Put replaces it.
func TestFIFONotBlocking(t *testing.T) {
	s := Open(t.TempDir())
	if err := syscall.Mkfifo(s.Path(), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Get(key(1, 0)); ok || !errors.Is(err, ErrCorrupt) {
		t.Errorf("Get = %v, %v; want nothing, ErrCorrupt", ok, err)
	}
	if err := s.Put(key(1, 0), Position{Time: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(s.Path()); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("after Put: %v, %v; want a regular file", fi.Mode(), err)
	}
	mustGet(t, s, key(1, 0))
}
