package media

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"time"
)

// Matroska element IDs (with their length marker bits, as the spec writes them).
const (
	mkvSeekHead      = 0x114D9B74
	mkvSeek          = 0x4DBB
	mkvSeekID        = 0x53AB
	mkvSeekPosition  = 0x53AC
	mkvCues          = 0x1C53BB6B
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

// locateMatroska finds the Cues through the SeekHead before the first
// Cluster. Players open a Matroska file without its Cues (mpv) or read them
// at once (VLC); every player reads them to seek.
func locateMatroska(head []byte, size int64) (Layout, error) {
	l := Layout{Container: "matroska"}
	r := bytesAt(head)
	ebml, err := mkvNext(r, 0, size)
	if err != nil {
		return Layout{}, ErrNeedMore
	}
	seg, err := mkvNext(r, ebml.end, size)
	if err != nil {
		return Layout{}, ErrNeedMore
	}
	if seg.id != mkvSegment {
		return l, nil
	}
	for off := seg.body; off < seg.end; {
		e, err := mkvNext(r, off, seg.end)
		if err != nil {
			return Layout{}, ErrNeedMore
		}
		switch e.id {
		case mkvSeekHead:
			if e.end > int64(len(head)) {
				return Layout{}, ErrNeedMore
			}
			pos, ok := mkvCuesPosition(r, e)
			if !ok {
				return l, nil
			}
			cues := seg.body + pos
			if c, err := mkvNext(r, cues, seg.end); err == nil && c.id == mkvCues && c.end <= int64(len(head)) {
				l.IndexOff, l.IndexEnd = cues, c.end
				return l, nil
			}
			return l.trailer(cues, min(seg.end, size)), nil
		case mkvCluster:
			return l, nil // no SeekHead before the media: players scan
		}
		off = e.end
	}
	return l, nil
}

// mkvCuesPosition reads from a SeekHead where the Cues are, relative to
// the start of the Segment's data.
func mkvCuesPosition(r bytesAt, sh mkvElement) (int64, bool) {
	for off := sh.body; off < sh.end; {
		seek, err := mkvNext(r, off, sh.end)
		if err != nil {
			return 0, false
		}
		off = seek.end
		if seek.id != mkvSeek {
			continue
		}
		var id uint32
		pos := int64(-1)
		for o := seek.body; o < seek.end; {
			e, err := mkvNext(r, o, seek.end)
			if err != nil {
				return 0, false
			}
			body := r[e.body:e.end]
			switch {
			case e.id == mkvSeekID && len(body) == 4:
				id = binary.BigEndian.Uint32(body)
			case e.id == mkvSeekPosition && len(body) > 0 && len(body) <= 7:
				pos = 0
				for _, c := range body {
					pos = pos<<8 | int64(c)
				}
			}
			o = e.end
		}
		if id == mkvCues && pos >= 0 {
			return pos, true
		}
	}
	return 0, false
}
