package player

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
)

// Stdio is the player's standard input and output. A nil field is the null device. Stdin, when
// an *os.File, is handed to the player as is; the player's stdout and stderr always go through a
// pipe (Run keeps their last lines, see ExitError) and are copied on to Stdout and Stderr, a
// copying that ends at most a WaitDelay after the player exits.
type Stdio struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// ExitError is a player that ended on its own and failed: it exited with a non-zero status or
// died of a signal. It carries the player's last words.
type ExitError struct {
	// Player names the player: its dialect, or the base name of its program.
	Player string
	// Status is the exit status, or -1 when a signal ended the player.
	Status int
	// Tail holds the last non-blank lines the player wrote, at most TailLines, oldest first,
	// each cut at 512 bytes and otherwise as written (terminal escapes included). It reads
	// both stdout and stderr: mpv 0.35 writes its errors ("Failed to open ...") on stdout,
	// VLC 3.0 on stderr. When Stdio's Stdout and Stderr are the same writer (or both nil),
	// the player gets one pipe for both and the lines keep the order it wrote them in;
	// otherwise each stream's lines keep their order. A line redrawn in place with "\r" is
	// kept once, as last drawn.
	Tail []string
	// Err is the process's own exit error.
	Err *exec.ExitError
}

func (e *ExitError) Error() string { return fmt.Sprintf("player %s: %v", e.Player, e.Err) }
func (e *ExitError) Unwrap() error { return e.Err }

// Run starts the player on m, with stdio, and waits for it to exit.
//
// It returns nil when the player exits with status 0. When the player cannot start, the error
// wraps the cause (errors.Is(err, fs.ErrNotExist) for a missing program). When it exits
// otherwise, including on a signal, the error is an *ExitError (get it with errors.As), which
// names the player, holds its last lines of output, and wraps the *exec.ExitError, whose text
// gives the status or the signal.
//
// When ctx ends first, Run sends the player os.Interrupt (kills it on Windows), kills it if it
// is still running a WaitDelay (two seconds) later, always waits for it, and returns an error
// wrapping ctx.Err(). So Run never leaves a child behind, and returns at most about two
// seconds after ctx ends.
func (p Player) Run(ctx context.Context, m Media, stdio Stdio) error {
	cmd := p.Command(ctx, m)
	var t tail
	cmd.Stdin = stdio.Stdin
	cmd.Stdout = t.writer(stdio.Stdout)
	cmd.Stderr = cmd.Stdout
	if !sameWriter(stdio.Stderr, stdio.Stdout) {
		cmd.Stderr = t.writer(stdio.Stderr)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start player %s: %w", p.label(), err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("player %s stopped: %w", p.label(), ctx.Err())
	case errors.As(err, &ee):
		return &ExitError{Player: p.label(), Status: ee.ExitCode(), Tail: t.last(), Err: ee}
	}
	return fmt.Errorf("player %s: %w", p.label(), err)
}

// sameWriter reports whether a and b are the same writer, as os/exec decides it for Stdout and
// Stderr: == on the interfaces, and false when their values cannot be compared.
func sameWriter(a, b io.Writer) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}
