package torrenttest

import (
	"os"
	"path/filepath"
	"testing"
)

// Pattern returns n deterministic bytes that differ at every offset a test
// might confuse with another (a counter, not a repeating short block).
func Pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i/251 + i*7)
	}
	return b
}

// WriteFile writes data to dir/name, creating the folders that name holds,
// and returns the path.
func WriteFile(tb testing.TB, dir, name string, data []byte) string {
	tb.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}
