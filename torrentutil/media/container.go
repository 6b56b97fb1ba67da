package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// ErrUnknownContainer means the bytes are neither MP4 nor Matroska, or hold
// no usable duration: asking again will not help.
var ErrUnknownContainer = errors.New("no duration in container")

// containerScan bounds how far into the file the parsers look for a
// Matroska Info element: it sits before the first Cluster, a few KiB in.
const containerScan = 1 << 20

// Duration reads the playing time of an MP4 (moov/mvhd) or Matroska
// (Segment/Info) file of size bytes. Errors from r other than
// ErrUnknownContainer (bytes not fetched yet) are returned as they are, so
// the caller can try again later.
func Duration(r io.ReaderAt, size int64) (time.Duration, error) {
	head := make([]byte, 8)
	if _, err := r.ReadAt(head, 0); err != nil {
		return 0, err
	}
	switch {
	case binary.BigEndian.Uint32(head[:4]) == 0x1A45DFA3:
		return mkvDuration(r, size)
	case string(head[4:8]) == "ftyp":
		return mp4Duration(r, size)
	}
	return 0, ErrUnknownContainer
}

// mp4Box is an ISO-BMFF box: its type and the extent of its payload.
type mp4Box struct {
	typ       string
	body, end int64
}

// mp4Next reads the header of the box at off, which must end by limit.
func mp4Next(r io.ReaderAt, off, limit int64) (mp4Box, error) {
	var h [16]byte
	if _, err := r.ReadAt(h[:8], off); err != nil {
		return mp4Box{}, err
	}
	b := mp4Box{typ: string(h[4:8]), body: off + 8}
	switch n := int64(binary.BigEndian.Uint32(h[:4])); n {
	case 0:
		b.end = limit
	case 1:
		if _, err := r.ReadAt(h[8:16], off+8); err != nil {
			return mp4Box{}, err
		}
		b.body = off + 16
		b.end = off + int64(binary.BigEndian.Uint64(h[8:16]))
	default:
		b.end = off + n
	}
	if b.end < b.body || b.end > limit {
		return mp4Box{}, fmt.Errorf("%w: mp4 box %q overruns its parent", ErrUnknownContainer, b.typ)
	}
	return b, nil
}

// mp4Find returns the first box of type typ among the boxes in [off, limit).
func mp4Find(r io.ReaderAt, off, limit int64, typ string) (mp4Box, error) {
	for off+8 <= limit {
		b, err := mp4Next(r, off, limit)
		if err != nil {
			return mp4Box{}, err
		}
		if b.typ == typ {
			return b, nil
		}
		off = b.end
	}
	return mp4Box{}, fmt.Errorf("%w: no mp4 %s box", ErrUnknownContainer, typ)
}

// mp4Duration walks the top-level boxes (ftyp, mdat, ...) to moov, wherever
// it is, and reads mvhd's timescale and duration.
func mp4Duration(r io.ReaderAt, size int64) (time.Duration, error) {
	moov, err := mp4Find(r, 0, size, "moov")
	if err != nil {
		return 0, err
	}
	mvhd, err := mp4Find(r, moov.body, moov.end, "mvhd")
	if err != nil {
		return 0, err
	}
	var b [32]byte
	n := min(int64(len(b)), mvhd.end-mvhd.body)
	if _, err := r.ReadAt(b[:n], mvhd.body); err != nil {
		return 0, err
	}
	var scale, dur uint64
	switch {
	case b[0] == 0 && n >= 20:
		scale, dur = uint64(binary.BigEndian.Uint32(b[12:16])), uint64(binary.BigEndian.Uint32(b[16:20]))
	case b[0] == 1 && n >= 32:
		scale, dur = uint64(binary.BigEndian.Uint32(b[20:24])), binary.BigEndian.Uint64(b[24:32])
	default:
		return 0, fmt.Errorf("%w: bad mvhd", ErrUnknownContainer)
	}
	return scaled(float64(dur), float64(time.Second)/float64(scale))
}

// scaled returns ticks*unit nanoseconds as a duration, refusing nonsense.
func scaled(ticks, unit float64) (time.Duration, error) {
	d := ticks * unit
	if math.IsNaN(d) || math.IsInf(d, 0) || d < float64(time.Second) || d > float64(1000*time.Hour) {
		return 0, fmt.Errorf("%w: duration %v ns out of range", ErrUnknownContainer, d)
	}
	return time.Duration(d), nil
}

