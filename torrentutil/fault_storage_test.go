package torrentutil

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// When pieces cannot be written, WaitReady and a reader fail with an error
// that names the data folder, instead of waiting forever. As root,
// permissions stop nothing, so the folder is blocked by its shape: a folder
// where a file must go, a file where a folder must go.
func TestUnwritableDataFolder(t *testing.T) {
	const pieceLen = 64 << 10
	tests := []struct {
		name  string
		files map[string][]byte // payload, relative to the seeded path's folder
		seed  string            // the path to seed, relative to the same folder
		block func(t *testing.T, dataDir string)
	}{
		{
			name:  "folder where the file goes",
			files: map[string][]byte{"movie.mkv": torrenttest.Pattern(5*pieceLen + 7)},
			seed:  "movie.mkv",
			block: func(t *testing.T, dir string) { mkdir(t, filepath.Join(dir, "movie.mkv")) },
		},
		{
			name:  "file where the folder goes",
			files: map[string][]byte{"pack/a.srt": torrenttest.Pattern(100), "pack/b.mkv": torrenttest.Pattern(5 * pieceLen)},
			seed:  "pack",
			block: func(t *testing.T, dir string) { torrenttest.WriteFile(t, dir, "pack", []byte("not a folder")) },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := t.TempDir()
			for name, data := range tc.files {
				torrenttest.WriteFile(t, src, name, data)
			}
			s := seedPath(t, filepath.Join(src, tc.seed), pieceLen, fault{})
			dir := t.TempDir()
			tc.block(t, dir)
			c := newTestClient(t, Config{DataDir: dir})
			tt := addFromSeeder(t, c, s)
			f, err := tt.File(len(tc.files) - 1)
			if err != nil {
				t.Fatal(err)
			}
			readErr := streamInBackground(t, f)
			mustFailNaming(t, "WaitReady", f.WaitReady(deadline(t), StartRule{Want: f.Size(), Exact: true}), dir)
			mustFailNaming(t, "Read", <-readErr, dir)
		})
	}
}

// streamInBackground reads f to the end in a goroutine; the reader is what
// starts the download. The result arrives on the channel. Tests of write
// failures start downloads with a reader, not Prioritize: once downloads
// are disallowed after a write error, raising a piece's priority trips
// v1.61.0's internal consistency check, which panics in test binaries only
// (internal/check is enabled under testing.Testing).
func streamInBackground(t *testing.T, f *File) <-chan error {
	t.Helper()
	r, err := f.Open(deadline(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	done := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(r)
		done <- err
	}()
	return done
}

// mustFailNaming fails unless err is a storage error that names dir: not
// nil, not the failure guard's deadline.
func mustFailNaming(t *testing.T, what string, err error, dir string) {
	t.Helper()
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%s = %v, want a write error", what, err)
	}
	if !strings.Contains(err.Error(), dir) {
		t.Fatalf("%s = %q, want it to name the data folder %s", what, err, dir)
	}
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}
