package player

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestHelperProcess is not a test: it is the fake player, run as a child of the tests below
// (the os/exec idiom). Its arguments after "--" are a mode, the mode's arguments, and the URL
// that the generic dialect appends last.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("GO_WANT_HELPER_PROCESS") != "1" {
		return
	}
	args := os.Args
	for len(args) > 0 && args[0] != "--" {
		args = args[1:]
	}
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "helper: no mode")
		os.Exit(2)
	}
	mode, args := args[1], args[2:]
	switch mode {
	case "exit": // exit CODE URL
		code, err := strconv.Atoi(args[0])
		if err != nil {
			os.Exit(2)
		}
		os.Exit(code)
	case "say": // CODE out:LINE|err:LINE... URL: write the lines in order, then exit CODE
		code, err := strconv.Atoi(args[0])
		if err != nil {
			os.Exit(2)
		}
		for _, a := range args[1 : len(args)-1] {
			w := os.Stdout
			if strings.HasPrefix(a, "err:") {
				w = os.Stderr
			}
			fmt.Fprintln(w, a[len("err:"):])
		}
		os.Exit(code)
	case "argv": // ARGS... URL: print them as JSON on stdout
		if err := json.NewEncoder(os.Stdout).Encode(args); err != nil {
			os.Exit(2)
		}
	case "block", "ignore-int": // say "ready PID", then block until stdin closes
		if mode == "ignore-int" {
			signal.Ignore(os.Interrupt)
		}
		fmt.Printf("ready %d\n", os.Getpid())
		_, _ = io.Copy(io.Discard, os.Stdin)
	case "crash": // die of a signal (SIGKILL on Unix)
		if p, err := os.FindProcess(os.Getpid()); err == nil {
			_ = p.Kill() // a signal to oneself is delivered before kill(2) returns
		}
	default:
		fmt.Fprintf(os.Stderr, "helper: unknown mode %q\n", mode)
		os.Exit(2)
	}
	os.Exit(0)
}

// helper is a generic-dialect Player that runs TestHelperProcess in mode with args.
func helper(t *testing.T, mode string, args ...string) Player {
	t.Setenv("GO_WANT_HELPER_PROCESS", "1")
	// Under -race a child exiting 0 otherwise lingers a second (atexit_sleep_ms=1000).
	t.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	return Player{Path: os.Args[0], Args: append([]string{"-test.run=^TestHelperProcess$", "--", mode}, args...)}
}

func TestRunExitStatus(t *testing.T) {
	tests := []struct {
		code     string
		wantCode int // -1: want nil
	}{
		{code: "0", wantCode: -1},
		{code: "3", wantCode: 3},
	}
	for _, tt := range tests {
		t.Run("exit "+tt.code, func(t *testing.T) {
			err := helper(t, "exit", tt.code).Run(context.Background(), Media{URL: "http://127.0.0.1:1/x.mkv"}, Stdio{})
			if tt.wantCode < 0 {
				if err != nil {
					t.Fatalf("Run: %v, want nil", err)
				}
				return
			}
			var exitErr *exec.ExitError
			if !errors.As(err, &exitErr) {
				t.Fatalf("Run: %v, want an *exec.ExitError", err)
			}
			if exitErr.ExitCode() != tt.wantCode {
				t.Errorf("exit code %d, want %d", exitErr.ExitCode(), tt.wantCode)
			}
			for _, s := range []string{filepath.Base(os.Args[0]), "exit status " + tt.code} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

// A player that fails leaves its last lines of output, stdout and stderr, in the ExitError, and
// the same bytes still reach the caller's writers.
func TestRunExitErrorTail(t *testing.T) {
	// The two streams are read by two goroutines, so their lines' order in
	// the tail is not known; each stream's own order is kept. The ring's
	// eviction of old lines is TestTail's.
	said := []string{"out:line 0", "out:line 1", "out:line 2", "out:line 3", "out:line 4"}
	vlc := "VLC is not supposed to be run as root. Sorry."
	said = append(said, "err:"+vlc)
	var stdout, stderr bytes.Buffer
	err := helper(t, "say", append([]string{"1"}, said...)...).Run(context.Background(), Media{URL: "http://127.0.0.1:1/x.mkv"}, Stdio{Stdout: &stdout, Stderr: &stderr})
	var ee *ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("Run: %v, want an *ExitError", err)
	}
	if ee.Status != 1 || ee.Player != filepath.Base(os.Args[0]) || !strings.Contains(err.Error(), "exit status 1") {
		t.Errorf("ExitError %+v (%q)", ee, err)
	}
	out := slices.DeleteFunc(slices.Clone(ee.Tail), func(s string) bool { return s == vlc })
	if want := []string{"line 0", "line 1", "line 2", "line 3", "line 4"}; len(ee.Tail) != len(said) || !slices.Equal(out, want) {
		t.Errorf("tail %q, want %q and %q", ee.Tail, want, vlc)
	}
	if stdout.String() != "line 0\nline 1\nline 2\nline 3\nline 4\n" || stderr.String() != vlc+"\n" {
		t.Errorf("passed on: stdout %q, stderr %q", stdout.String(), stderr.String())
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 1 {
		t.Errorf("Run: %v does not wrap the *exec.ExitError", err)
	}
}

// Strings that a shell would expand, split or take for options arrive as they were given.
func TestRunArgvVerbatim(t *testing.T) {
	user := []string{"a b", `"quoted"`, "'single'", "$(rm -rf ~)", "`id`", "-x", "--", "*", "semi;colon", "new\nline"}
	p := helper(t, "argv", user...)
	var stdout, stderr bytes.Buffer
	if err := p.Run(context.Background(), Media{URL: hostileURL, Title: hostileTitle}, Stdio{Stdout: &stdout, Stderr: &stderr}); err != nil {
		t.Fatalf("Run: %v (stderr %q)", err, stderr.String())
	}
	var got []string
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("helper output %q: %v", stdout.String(), err)
	}
	if want := append(user, hostileURL); !slices.Equal(got, want) {
		t.Errorf("player saw\n %q\nwant\n %q", got, want)
	}
}

func TestRunStartFailure(t *testing.T) {
	p := Player{Name: MPV, Path: filepath.Join(t.TempDir(), "no-such-mpv")}
	err := p.Run(context.Background(), Media{URL: "http://127.0.0.1:1/x.mkv"}, Stdio{})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Run: %v, want an error wrapping fs.ErrNotExist", err)
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) || !strings.Contains(err.Error(), "mpv") {
		t.Errorf("Run: %v, want a start error naming mpv", err)
	}
}

func TestRunContextAlreadyDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := helper(t, "exit", "0").Run(ctx, Media{URL: "u"}, Stdio{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v, want context.Canceled", err)
	}
}

// readyPID reads the helper's "ready PID" line.
func readyPID(t *testing.T, r *bufio.Reader) int {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("waiting for the helper's ready line: %v", err)
	}
	var pid int
	if _, err := fmt.Sscanf(line, "ready %d\n", &pid); err != nil {
		t.Fatalf("helper said %q: %v", line, err)
	}
	return pid
}
