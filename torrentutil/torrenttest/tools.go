package torrenttest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// RequireTools skips the test unless every named program is on PATH. Under
// CI=true a missing program is a failure instead, so CI never skips an
// interop test without saying so (as requireTools in package main).
func RequireTools(tb testing.TB, names ...string) {
	tb.Helper()
	var missing []string
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := "interop: missing programs: " + strings.Join(missing, ", ") + " (.ci/run installs them)"
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg + "; CI=true forbids skipping")
	}
	tb.Skip(msg)
}
