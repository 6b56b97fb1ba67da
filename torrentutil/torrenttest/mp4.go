package torrenttest

import (
	"bufio"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// WriteMP4 writes a moov-at-end MP4 of size bytes that plays for dur: ftyp,
// an mdat of Pattern bytes, then a moov of moovLen bytes (mvhd, padded).
// Only the boxes a duration reader needs are real; no player decodes it.
func WriteMP4(w io.Writer, size int64, dur time.Duration, moovLen int) error {
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
	block := Pattern(1 << 20)
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

// MP4File writes a WriteMP4 file named movie.mp4 into dir and returns its path.
func MP4File(tb testing.TB, dir string, size int64, dur time.Duration, moovLen int) string {
	tb.Helper()
	p := filepath.Join(dir, "movie.mp4")
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if err := WriteMP4(f, size, dur, moovLen); err != nil {
		tb.Fatal(err)
	}
	return p
}
