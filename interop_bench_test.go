package main

// BenchmarkInteropStream is the project's headline benchmark: real seeders
// (qBittorrent and aria2), the real btstream binary and a real mpv, over a
// shaped link. It needs root, iproute2 with tbf, ffmpeg, mpv, aria2c and
// qbittorrent-nox; without them it skips (under CI=true it fails). All of it
// runs in network namespaces of its own (btstream-bench-*) with no route out.
//
//	go test -run '^$' -bench BenchmarkInteropStream -benchtime 1x -timeout 30m .
//
// takes about 5 minutes; add -count 5 for benchstat's medians and spread, or
// pick one case: -bench 'BenchmarkInteropStream/rate=8mbit$/btstream'.
//
// An iteration makes a fresh link, starts both seeders on the seed side with
// a 120 s MP4 (H.264 at 4 Mbit/s CBR plus AAC, moov at the end, 256 KiB
// pieces), then the server under test in the leech namespace. When the
// server says ready (the moment btstream would start its player), mpv starts
// headless, loads the URL, plays benchPlay seconds, seeks to 50% and plays
// one second from where it landed. Metrics, means over b.N:
//
//	ready-s          server start to its ready event (the start rule holds)
//	first-frame-s    server start to mpv's first frame (mpv's start-up included)
//	seek-s           the seek command to mpv's first frame after it
//	pauses, pause-s  mpv's paused-for-cache episodes after the first frame, and their length
//	first-frame-MB   bytes the leech side received before the first frame (on the wire)
//	aria2-MB, qbt-MB data each seeder sent during the run, by its own counter
//
// The cases are the link's rate: 5, 8 and 20 Mbit/s, about 1.2, 1.9 and 4.9
// times the file's 4.1 Mbit/s (tbf counts headers too); and a 20 Mbit/s link
// where each seeder uploads at most 60% of the file's rate, so that playback
// needs both. The arms are btstream (the binary as it is, --no-player --json)
// and baseline (interop_baseline_test.go: the same serving and start buffer,
// the library's fixed read-ahead reader instead of the scheduler).

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

const (
	benchNetnsPrefix = "btstream-bench-"
	benchSeconds     = 120
	benchVideoRate   = 4_000_000
	// benchPlay is how long mpv plays before the seek, in seconds.
	benchPlay = 20
)

func BenchmarkInteropStream(b *testing.B) {
	requireTools(b, "ip", "tc", "ffmpeg", "ffprobe", "mpv", "aria2c", "qbittorrent-nox")
	// The clip is made once, by the first iteration, after its link showed
	// that the benchmark can run.
	clipDir, clip := b.TempDir(), ""
	media := func(t testing.TB) string {
		if clip == "" {
			clip = makeCBRMP4(t, clipDir, benchSeconds, benchVideoRate)
		}
		return clip
	}
	cases := []struct {
		name, rate string
		share      float64 // each seeder's upload cap, a share of the file's rate; 0 for none
	}{
		{"rate=5mbit", "5mbit", 0},
		{"rate=8mbit", "8mbit", 0},
		{"rate=20mbit", "20mbit", 0},
		{"rate=20mbit,each=60%", "20mbit", 0.6},
	}
	arms := []struct {
		name   string
		server func(t testing.TB, tmp, magnet string) *exec.Cmd
	}{
		{"btstream", func(t testing.TB, tmp, magnet string) *exec.Cmd {
			return btstreamCmd(t, tmp, "--no-player", "--json", magnet)
		}},
		{"baseline", baselineCmd},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for _, arm := range arms {
				b.Run(arm.name, func(b *testing.B) {
					var sum benchRun
					n := 0
					for b.Loop() {
						r := streamOnce(b, media, c.rate, c.share, arm.server)
						b.Logf("%s", r)
						sum.add(r)
						n++
					}
					sum.report(b, n)
				})
			}
		})
	}
}

// benchRun is what one iteration measured.
type benchRun struct {
	ready, firstFrame, seek, paused time.Duration
	pauses                          int
	firstFrameBytes, aria2, qbt     int64
}

