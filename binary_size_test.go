package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// bigTorrent is a torrent too large to write out, seeded in-process from
// sparse files that hold only the video's first and last pieces.
type bigTorrent struct {
	name      string
	file      string // the .torrent
	seeder    *torrenttest.Seeder
	video     int   // the video's index
	videoOff  int64 // its offset in the torrent
	videoSize int64
	pieces    int
	files     int
}

// The torrents of issue 13, each with a video that btstream should pick.
var bigTorrents = []struct {
	name     string
	pieceLen int64
	length   int64                           // single file
	files    func() []torrenttest.SparseFile // multi-file
	video    int
}{
	// 100,000 photos of 1,000 bytes and one film, in 398 pieces. Under the
	// race detector, 10,000 photos: the in-process seeder's library alone
	// would take 15 s to add the torrent (the binary under test is built
	// without it, and the test without -race, which CI runs too, has all).
	{name: "100k-files", pieceLen: 256 << 10, video: 0, files: func() []torrenttest.SparseFile {
		fs := []torrenttest.SparseFile{{Path: "Film.mkv", Length: 4 << 20}}
		n := 100_000
		if raceBuild {
			n = 10_000
		}
		for i := range n {
			fs = append(fs, torrenttest.SparseFile{Path: fmt.Sprintf("photos/%03d/IMG_%06d.jpg", i/1000, i), Length: 1000})
		}
		return fs
	}},
	// One 4 GiB film in 16,384 pieces.
	{name: "film-4GiB.mkv", pieceLen: 256 << 10, length: 4 << 30},
	// 50 GiB: twenty 1 GiB bonus videos, then a 30 GiB film, in 51,200 pieces.
	{name: "50GiB-files", pieceLen: 1 << 20, video: 20, files: func() []torrenttest.SparseFile {
		var fs []torrenttest.SparseFile
		for i := range 20 {
			fs = append(fs, torrenttest.SparseFile{Path: fmt.Sprintf("Bonus/bonus%02d.mkv", i+1), Length: 1 << 30})
		}
		return append(fs, torrenttest.SparseFile{Path: "Film.mkv", Length: 30 << 30})
	}},
}

// Of the video, the first bigHead and the last bigTail bytes are real: what
// the start rule (--buffer bigBuffer), the layout's look at the first bytes
// and the index of an unknown container (its last MiB) need.
const (
	bigHead   = 4 << 20
	bigTail   = 2 << 20
	bigBuffer = "2MiB"
)

func newBigTorrent(tb testing.TB, i int) *bigTorrent {
	tb.Helper()
	spec := bigTorrents[i]
	dir := tb.TempDir()
	bt := &bigTorrent{name: spec.name, video: spec.video, videoSize: spec.length}
	s := torrenttest.Sparse{Name: spec.name, PieceLen: spec.pieceLen, Length: spec.length}
	total := spec.length
	bt.files = 1
	if spec.files != nil {
		s.Files = spec.files()
		bt.files = len(s.Files)
		total = 0
		for j, f := range s.Files {
			if j == spec.video {
				bt.videoOff, bt.videoSize = total, f.Length
			}
			total += f.Length
		}
	}
	bt.pieces = int((total + spec.pieceLen - 1) / spec.pieceLen)
	real := func(p int) bool {
		off, end := int64(p)*spec.pieceLen, int64(p+1)*spec.pieceLen
		vEnd := bt.videoOff + bt.videoSize
		head := off < bt.videoOff+bigHead && end > bt.videoOff
		tail := off < vEnd && end > vEnd-bigTail
		return head || tail
	}
	s.Real = real
	mi := torrenttest.WriteSparse(tb, dir, s)
	bt.seeder = torrenttest.NewSeeder(tb, filepath.Join(dir, spec.name), spec.pieceLen,
		torrenttest.SeederOptions{MetaInfo: mi, Storage: torrenttest.KnownPieces(real)})
	bt.file = writeTorrent(tb, tb.TempDir(), spec.name+".torrent", mi)
	return bt
}

