package torrentutil

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/metainfo"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// The streaming benchmark: a 10-minute, 5 Mbit/s moov-at-end MP4 seeded on
// loopback by a slow (256 KiB/s) and a fast (1 MiB/s) seeder, about twice
// the bitrate together. A simulated player opens it as mpv does and plays,
// seeks to the middle and plays on. Run it with
//
//	go test -run '^$' -bench BenchmarkStream ./torrentutil/
//
// It is a model, quick and without root: in-process seeders and a simulated
// player. The numbers the project quotes come from BenchmarkInteropStream in
// package main: real seeders (qBittorrent, aria2) over a shaped link and a
// real mpv.
const (
	benchBitrate   = 640 << 10 // bytes per second: 5 Mbit/s
	benchDuration  = 10 * time.Minute
	benchSize      = int64(benchBitrate) * int64(benchDuration/time.Second)
	benchPieceLen  = 512 << 10
	benchMoov      = 512 << 10
	benchSlowRate  = 256 << 10
	benchFastRate  = 1 << 20
	benchPlay      = 20 * time.Second // playback before the seek
	benchAfterSeek = 15 * time.Second // playback after it
)

func BenchmarkStream(b *testing.B) {
	path := torrenttest.MP4File(b, b.TempDir(), benchSize, benchDuration, benchMoov)
	b.Run("baseline", func(b *testing.B) { benchStream(b, path, startBaseline) })
	b.Run("scheduler", func(b *testing.B) { benchStream(b, path, startScheduled) })
}

// opener opens one player connection to the file.
type opener func(ctx context.Context) (io.ReadSeekCloser, error)

// starter gets the file ready to play the way one arm does, and returns how
// the player opens it.
// stop undoes what it started.
type starter func(ctx context.Context, b *testing.B, f *File) (open opener, stop func())

func benchStream(b *testing.B, path string, start starter) {
	var sum playStats
	for range b.N {
		sum.add(runStream(b, path, start))
	}
	sum.report(b, b.N)
}

func runStream(b *testing.B, path string, start starter) playStats {
	b.StopTimer()
	slow := benchSeeder(b, path, benchSlowRate)
	defer slow.Close()
	fast := benchSeeder(b, path, benchFastRate)
	defer fast.Close()
	c, err := NewClient(Config{Offline: true, DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	tb, err := slow.TorrentFile()
	if err != nil {
		b.Fatal(err)
	}
	mi, err := metainfo.Load(bytes.NewReader(tb))
	if err != nil {
		b.Fatal(err)
	}
	spec := mustSpec(b, mi)
	spec.PeerAddrs = []string{slow.Addr(), fast.Addr()}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel() // before the client closes: Schedule ends first
	b.StartTimer()

	added := time.Now()
	tt, err := c.addSpec(spec)
	if err != nil {
		b.Fatal(err)
	}
	f, err := tt.File(0)
	if err != nil {
		b.Fatal(err)
	}
	open, stop := start(ctx, b, f)
	defer stop()
	playable := time.Since(added)
	st := play(ctx, b, open, added)
	st.playable = playable
	s := tt.t.Stats()
	useful := s.BytesReadUsefulData.Int64()
	if useful > 0 {
		st.wastePct = 100 * float64(s.BytesReadData.Int64()-useful) / float64(useful)
	}
	b.StopTimer()
	return st
}

func benchSeeder(b *testing.B, path string, rate int64) *Seeder {
	s, err := NewSeeder(path, benchPieceLen, Config{Offline: true, UploadRate: rate})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// baselineTail is the baseline's fixed tail, read before anything else.
const baselineTail = 4 << 20

// startBaseline is the library alone: the tail read first through a
// reader, then 1% buffered through a head reader, library readers with the
// default read-ahead for the player.
func startBaseline(ctx context.Context, b *testing.B, f *File) (opener, func()) {
	lib := func(pos int64) (*libReader, error) {
		r := &libReader{r: f.f.NewReader(), size: f.Size()}
		r.r.SetResponsive()
		r.r.SetContext(ctx)
		_, err := r.Seek(pos, io.SeekStart)
		return r, err
	}
	tail := min(int64(baselineTail), f.Size())
	for _, span := range [][2]int64{{f.Size() - tail, tail}, {0, f.Size() / 100}} {
		r, err := lib(span[0])
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyN(io.Discard, r, span[1]); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
	return func(context.Context) (io.ReadSeekCloser, error) { return lib(0) }, func() {}
}

// startScheduled is btstream: Prioritize, Schedule, the start rule.
func startScheduled(ctx context.Context, b *testing.B, f *File) (opener, func()) {
	rule := StartRule{Want: f.Size() / 100}
	f.Prioritize(rule)
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.t.Schedule(sctx)
	}()
	stop := func() { cancel(); <-done }
	if err := f.WaitReady(ctx, rule); err != nil {
		stop()
		b.Fatal(err)
	}
	return f.Open, stop
}

// libReader is a bare library reader, clipped at the end of the file.
type libReader struct {
	r         torrent.Reader
	pos, size int64
}

func (l *libReader) Read(p []byte) (int, error) {
	if l.pos >= l.size {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), l.size-l.pos)]
	n, err := l.r.Read(p)
	l.pos += int64(n)
	return n, err
}

func (l *libReader) Seek(off int64, whence int) (int64, error) {
	n, err := l.r.Seek(off, whence)
	if err == nil {
		l.pos = n
	}
	return n, err
}

func (l *libReader) Close() error { return l.r.Close() }
