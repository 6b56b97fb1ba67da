//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package resume

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// A folder or a file the user may not read: Get finds nothing and Put fails, both with an error
// naming the path, and Put leaves a file it could not read alone. Root reads everything, so as
// root Get and Put run in a helper process as user nobody.
func TestUnreadable(t *testing.T) {
	const old = `{"version":1,"positions":{}}`
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) (path string) // the path the errors should name
	}{
		{"folder", func(t *testing.T, dir string) string {
			if err := os.Chmod(dir, 0); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
			return dir
		}},
		{"file", func(t *testing.T, dir string) string {
			path := filepath.Join(dir, fileName)
			if err := os.WriteFile(path, []byte(old), 0); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if got, err := os.ReadFile(path); err != nil || string(got) != old {
					t.Errorf("Put replaced the file it could not read: %q, %v", got, err)
				}
			})
			return path
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			dir := filepath.Join(base, "state")
			if err := os.Mkdir(dir, 0o777); err != nil { // nobody, when root, may write in it
				t.Fatal(err)
			}
			if err := os.Chmod(dir, 0o777); err != nil { // past the umask
				t.Fatal(err)
			}
			path := tt.setup(t, dir)
			get, put := access(t, base, dir)
			if !strings.HasPrefix(get, "get false ") || !strings.Contains(get, path) {
				t.Errorf("%q; want nothing and an error naming %s", get, path)
			}
			if put == "put <nil>" || !strings.Contains(put, path) {
				t.Errorf("%q; want an error naming %s", put, path)
			}
			t.Logf("%s\n%s", get, put)
		})
	}
}

// access runs Get and Put in dir, as user nobody when the test runs as root, and returns their
// results as TestHelperProcess's access mode prints them.
func access(t *testing.T, base, dir string) (get, put string) {
	t.Helper()
	if os.Geteuid() != 0 {
		s := Open(dir)
		_, ok, err := s.Get(key(1, 0))
		return fmt.Sprintf("get %v %v", ok, err), fmt.Sprintf("put %v", s.Put(key(1, 0), Position{Time: time.Second}))
	}
	// A copy of the test binary that nobody may run, in folders nobody may enter.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyExe := filepath.Join(base, "resume.test")
	if err := os.WriteFile(copyExe, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := helperCmd(t, copyExe, "access", dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	cmd.Dir = base
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper as nobody: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 {
		t.Fatalf("helper said %q", out)
	}
	return lines[0], lines[1]
}
