package main

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/btstream/btstream/player"
)

// A player's words reach the terminal as text: no escape moves the cursor,
// no control character forges a line of btstream's.
func TestPlayerMessageIsText(t *testing.T) {
	err := playerExitError{err: fmt.Errorf("consume: %w", &player.ExitError{
		Player: "mpv", Status: 1, Err: &exec.ExitError{},
		Tail: []string{"\x1b[2J\x1b]0;title\x07cleared", "bell\a", "\x1b[31mred\x1b[0m"},
	})}
	code, msg := classify(context.Background(), err)
	if code != exitPlayer {
		t.Fatalf("exit code %d, want %d", code, exitPlayer)
	}
	if want := "it said:\n  cleared\n  bell\\x07\n  red"; !strings.Contains(msg, want) {
		t.Errorf("message %q lacks %q", msg, want)
	}
}
