package filestore

import (
	"path/filepath"
	"testing"
)

func TestFreeSpace(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		dir     string
		wantErr bool
	}{
		{"existing folder", dir, false},
		{"missing folder", filepath.Join(dir, "nope"), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := FreeSpace(tc.dir)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("FreeSpace(%s) = %d, want an error", tc.dir, n)
				}
				return
			}
			if err != nil || n <= 0 {
				t.Fatalf("FreeSpace(%s) = %d, %v; want > 0", tc.dir, n, err)
			}
		})
	}
}
