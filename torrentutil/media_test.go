package torrentutil

import (
	"bufio"
	"encoding/binary"
	"io"
	"math"
	"os"
	"testing"
	"time"
)

// writeMP4 writes a moov-at-end MP4 of size bytes that plays for dur: ftyp,
// an mdat of pattern bytes, then a moov of moovLen bytes (mvhd, padded).
func writeMP4(w io.Writer, size int64, dur time.Duration, moovLen int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	box := func(typ string, n int64) {
		var h [8]byte
		binary.BigEndian.PutUint32(h[:4], uint32(n))
		copy(h[4:], typ)
		bw.Write(h[:])
	}
	box("ftyp", 24)
	bw.WriteString("isom\x00\x00\x02\x00isommp41")
	mdat := size - 24 - int64(moovLen)
	box("mdat", mdat)
	block := pattern(1 << 20)
	for left := mdat - 8; left > 0; left -= int64(len(block)) {
		bw.Write(block[:min(left, int64(len(block)))])
	}
	box("moov", int64(moovLen))
	box("mvhd", 108)
	var mvhd [100]byte
	binary.BigEndian.PutUint32(mvhd[12:16], 1000) // timescale
	binary.BigEndian.PutUint32(mvhd[16:20], uint32(dur.Milliseconds()))
	bw.Write(mvhd[:])
	box("free", int64(moovLen-8-108))
	bw.Write(make([]byte, moovLen-16-108))
	return bw.Flush()
}

// mkv builds a small Matroska file: EBML header, then a Segment (of
// unknown size when unknown is set) holding a Void element and an Info with
// TimecodeScale scale and a Duration of dur ticks as a float of floatLen
// bytes, then a Cluster.
func mkv(scale uint64, dur float64, floatLen int, unknown bool) []byte {
	el := func(id []byte, body []byte) []byte {
		size := []byte{0x01, 0, 0, 0, 0, 0, 0, 0}
		binary.BigEndian.PutUint32(size[4:], uint32(len(body)))
		return append(append(append([]byte{}, id...), size...), body...)
	}
	d := make([]byte, floatLen)
	if floatLen == 4 {
		binary.BigEndian.PutUint32(d, math.Float32bits(float32(dur)))
	} else {
		binary.BigEndian.PutUint64(d, math.Float64bits(dur))
	}
	var sc [8]byte
	binary.BigEndian.PutUint64(sc[:], scale)
	info := append(el([]byte{0x2A, 0xD7, 0xB1}, sc[:]), el([]byte{0x44, 0x89}, d)...)
	body := append(el([]byte{0xEC}, make([]byte, 30)), el([]byte{0x15, 0x49, 0xA9, 0x66}, info)...)
	body = append(body, el([]byte{0x1F, 0x43, 0xB6, 0x75}, make([]byte, 100))...)
	out := el([]byte{0x1A, 0x45, 0xDF, 0xA3}, el([]byte{0x42, 0x86}, []byte{1}))
	seg := el([]byte{0x18, 0x53, 0x80, 0x67}, body)
	if unknown {
		copy(seg[4:12], []byte{0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})
	}
	return append(out, seg...)
}

// writeMP4File writes a moov-at-end MP4 into dir and returns its path.
func writeMP4File(tb testing.TB, dir string, size int64, dur time.Duration, moovLen int) string {
	tb.Helper()
	p := dir + "/movie.mp4"
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if err := writeMP4(f, size, dur, moovLen); err != nil {
		tb.Fatal(err)
	}
	return p
}
