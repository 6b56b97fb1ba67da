package filestore

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// FreeSpace reports what a filesystem has left, and sees it shrink.
func TestFreeSpaceShrinks(t *testing.T) {
	disk := torrenttest.MountTmpfs(t, "1m")
	before, err := FreeSpace(disk)
	if err != nil || before <= 0 || before > 1<<20 {
		t.Fatalf("FreeSpace of an empty 1 MiB tmpfs = %d, %v", before, err)
	}
	if err := os.WriteFile(filepath.Join(disk, "f"), torrenttest.Pattern(256<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	after, err := FreeSpace(disk)
	if err != nil || before-after < 256<<10 {
		t.Fatalf("FreeSpace = %d after writing 256 KiB, %d before (err %v)", after, before, err)
	}
}
