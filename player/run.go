package player

import (
	"context"
	"fmt"
	"io"
)

// Stdio is the player's standard input and output. A nil field is the null device. An
// *os.File is handed to the player as is; any other reader or writer is copied through a pipe
// by os/exec, and such copying ends at most a WaitDelay after the player exits.
type Stdio struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Run starts the player on m, with stdio, and waits for it to exit.
//
// It returns nil when the player exits with status 0. When the player cannot start, the error
// wraps the cause (errors.Is(err, fs.ErrNotExist) for a missing program). When it exits
// otherwise, including on a signal, the error names the player and wraps the *exec.ExitError,
// whose text gives the status or the signal.
//
// When ctx ends first, Run sends the player os.Interrupt (kills it on Windows), kills it if it
// is still running a WaitDelay (two seconds) later, always waits for it, and returns an error
// wrapping ctx.Err(). So Run never leaves a child behind, and returns at most about two
// seconds after ctx ends.
func (p Player) Run(ctx context.Context, m Media, stdio Stdio) error {
	cmd := p.Command(ctx, m)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdio.Stdin, stdio.Stdout, stdio.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start player %s: %w", p.label(), err)
	}
	err := cmd.Wait()
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("player %s stopped: %w", p.label(), ctx.Err())
	}
	return fmt.Errorf("player %s: %w", p.label(), err)
}
