package torrentutil

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

// The simulated player, as mpv plays a moov-at-end MP4 over HTTP: it reads
// the head of the file (`0-`), the moov at the tail, then plays from the
// start of mdat. Its cache reads at most playerCache of playback ahead;
// playback starts, and resumes after running dry or after a seek, once
// playerResume is buffered (mpv's cache-pause-wait).
const (
	playerCache  = 30 * time.Second
	playerResume = time.Second
	playerRead   = 64 << 10
	playerHeader = 64 << 10
	// benchHeaderEnd is where mdat's payload starts: after ftyp and its header.
	benchHeaderEnd = 32
)

// playStats are the benchmark's measures of one run.
type playStats struct {
	ttfb, playable, seek    time.Duration
	stalls                  int
	stallTime, stallLongest time.Duration
	wastePct                float64
}

func (s *playStats) add(o playStats) {
	s.ttfb += o.ttfb
	s.playable += o.playable
	s.seek += o.seek
	s.stalls += o.stalls
	s.stallTime += o.stallTime
	s.stallLongest += o.stallLongest
	s.wastePct += o.wastePct
}

func (s playStats) report(b *testing.B, n int) {
	per := func(d time.Duration) float64 { return d.Seconds() / float64(n) }
	b.ReportMetric(per(s.ttfb), "ttfb-s")
	b.ReportMetric(per(s.playable), "playable-s")
	b.ReportMetric(float64(s.stalls)/float64(n), "stalls")
	b.ReportMetric(per(s.stallTime), "stall-s")
	b.ReportMetric(per(s.stallLongest), "maxstall-s")
	b.ReportMetric(per(s.seek), "seek-s")
	b.ReportMetric(s.wastePct/float64(n), "waste-pct")
	b.ReportMetric(0, "ns/op")
}

// playback is the player's clock: where playback is, and whether it runs.
type playback struct {
	rate    float64   // bytes per second
	playing bool      // false while (re)buffering
	base    int64     // position at baseAt
	baseAt  time.Time // when playback last started or stopped
}

func (p *playback) pos(now time.Time) int64 {
	if !p.playing {
		return p.base
	}
	return p.base + int64(now.Sub(p.baseAt).Seconds()*p.rate)
}

// reach is when playback gets to pos (in the past when it has).
func (p *playback) reach(pos int64) time.Time {
	return p.baseAt.Add(time.Duration(float64(pos-p.base) / p.rate * float64(time.Second)))
}

func (p *playback) bytes(d time.Duration) int64 { return int64(d.Seconds() * p.rate) }

// play runs the simulated player against the file and measures it. added
// is when the torrent was added.
func play(ctx context.Context, b *testing.B, open opener, added time.Time) playStats {
	var st playStats
	size := int64(benchSize)
	buf := make([]byte, playerRead)
	readAt := func(pos, n int64, first func()) {
		r, err := open(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		if _, err := r.Seek(pos, io.SeekStart); err != nil {
			b.Fatal(err)
		}
		for n > 0 {
			m, err := r.Read(buf[:min(n, int64(len(buf)))])
			if m > 0 && first != nil {
				first()
				first = nil
			}
			n -= int64(m)
			if err != nil && (n > 0 || !errors.Is(err, io.EOF)) {
				b.Fatal(err)
			}
		}
	}
	readAt(0, playerHeader, func() { st.ttfb = time.Since(added) })
	readAt(size-benchMoov, benchMoov, nil)

	pb := &playback{rate: benchBitrate}
	stream := func(from int64, d time.Duration, onStart func(time.Duration)) {
		r, err := open(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		if _, err := r.Seek(from, io.SeekStart); err != nil {
			b.Fatal(err)
		}
		began := time.Now()
		*pb = playback{rate: pb.rate, base: from, baseAt: began}
		read, end := from, from+pb.bytes(d)
		var dry time.Time // when playback ran dry
		started := false
		for pb.pos(time.Now()) < end {
			now := time.Now()
			if read >= size {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			if pb.playing {
				if ahead := read - pb.pos(now); ahead >= pb.bytes(playerCache) {
					// The cache is full: wait as the player would.
					time.Sleep(time.Duration(float64(ahead-pb.bytes(playerCache)+playerRead) / pb.rate * float64(time.Second)))
					continue
				}
			} else if read-pb.base >= pb.bytes(playerResume) || read >= size {
				pb.playing, pb.baseAt = true, now
				if !started {
					started = true
					if onStart != nil {
						onStart(now.Sub(began))
					}
				} else {
					stall := now.Sub(dry)
					st.stalls++
					st.stallTime += stall
					st.stallLongest = max(st.stallLongest, stall)
				}
				continue
			}
			m, err := r.Read(buf)
			done := time.Now()
			if pb.playing && done.After(pb.reach(read)) {
				// Playback reached read before these bytes came: it stopped there.
				dry = pb.reach(read)
				pb.playing, pb.base, pb.baseAt = false, read, dry
			}
			read += int64(m)
			if errors.Is(err, io.EOF) {
				continue
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	stream(benchHeaderEnd, benchPlay, nil)
	stream(size/2, benchAfterSeek, func(waited time.Duration) { st.seek = waited })
	return st
}
