package media

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// keyFrame is a video key frame as ffprobe reports it.
type keyFrame struct {
	pts time.Duration
	pos int64
}

// TestInteropSeekIndexFFmpeg: files made by ffmpeg (H.264 with two B-frames,
// so that MP4 presentation times need ctts and the edit list, a key frame
// every second, AAC; VP8 and Opus in WebM) are read the way btstream reads
// a torrent's file: only their first bytes and the index Locate found. For
// times on both sides of every key frame, and before the first and past the
// end, Offset must be where ffprobe says the video key frame at or before
// that time is:
//   - MP4: exactly the key frame's sample offset.
//   - Matroska and WebM: exactly the start of the Cluster that holds the key
//     frame's block (found by walking the file's Clusters), so at or before
//     the packet ffprobe reports and after no other Cluster start. That is
//     what the Cues give (CueClusterPosition) and where mpv and libavformat
//     begin to read when they seek there. (ffmpeg starts a Cluster at each
//     key frame here; key frames that share one map to its start.)
//   - AVI (MPEG-4 Part 2 without B-frames, whose times ffprobe knows):
//     exactly the key frame's chunk header, 8 bytes before the data that
//     ffprobe reports as its position.
func TestInteropSeekIndexFFmpeg(t *testing.T) {
	torrenttest.RequireTools(t, "ffmpeg", "ffprobe")
	t.Parallel()
	dir := t.TempDir()
	src := []string{"-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=20",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=20", "-map", "0:v", "-map", "1:a", "-threads", "1"}
	h264 := []string{"-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "25", "-keyint_min", "25", "-pix_fmt", "yuv420p", "-c:a", "aac"}
	mpeg4 := []string{"-c:v", "mpeg4", "-bf", "0", "-g", "25", "-keyint_min", "25", "-c:a", "ac3"}
	vp8 := []string{"-c:v", "libvpx", "-deadline", "realtime", "-g", "25", "-keyint_min", "25", "-b:v", "500k", "-c:a", "libopus"}
	tests := []struct {
		name  string
		args  []string
		noIdx bool // ReadSeekIndex must fail with ErrNoSeekIndex
	}{
		{"moov-last.mp4", h264, false},
		{"faststart.mp4", append(h264, "-movflags", "+faststart"), false},
		{"cues-last.mkv", h264, false},
		{"cues-first.mkv", append(h264, "-reserve_index_space", "50000"), false},
		{"video.webm", vp8, false},
		{"video.avi", mpeg4, false},
		{"fragmented.mp4", append(h264, "-movflags", "frag_keyframe+empty_moov"), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			args := append(append(append([]string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y"}, src...), tc.args...), "-fflags", "+bitexact", "-shortest", path)
			if out, err := exec.CommandContext(t.Context(), "ffmpeg", args...).CombinedOutput(); err != nil {
				t.Fatalf("ffmpeg: %v\n%s", err, out)
			}
			file, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			l, err := locateGrowing(file)
			if err != nil || !l.HasIndex() {
				t.Fatalf("Locate = %+v, %v", l, err)
			}
			size := int64(len(file))
			// Only the first LocateMax bytes and the index are there.
			r := onlyRanges{bytes.NewReader(file), [][2]int64{{0, min(size, LocateMax)}, {l.IndexOff, l.IndexEnd}}}
			x, err := ReadSeekIndex(r, l, size)
			if tc.noIdx {
				if !errors.Is(err, ErrNoSeekIndex) {
					t.Fatalf("ReadSeekIndex = %v, %v; want ErrNoSeekIndex", x, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			kfs := probeKeyFrames(t, path)
			if len(kfs) < 19 {
				t.Fatalf("ffprobe reports %d key frames, want one a second", len(kfs))
			}
			// want maps a key frame to the offset Offset must return.
			want := func(k keyFrame) int64 { return k.pos }
			switch l.Container {
			case "avi":
				want = func(k keyFrame) int64 { return k.pos - 8 }
			case "matroska":
				clusters := clusterStarts(t, file)
				want = func(k keyFrame) int64 {
					var c int64 = -1
					for _, s := range clusters {
						if s <= k.pos {
							c = s
						}
					}
					return c
				}
			}
			expect := func(at time.Duration) int64 {
				off := int64(0)
				for _, k := range kfs {
					if k.pts <= at {
						off = want(k)
					}
				}
				return off
			}
			times := []time.Duration{0, kfs[len(kfs)-1].pts + time.Minute}
			for _, k := range kfs {
				times = append(times, k.pts-time.Millisecond, k.pts+time.Millisecond, k.pts+500*time.Millisecond)
			}
			for _, at := range times {
				if got, w := x.Offset(at), expect(at); got != w {
					t.Errorf("Offset(%v) = %d, want %d", at, got, w)
				}
			}
			// Time inverts Offset: a key frame's offset plays from its
			// time (the first key frame of its Cluster in Matroska).
			for _, k := range kfs {
				off := want(k)
				first := k.pts
				for _, j := range kfs {
					if want(j) == off && j.pts < first {
						first = j.pts
					}
				}
				if got := x.Time(off); absDur(got-first) > time.Millisecond {
					t.Errorf("Time(%d) = %v, want %v", off, got, first)
				}
			}
			t.Logf("%d points for %d key frames; index [%d, %d) of %d bytes", x.Len(), len(kfs), l.IndexOff, l.IndexEnd, size)
		})
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// probeKeyFrames lists the video key frames of the file at path, in order.
func probeKeyFrames(t *testing.T, path string) []keyFrame {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "ffprobe", "-v", "error", "-select_streams", "v",
		"-show_packets", "-show_entries", "packet=pts_time,pos,flags", "-of", "csv", path).Output()
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	var kfs []keyFrame
	for line := range strings.Lines(string(out)) {
		f := strings.Split(strings.TrimSpace(line), ",") // packet,pts_time,pos,flags
		if len(f) != 4 || !strings.HasPrefix(f[3], "K") {
			continue
		}
		pts, err1 := strconv.ParseFloat(f[1], 64)
		pos, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("ffprobe line %q", line)
		}
		kfs = append(kfs, keyFrame{time.Duration(math.Round(pts*1e6)) * time.Microsecond, pos})
	}
	return kfs
}

// clusterStarts lists where the Clusters of a Matroska file begin.
func clusterStarts(t *testing.T, file []byte) []int64 {
	t.Helper()
	r := bytesAt(file)
	ebml, err := mkvNext(r, 0, int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	seg, err := mkvNext(r, ebml.end, int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	var starts []int64
	for off := seg.body; off < seg.end; {
		e, err := mkvNext(r, off, seg.end)
		if err != nil {
			t.Fatal(err)
		}
		if e.id == mkvCluster {
			starts = append(starts, off)
		}
		off = e.end
	}
	if len(starts) == 0 {
		t.Fatal("no clusters")
	}
	return starts
}

// onlyRanges is a ReaderAt that has fetched only the given ranges: a read
// that leaves them fails with errNotFetched.
type onlyRanges struct {
	r      io.ReaderAt
	ranges [][2]int64
}

func (o onlyRanges) ReadAt(p []byte, off int64) (int, error) {
	for _, rg := range o.ranges {
		if off >= rg[0] && off+int64(len(p)) <= rg[1] {
			return o.r.ReadAt(p, off)
		}
	}
	return 0, errNotFetched
}
