package media

import (
	"runtime"
	"testing"
	"time"
)

// atOffset is a ReaderAt holding b at base and nothing else: a file of
// which only the index has arrived.
type atOffset struct {
	base int64
	b    []byte
}

func (a atOffset) ReadAt(p []byte, off int64) (int, error) {
	if off < a.base || off+int64(len(p)) > a.base+int64(len(a.b)) {
		return 0, errNotFetched
	}
	return copy(p, a.b[off-a.base:]), nil
}

// film2h is the moov of a two-hour film: H.264 at 24 frames a second with
// a key frame every two seconds (172 800 frames, 3 600 key frames) and
// two B-frames, 12 frames a chunk, ~1 GiB; and AAC at 48 kHz (337 500
// frames), interleaved. It returns a reader holding only the moov, the
// layout and the file's size.
func film2h() (atOffset, Layout, int64) {
	const frames = 2 * 3600 * 24
	v := fakeTrack{handler: "vide", id: 1, scale: 12288, deltas: repeat(uint32(512), frames),
		perChunk: []int{12}, edits: [][2]int64{{0, 1024}}}
	for s := range frames {
		v.sizes = append(v.sizes, uint32(2000+(s*7919)%9000))
		v.ctts = append(v.ctts, []int32{1024, 1536, 0, 0}[min(s%48, 3)])
		if s%48 == 0 {
			v.sync = append(v.sync, uint32(s+1))
		}
	}
	a := fakeTrack{handler: "soun", id: 2, scale: 48000, deltas: repeat(uint32(1024), 337500),
		sizes: repeat(uint32(371), 337500), perChunk: []int{23}}
	const mdat = 48
	moov, _, end := fakeMoov([]fakeTrack{v, a}, mdat, false)
	return atOffset{end, moov}, Layout{Container: "mp4", IndexOff: end, IndexEnd: end + int64(len(moov))}, end + int64(len(moov))
}

// cues2h is a two-hour Matroska film's head and Cues: a Cluster (of 600
// bytes here) and a video cue point every two seconds, and an audio track.
func cues2h() (atOffset, []byte, Layout, int64) {
	clusters := repeat(600, 3600)
	var cues []fakeCue
	for i := range clusters {
		cues = append(cues, fakeCue{uint64(i) * 2000, [][2]int{{1, i}}})
	}
	file, _ := fakeMKV(1e6, 1, 2, clusters, cues)
	size := int64(len(file))
	l, err := Locate(file[:LocateMax], size)
	if err != nil || !l.HasIndex() {
		panic("cues2h: no index")
	}
	return atOffset{l.IndexOff, file[l.IndexOff:]}, file[:LocateMax], l, size
}

// BenchmarkSeekIndex: reading a two-hour film's index (MP4 moov, Matroska
// Cues) and mapping times to offsets and back. Reported: ns per Offset or
// Time, and the index's memory per point (live heap after a GC).
func BenchmarkSeekIndex(b *testing.B) {
	r, l, size := film2h()
	b.Run("ReadMP4", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(l.IndexEnd - l.IndexOff)
		var x *SeekIndex
		for b.Loop() {
			var err error
			if x, err = ReadSeekIndex(r, l, size); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(x.Len()), "points")
		b.ReportMetric(bytesPerPoint(b, func() *SeekIndex { x, _ := ReadSeekIndex(r, l, size); return x }), "B/point")
	})
	mr, head, ml, msize := cues2h()
	mkvReader := multiRange{atOffset{0, head}, mr}
	b.Run("ReadMatroska", func(b *testing.B) {
		b.ReportAllocs()
		var x *SeekIndex
		for b.Loop() {
			var err error
			if x, err = ReadSeekIndex(mkvReader, ml, msize); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(x.Len()), "points")
		b.ReportMetric(bytesPerPoint(b, func() *SeekIndex { x, _ := ReadSeekIndex(mkvReader, ml, msize); return x }), "B/point")
	})
	x, err := ReadSeekIndex(r, l, size)
	if err != nil {
		b.Fatal(err)
	}
	// Times and offsets spread over the film, in an order no cache guesses.
	var ts [1024]time.Duration
	var offs [1024]int64
	for i := range ts {
		ts[i] = time.Duration(i*7919%1024) * 2 * time.Hour / 1024
		offs[i] = int64(i*7919%1024) * size / 1024
	}
	b.Run("Offset", func(b *testing.B) {
		var sum int64
		i := 0
		for b.Loop() {
			sum += x.Offset(ts[i&1023])
			i++
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(i), "ns/Offset")
		sink = sum
	})
	b.Run("Time", func(b *testing.B) {
		var sum time.Duration
		i := 0
		for b.Loop() {
			sum += x.Time(offs[i&1023])
			i++
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(i), "ns/Time")
		sink = int64(sum)
	})
}

var sink int64

// bytesPerPoint is the live heap an index from read holds, per point.
func bytesPerPoint(b *testing.B, read func() *SeekIndex) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	x := read()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if x.Len() == 0 {
		b.Fatal("empty index")
	}
	n := float64(after.HeapAlloc) - float64(before.HeapAlloc)
	runtime.KeepAlive(x)
	return n / float64(x.Len())
}

// multiRange reads from the first of its readers that has the bytes.
type multiRange []atOffset

func (m multiRange) ReadAt(p []byte, off int64) (int, error) {
	for _, a := range m {
		if n, err := a.ReadAt(p, off); err == nil {
			return n, nil
		}
	}
	return 0, errNotFetched
}