// Matroska element IDs (with their length marker bits, as the spec writes them).
const (
	mkvSegment       = 0x18538067
	mkvInfo          = 0x1549A966
	mkvCluster       = 0x1F43B675
	mkvTimecodeScale = 0x2AD7B1
	mkvDurationID    = 0x4489
)

// mkvElement is an EBML element: its ID and the extent of its payload.
// Unknown-size elements run to limit.
type mkvElement struct {
	id        uint32
	body, end int64
}

func mkvNext(r io.ReaderAt, off, limit int64) (mkvElement, error) {
	var h [12]byte
	n := min(int64(len(h)), limit-off)
	if n < 2 {
		return mkvElement{}, fmt.Errorf("%w: truncated ebml", ErrUnknownContainer)
	}
	if _, err := r.ReadAt(h[:n], off); err != nil {
		return mkvElement{}, err
	}
	id, idLen := ebmlVint(h[:n], false)
	size, sizeLen := ebmlVint(h[idLen:n], true)
	if idLen == 0 || sizeLen == 0 {
		return mkvElement{}, fmt.Errorf("%w: bad ebml header", ErrUnknownContainer)
	}
	e := mkvElement{id: uint32(id), body: off + int64(idLen+sizeLen)}
	e.end = limit
	if size >= 0 && e.body+size <= limit {
		e.end = e.body + size
	}
	return e, nil
}

// ebmlVint decodes a variable-length integer. For an ID the marker bit
// stays; for a size it goes, and all ones means unknown (-1). A length of 0
// means b is malformed.
func ebmlVint(b []byte, isSize bool) (int64, int) {
	if len(b) == 0 || b[0] == 0 {
		return 0, 0
	}
	n := 1
	for mask := byte(0x80); b[0]&mask == 0; mask >>= 1 {
		n++
	}
	if n > len(b) || (!isSize && n > 4) {
		return 0, 0
	}
	v := int64(b[0])
	if isSize {
		v &= int64(0xFF >> n)
	}
	allOnes := v == int64(0xFF>>n)
	for _, c := range b[1:n] {
		v = v<<8 | int64(c)
		allOnes = allOnes && c == 0xFF
	}
	if isSize && allOnes {
		return -1, n
	}
	return v, n
}

// mkvDuration finds Segment/Info and reads Duration in TimecodeScale units.
func mkvDuration(r io.ReaderAt, size int64) (time.Duration, error) {
	ebml, err := mkvNext(r, 0, size)
	if err != nil {
		return 0, err
	}
	seg, err := mkvNext(r, ebml.end, size)
	if err != nil {
		return 0, err
	}
	if seg.id != mkvSegment {
		return 0, fmt.Errorf("%w: no matroska segment", ErrUnknownContainer)
	}
	for off := seg.body; off < min(seg.end, containerScan); {
		e, err := mkvNext(r, off, seg.end)
		if err != nil {
			return 0, err
		}
		switch e.id {
		case mkvInfo:
			return mkvInfoDuration(r, e)
		case mkvCluster:
			return 0, fmt.Errorf("%w: matroska cluster before info", ErrUnknownContainer)
		}
		off = e.end
	}
	return 0, fmt.Errorf("%w: no matroska info", ErrUnknownContainer)
}

func mkvInfoDuration(r io.ReaderAt, info mkvElement) (time.Duration, error) {
	scale, dur := 1e6, -1.0 // TimecodeScale defaults to 1 ms
	for off := info.body; off < info.end; {
		e, err := mkvNext(r, off, info.end)
		if err != nil {
			return 0, err
		}
		n := e.end - e.body
		if (e.id == mkvTimecodeScale && n >= 1 && n <= 8) || (e.id == mkvDurationID && (n == 4 || n == 8)) {
			b := make([]byte, n)
			if _, err := r.ReadAt(b, e.body); err != nil {
				return 0, err
			}
			switch {
			case e.id == mkvTimecodeScale:
				var v uint64
				for _, c := range b {
					v = v<<8 | uint64(c)
				}
				scale = float64(v)
			case n == 4:
				dur = float64(math.Float32frombits(binary.BigEndian.Uint32(b)))
			default:
				dur = math.Float64frombits(binary.BigEndian.Uint64(b))
			}
		}
		off = e.end
	}
	if dur < 0 {
		return 0, fmt.Errorf("%w: matroska info without duration", ErrUnknownContainer)
	}
	return scaled(dur, scale)
}
