package media

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// Real files made by ffmpeg, read the way btstream reads a torrent's file:
// its first bytes only. Where Locate says the index is, the index must be:
// the moov box or the Matroska Cues element begins there.
func TestInteropLayoutFFmpeg(t *testing.T) {
	torrenttest.RequireTools(t, "ffmpeg")
	const ffmpeg = "ffmpeg"
	t.Parallel()
	dir := t.TempDir()
	src := []string{"-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=4",
		"-f", "lavfi", "-i", "sine=frequency=440:duration=4"}
	h264 := []string{"-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "aac"}
	vp8 := []string{"-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus"}
	cuesID := []byte{0x1C, 0x53, 0xBB, 0x6B}
	tests := []struct {
		name  string
		args  []string
		pipe  bool // written to a pipe: the muxer cannot go back
		check func(t *testing.T, file []byte, l Layout)
	}{
		{"moov-last.mp4", h264, false, func(t *testing.T, file []byte, l Layout) {
			wantBox(t, file, l, "moov")
			if l.IndexEnd != int64(len(file)) || l.IndexOff < int64(len(file))/2 {
				t.Errorf("moov at [%d, %d) of %d bytes, want it at the end", l.IndexOff, l.IndexEnd, len(file))
			}
		}},
		{"faststart.mp4", append(h264, "-movflags", "+faststart"), false, func(t *testing.T, file []byte, l Layout) {
			wantBox(t, file, l, "moov")
			if l.IndexOff > 64 {
				t.Errorf("moov at %d, want it first", l.IndexOff)
			}
		}},
		{"fragmented.mp4", append(h264, "-movflags", "frag_keyframe+empty_moov"), false, func(t *testing.T, file []byte, l Layout) {
			// An empty moov first, then fragments that carry their own
			// index: only the small moov is fetched.
			wantBox(t, file, l, "moov")
			if l.IndexEnd-l.IndexOff > 4096 {
				t.Errorf("fragmented moov of %d bytes", l.IndexEnd-l.IndexOff)
			}
		}},
		{"cues-last.mkv", h264, false, func(t *testing.T, file []byte, l Layout) {
			wantCues(t, file, l)
			if l.IndexOff < int64(len(file))/2 || l.OpenNeedsIndex {
				t.Errorf("cues at %d of %d bytes (needed at open: %v), want them at the end, for seeking", l.IndexOff, len(file), l.OpenNeedsIndex)
			}
		}},
		{"cues-first.mkv", append(h264, "-reserve_index_space", "50000"), false, func(t *testing.T, file []byte, l Layout) {
			wantCues(t, file, l)
			if l.IndexOff > 60000 {
				t.Errorf("cues at %d, want them in the reserved space at the start", l.IndexOff)
			}
		}},
		{"piped.mkv", h264, true, func(t *testing.T, file []byte, l Layout) {
			if l.Container != "matroska" || l.HasIndex() {
				t.Errorf("layout %+v, want Matroska without an index", l)
			}
			if bytes.Contains(file, cuesID) {
				t.Errorf("the piped file has Cues after all")
			}
		}},
		{"video.webm", vp8, false, func(t *testing.T, file []byte, l Layout) {
			wantCues(t, file, l)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			args := append(append(append([]string{"-hide_banner", "-loglevel", "error", "-y"}, src...), tc.args...), "-shortest")
			cmd := exec.Command(ffmpeg, append(args, path)...)
			if tc.pipe {
				format := map[string]string{".mkv": "matroska", ".mp4": "mp4"}[filepath.Ext(path)]
				out, err := os.Create(path)
				if err != nil {
					t.Fatal(err)
				}
				defer out.Close()
				cmd = exec.Command(ffmpeg, append(args, "-f", format, "pipe:1")...)
				cmd.Stdout = out
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("ffmpeg: %v\n%s", err, stderr.Bytes())
			}
			file, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			l, err := locateGrowing(file)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, file, l)
		})
	}
}

// locateGrowing calls Locate with more and more of file's start, from 4 KiB
// (less than the files here) to LocateMax, as btstream does while the first
// bytes arrive.
func locateGrowing(file []byte) (Layout, error) {
	for n := 4 << 10; ; n *= 2 {
		l, err := Locate(file[:min(n, len(file))], int64(len(file)))
		if !errors.Is(err, ErrNeedMore) || n >= LocateMax {
			return l, err
		}
	}
}

func wantBox(t *testing.T, file []byte, l Layout, typ string) {
	t.Helper()
	if l.Container != "mp4" || !l.HasIndex() || l.IndexEnd > int64(len(file)) || string(file[l.IndexOff+4:l.IndexOff+8]) != typ {
		t.Fatalf("layout %+v does not point at the %s box", l, typ)
	}
}

func wantCues(t *testing.T, file []byte, l Layout) {
	t.Helper()
	if l.Container != "matroska" || !l.HasIndex() || l.IndexEnd > int64(len(file)) || !bytes.Equal(file[l.IndexOff:l.IndexOff+4], []byte{0x1C, 0x53, 0xBB, 0x6B}) {
		t.Fatalf("layout %+v does not point at the Cues", l)
	}
}