// ls runs btstream ls --json on the torrent and returns what it listed.
func (bt *bigTorrent) ls(tb testing.TB) (files, def int) {
	tb.Helper()
	cmd := btstreamCmd(tb, tb.TempDir(), "ls", "--json", bt.file)
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("ls: %v", err)
	}
	var doc struct {
		Files   []json.RawMessage `json:"files"`
		Default int               `json:"default"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		tb.Fatal(err)
	}
	return len(doc.Files), doc.Default
}

// startRun is what one run of the binary on a bigTorrent saw.
type startRun struct {
	ready    float64 // seconds from btstream's start to the ready event
	rssKiB   int64   // btstream's peak RSS (VmHWM) at the ready event
	diskKiB  int64   // space the data folder takes on disk then
	got      []byte  // what the player read of the video
	exitCode int
	stderr   string
}

// start runs btstream on the torrent with an empty --data-dir until the
// player (the helper process below) has read the video's first bytes and
// exited.
func (bt *bigTorrent) start(tb testing.TB) startRun {
	tb.Helper()
	data := tb.TempDir()
	out := filepath.Join(tb.TempDir(), "read")
	cmd := btstreamCmd(tb, tb.TempDir(), "--json", "--data-dir", data, "--buffer", bigBuffer,
		"--player", os.Args[0], "--player-arg=-test.run=^TestHelperPlayerReads$", "--peer", bt.seeder.Addr(), bt.file)
	cmd.Env = append(cmd.Env, "BTSTREAM_TEST_PLAYER_OUT="+out)
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	timer := time.AfterFunc(90*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	var r startRun
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		var ev struct {
			Event   string  `json:"event"`
			Elapsed float64 `json:"elapsed"`
		}
		json.Unmarshal(sc.Bytes(), &ev)
		if ev.Event == "ready" {
			r.ready = ev.Elapsed
			r.rssKiB = peakRSS(cmd.Process.Pid)
			r.diskKiB = diskUsage(tb, data)
		}
	}
	r.exitCode = exitCode(cmd.Wait())
	r.stderr = stderr.String()
	r.got, _ = os.ReadFile(out)
	return r
}

// peakRSS is the peak resident set of process pid in KiB (VmHWM), or -1.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return -1
}

// diskUsage is the space the files under dir take on disk, in KiB: a
// sparse file's holes take none.
func diskUsage(tb testing.TB, dir string) int64 {
	var blocks int64
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				blocks += st.Blocks
			}
		}
		return nil
	})
	return blocks * 512 >> 10
}

// TestHelperPlayerReads is not a test: it is the player of the bigTorrent
// runs. It reads the first bigHead bytes of the URL it was given into the
// file BTSTREAM_TEST_PLAYER_OUT names, and exits.
func TestHelperPlayerReads(t *testing.T) {
	out := os.Getenv("BTSTREAM_TEST_PLAYER_OUT")
	if out == "" {
		t.Skip("helper process")
	}
	resp, err := http.Get(os.Args[len(os.Args)-1])
	if err != nil {
		os.Exit(1)
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, bigHead))
	resp.Body.Close()
	os.WriteFile(out, b, 0o644)
	os.Exit(0)
}

// A torrent of 100,000 files lists in full and its film plays; a 4 GiB
// single file and a 50 GiB torrent reach the start with an empty data
// folder without writing more than the pieces the start needs: nothing
// is allocated, read or hashed in proportion to their size.
func TestBinaryLargeTorrents(t *testing.T) {
	if testing.Short() {
		t.Skip("builds torrents of 100,000 files and 50 GiB (sparse)")
	}
	for i, spec := range bigTorrents {
		t.Run(spec.name, func(t *testing.T) {
			bt := newBigTorrent(t, i)
			n, def := bt.ls(t)
			if n != bt.files || def != bt.video {
				t.Fatalf("ls listed %d files with default %d, want %d and %d", n, def, bt.files, bt.video)
			}
			r := bt.start(t)
			if r.exitCode != 0 {
				t.Fatalf("exit %d: %s", r.exitCode, r.stderr)
			}
			if want := torrenttest.PatternAt(bt.videoOff, bigHead); !bytes.Equal(r.got, want) {
				t.Fatalf("the player read %d bytes, not the video's first %d; stderr: %s", len(r.got), len(want), r.stderr)
			}
			// What came is the head and the tail, with the pieces around
			// them that the scheduler asked for and nobody had; a folder
			// that grew with the torrent would take gigabytes.
			if r.diskKiB > 64<<10 {
				t.Errorf("the data folder takes %d KiB on disk at the start", r.diskKiB)
			}
		})
	}
}

// BenchmarkBinaryLargeTorrents measures, through the real binary, how long
// ls takes, how long the start takes (to the ready event, from a seeder on
// loopback, with an empty --data-dir and --buffer 2MiB) and the binary's
// peak RSS at the start, for each of bigTorrents. Run it with
//
//	go test -run '^$' -bench BenchmarkBinaryLargeTorrents -benchtime 3x .
func BenchmarkBinaryLargeTorrents(b *testing.B) {
	for i, spec := range bigTorrents {
		b.Run(spec.name, func(b *testing.B) {
			bt := newBigTorrent(b, i)
			binary(b) // built before the clock runs
			var ls, ready, rss, disk float64
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				bt.ls(b)
				ls += time.Since(t0).Seconds()
				r := bt.start(b)
				if r.exitCode != 0 {
					b.Fatalf("exit %d: %s", r.exitCode, r.stderr)
				}
				ready += r.ready
				rss = max(rss, float64(r.rssKiB)/1024)
				disk = max(disk, float64(r.diskKiB)/1024)
			}
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(ls/float64(b.N), "ls-s")
			b.ReportMetric(ready/float64(b.N), "start-s")
			b.ReportMetric(rss, "peak-RSS-MiB")
			b.ReportMetric(disk, "disk-MiB")
			b.ReportMetric(float64(bt.pieces), "pieces")
		})
	}
}