func (r benchRun) String() string {
	return fmt.Sprintf("ready %.2fs, first frame %.2fs (%.1f MB in), seek %.2fs, %d pauses (%.2fs); aria2 sent %.1f MB, qBittorrent %.1f MB",
		r.ready.Seconds(), r.firstFrame.Seconds(), float64(r.firstFrameBytes)/1e6, r.seek.Seconds(),
		r.pauses, r.paused.Seconds(), float64(r.aria2)/1e6, float64(r.qbt)/1e6)
}

func (r *benchRun) add(o benchRun) {
	r.ready += o.ready
	r.firstFrame += o.firstFrame
	r.seek += o.seek
	r.paused += o.paused
	r.pauses += o.pauses
	r.firstFrameBytes += o.firstFrameBytes
	r.aria2 += o.aria2
	r.qbt += o.qbt
}

// report reports the means of n runs summed in r.
func (r benchRun) report(b *testing.B, n int) {
	if n == 0 {
		return
	}
	mean := func(v float64) float64 { return v / float64(n) }
	b.ReportMetric(mean(r.ready.Seconds()), "ready-s")
	b.ReportMetric(mean(r.firstFrame.Seconds()), "first-frame-s")
	b.ReportMetric(mean(r.seek.Seconds()), "seek-s")
	b.ReportMetric(mean(float64(r.pauses)), "pauses")
	b.ReportMetric(mean(r.paused.Seconds()), "pause-s")
	b.ReportMetric(mean(float64(r.firstFrameBytes)/1e6), "first-frame-MB")
	b.ReportMetric(mean(float64(r.aria2)/1e6), "aria2-MB")
	b.ReportMetric(mean(float64(r.qbt)/1e6), "qbt-MB")
}

// streamOnce is one iteration: a fresh link shaped to rate, both seeders
// (each capped at share of the file's rate when share > 0), the server that
// server makes, and mpv.
func streamOnce(b *testing.B, media func(testing.TB) string, rate string, share float64,
	server func(t testing.TB, tmp, magnet string) *exec.Cmd) benchRun {
	it := &iteration{TB: b}
	defer it.done()
	l := newShapedLink(it, benchNetnsPrefix, rate)
	clip := media(it)
	var limit int64
	if share > 0 {
		fi, err := os.Stat(clip)
		if err != nil {
			it.Fatal(err)
		}
		limit = int64(share * float64(fi.Size()) / benchSeconds)
	}
	seeders := startShapedSeeders(it, l, clip, limit)

	srv := startBinary(it, inNetnsCmd(it, l.leech, server(it, it.TempDir(), seeders.magnet)))
	var u string
	_, ready := srv.waitFor(it, "ready", func(line string) bool {
		var ev struct{ Event, URL string }
		if json.Unmarshal([]byte(line), &ev) != nil {
			return false
		}
		if ev.Event == "listening" {
			u = ev.URL
		}
		return ev.Event == "ready"
	})
	if u == "" {
		it.Fatal("ready before a listening event with the URL")
	}
	var r benchRun
	p := startMpv(it, l.leech).playSeek(it, u, benchPlay, func() {
		n, err := rxBytes(l.leech, "leech0")
		if err != nil {
			it.Fatal(err)
		}
		r.firstFrameBytes = n
	})
	aria2, qbt, err := seeders.uploaded(it.Context())
	if err != nil {
		it.Fatal(err)
	}
	r.ready, r.firstFrame, r.seek = ready, p.firstFrame.Sub(srv.began), p.seek
	r.pauses, r.paused, r.aria2, r.qbt = p.pauses, p.paused, aria2, qbt
	return r
}

// iteration is a testing.TB whose cleanups and temporary directories belong
// to one benchmark iteration: done runs them (also when the iteration fails),
// so links, seeders and processes do not pile up over b.N iterations.
type iteration struct {
	testing.TB
	cleanups []func()
}

func (it *iteration) Cleanup(f func()) { it.cleanups = append(it.cleanups, f) }

func (it *iteration) TempDir() string {
	dir, err := os.MkdirTemp("", benchNetnsPrefix)
	if err != nil {
		it.Fatal(err)
	}
	it.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// done runs the cleanups, the last registered first.
func (it *iteration) done() {
	for i := len(it.cleanups) - 1; i >= 0; i-- {
		it.cleanups[i]()
	}
}
