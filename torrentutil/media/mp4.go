package media

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

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
	return mp4DurationIn(r, 0, size)
}

// mp4DurationIn reads the duration of the first moov among the boxes in
// [off, end): the whole file, or the index Locate found.
func mp4DurationIn(r io.ReaderAt, off, end int64) (time.Duration, error) {
	moov, err := mp4Find(r, off, end, "moov")
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

// locateMP4 walks the top-level boxes in head to the moov. A moov after
// the media data lies beyond head: everything after mdat is taken as the
// index. A fragmented file (moof before any moov) has no index to fetch.
func locateMP4(head []byte, size int64) (Layout, error) {
	l := Layout{Container: "mp4", OpenNeedsIndex: true}
	var off int64
	for off < size {
		if off+8 > int64(len(head)) {
			return Layout{}, ErrNeedMore
		}
		n := int64(binary.BigEndian.Uint32(head[off:]))
		typ := string(head[off+4 : off+8])
		switch n {
		case 0: // the box runs to the end of the file
			n = size - off
		case 1:
			if off+16 > int64(len(head)) {
				return Layout{}, ErrNeedMore
			}
			n = int64(binary.BigEndian.Uint64(head[off+8:]))
		}
		if n < 8 || n > size-off {
			return l, nil // damaged: the player copes or fails on its own
		}
		switch typ {
		case "moov":
			l.IndexOff, l.IndexEnd = off, off+n
			return l, nil
		case "moof":
			return l, nil
		}
		next := off + n
		if typ == "mdat" && next > int64(len(head)) {
			return l.trailer(next, size), nil
		}
		off = next
	}
	return l, nil
}
