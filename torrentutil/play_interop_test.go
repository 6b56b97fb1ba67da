package torrentutil

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/btstream/btstream/torrentutil/media"
	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// Once a Matroska film's Cues are in, a play time maps to the byte where a
// player seeking there reads (the key frame's Cluster), as the whole
// file's index says.
func TestInteropOffsetAtFollowsIndex(t *testing.T) {
	torrenttest.RequireTools(t, "ffmpeg")
	t.Parallel()
	path := filepath.Join(t.TempDir(), "movie.mkv")
	out, err := exec.CommandContext(t.Context(), "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
		"-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=20", "-threads", "1",
		"-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-keyint_min", "25", "-pix_fmt", "yuv420p", "-y", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := media.Locate(data[:min(len(data), media.LocateMax)], int64(len(data)))
	if err != nil || !l.HasIndex() {
		t.Fatalf("Locate = %+v, %v", l, err)
	}
	want, err := media.ReadSeekIndex(bytes.NewReader(data), l, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	s := torrenttest.NewSeeder(t, path, 16<<10, torrenttest.SeederOptions{})
	_, f := firstFile(t, newTestClient(t, Config{}), s)
	stream(t, f, StartRule{Want: 16 << 10})
	eventually(t, "the seek index is read", func() bool { return f.seekIndex(time.Now()) != nil })
	for at := time.Duration(0); at <= 21*time.Second; at += 250 * time.Millisecond {
		if got, w := f.OffsetAt(at), want.Offset(at); got != w {
			t.Errorf("OffsetAt(%v) = %d, want %d (the index's)", at, got, w)
		}
	}
}
