//go:build unix

package player

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// guard bounds every wait, so that a broken Run fails the test instead of hanging it. It is
// never what the test waits for.
const guard = 30 * time.Second

// Cancelling ctx stops the player, whether it obeys the interrupt or must be killed after the
// WaitDelay, and Run returns only once the child has been reaped.
func TestRunCancel(t *testing.T) {
	for _, mode := range []string{"block", "ignore-int"} {
		t.Run(mode, func(t *testing.T) {
			p := helper(t, mode)
			stdinR, _ := pipe(t) // the write end stays open until the test ends: the helper blocks
			stdoutR, stdoutW := pipe(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()

			done := make(chan error, 1)
			go func() {
				done <- p.Run(ctx, Media{URL: "http://127.0.0.1:1/x.mkv"}, Stdio{Stdin: stdinR, Stdout: stdoutW})
			}()

			if err := stdoutR.SetReadDeadline(time.Now().Add(guard)); err != nil {
				t.Fatal(err)
			}
			pid := readyPID(t, bufio.NewReader(stdoutR))
			cancel()

			var err error
			select {
			case err = <-done:
			case <-time.After(guard):
				t.Fatal("Run did not return after cancel")
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Run: %v, want context.Canceled", err)
			}
			// Reaped, not a zombie: a zombie still accepts signal 0.
			if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
				t.Errorf("kill(%d, 0) = %v, want ESRCH: the child was not waited on", pid, err)
			}
		})
	}
}

// A player that dies of a signal is an error naming the player and the signal.
func TestRunCrashBySignal(t *testing.T) {
	err := helper(t, "crash").Run(context.Background(), Media{URL: "u"}, Stdio{})
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		t.Fatalf("Run: %v, want an *exec.ExitError", err)
	}
	if !strings.Contains(err.Error(), "signal: killed") {
		t.Errorf("error %q does not name the signal", err)
	}
}

// pipe returns an os.Pipe closed when the test ends.
func pipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = r.Close()
		_ = w.Close()
	})
	return r, w
}
