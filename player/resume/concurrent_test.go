//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package resume

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHelperProcess is not a test: it is the other btstream process of the tests below, run
// as the test binary with GO_WANT_HELPER_PROCESS=1 and its arguments after "--":
//
//	put DIR I N   wait for a line on stdin, then Put key(I, 0..N-1) in DIR; print "ok"
//	access DIR    Get and Put in DIR; print "get OK ERR" and "put ERR", one a line
func TestHelperProcess(t *testing.T) {
	if os.Getenv("GO_WANT_HELPER_PROCESS") != "1" {
		return
	}
	args := os.Args
	for len(args) > 0 && args[0] != "--" {
		args = args[1:]
	}
	if len(args) < 3 {
		fmt.Fprintln(os.Stderr, "helper: no mode")
		os.Exit(2)
	}
	s := Open(args[2])
	switch args[1] {
	case "put":
		i, _ := strconv.Atoi(args[3])
		n, _ := strconv.Atoi(args[4])
		s.lockWait = time.Minute // the test is about lost updates, not about waiting
		if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
			fmt.Fprintln(os.Stderr, "helper: no go:", err)
			os.Exit(1)
		}
		for j := range n {
			if err := s.Put(key(i, j), Position{Time: time.Duration(j+1) * time.Second}); err != nil {
				fmt.Fprintln(os.Stderr, "helper:", err)
				os.Exit(1)
			}
		}
		fmt.Println("ok")
	case "access":
		_, ok, err := s.Get(key(1, 0))
		fmt.Printf("get %v %v\n", ok, err)
		fmt.Printf("put %v\n", s.Put(key(1, 0), Position{Time: time.Second}))
	}
	os.Exit(0)
}

// helperCmd is the test binary (or the copy at exe) run as TestHelperProcess with args.
func helperCmd(t *testing.T, exe string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(exe, append([]string{"-test.run=^TestHelperProcess$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), "GO_WANT_HELPER_PROCESS=1")
	return cmd
}

// wantAll checks that dir holds key(i, j) for every i < stores and j < n.
func wantAll(t *testing.T, dir string, stores, n int) {
	t.Helper()
	m, err := readFile(filepath.Join(dir, fileName))
	if err != nil {
		t.Fatal(err)
	}
	lost := 0
	for i := range stores {
		for j := range n {
			if p, ok := m[key(i, j)]; !ok || p.Time != time.Duration(j+1)*time.Second {
				lost++
			}
		}
	}
	if lost > 0 || len(m) != stores*n {
		t.Errorf("%d of %d positions lost; the file holds %d", lost, stores*n, len(m))
	}
}

// Stores in one process, one per goroutine, saving at once: each lock is its own open file
// description, so they exclude each other as processes do, and no position is lost.
func TestConcurrentStores(t *testing.T) {
	const stores, n = 4, 25
	dir := filepath.Join(t.TempDir(), "state")
	start := make(chan struct{})
	errs := make(chan error, stores*n)
	var wg sync.WaitGroup
	for i := range stores {
		s := Open(dir)
		s.lockWait = time.Minute
		wg.Go(func() {
			<-start
			for j := range n {
				if err := s.Put(key(i, j), Position{Time: time.Duration(j+1) * time.Second}); err != nil {
					errs <- err
				}
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	wantAll(t, dir, stores, n)
	if got := names(t, dir); len(got) != 2 {
		t.Errorf("the folder holds %q, want the file and the lock", got)
	}
}

// Two real processes saving at once keep each other's positions.
func TestConcurrentProcesses(t *testing.T) {
	const procs, n = 2, 30
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "state")
	var cmds []*exec.Cmd
	var gos []io.WriteCloser
	var outs []*strings.Builder
	for i := range procs {
		cmd := helperCmd(t, exe, "put", dir, strconv.Itoa(i), strconv.Itoa(n))
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		out := new(strings.Builder)
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, gos, outs = append(cmds, cmd), append(gos, stdin), append(outs, out)
	}
	for _, g := range gos { // both are started and waiting: go
		fmt.Fprintln(g)
		g.Close()
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil || strings.TrimSpace(outs[i].String()) != "ok" {
			t.Errorf("helper %d: %v, %q", i, err, outs[i])
		}
	}
	wantAll(t, dir, procs, n)
}
