package media

import (
	"encoding/binary"
	"fmt"
	"time"
)

// mp4Boxes returns the payload of each box of type typ among the boxes of
// b, in order; a malformed box ends the walk.
func mp4Boxes(b []byte, typ string) [][]byte {
	var out [][]byte
	r := bytesAt(b)
	for off := int64(0); off+8 <= int64(len(b)); {
		x, err := mp4Next(r, off, int64(len(b)))
		if err != nil || x.end <= off {
			break
		}
		if x.typ == typ {
			out = append(out, b[x.body:x.end])
		}
		off = x.end
	}
	return out
}

// mp4Path returns the payload of the first box along path (types separated
// by '/'), nil when there is none.
func mp4Path(b []byte, path ...string) []byte {
	for _, typ := range path {
		bs := mp4Boxes(b, typ)
		if len(bs) == 0 {
			return nil
		}
		b = bs[0]
	}
	return b
}

// mp4Full splits a full box's payload into its version and the rest.
func mp4Full(b []byte) (version byte, rest []byte, ok bool) {
	if len(b) < 4 {
		return 0, nil, false
	}
	return b[0], b[4:], true
}

// mp4Table returns a table box's entries: a count after the version and
// flags, then count entries of n bytes each, all of which must be there.
func mp4Table(b []byte, n int) (version byte, entries []byte, count int, ok bool) {
	v, rest, ok := mp4Full(b)
	if !ok || len(rest) < 4 {
		return 0, nil, 0, false
	}
	c := uint64(binary.BigEndian.Uint32(rest))
	if c*uint64(n) > uint64(len(rest)-4) {
		return 0, nil, 0, false
	}
	return v, rest[4 : 4+int(c)*n], int(c), true
}

// u32 and u64 read big-endian integers at i in b.
func u32(b []byte, i int) uint32 { return binary.BigEndian.Uint32(b[i:]) }
func u64(b []byte, i int) uint64 { return binary.BigEndian.Uint64(b[i:]) }

// mp4SeekPoints reads the sync samples of the first video track of the
// moov among the boxes of span, and the fragments an mfra in span lists
// for that track. The offsets in the tables are the file's.
func mp4SeekPoints(span []byte, size int64) ([]seekPoint, error) {
	moov := mp4Path(span, "moov")
	if moov == nil {
		return nil, fmt.Errorf("%w: no moov in the index span", ErrNoSeekIndex)
	}
	var trak []byte
	for _, t := range mp4Boxes(moov, "trak") {
		if h := mp4Path(t, "mdia", "hdlr"); len(h) >= 12 && string(h[8:12]) == "vide" {
			trak = t
			break
		}
	}
	if trak == nil {
		return nil, fmt.Errorf("%w: mp4 without a video track", ErrNoSeekIndex)
	}
	tl, err := readMP4Timeline(moov, trak)
	if err != nil {
		return nil, err
	}
	points, err := mp4SyncPoints(mp4Path(trak, "mdia", "minf", "stbl"), tl, size)
	if err != nil {
		return nil, err
	}
	if mp4Path(moov, "mvex") == nil {
		return points, nil
	}
	// Fragmented: the moov's tables hold few samples or none, the
	// fragments are listed in an mfra, which is read only when the span
	// holds it.
	mfra := mp4Path(span, "mfra")
	if mfra == nil && len(points) == 0 {
		return nil, fmt.Errorf("%w: fragmented mp4 without an mfra in the index span", ErrNoSeekIndex)
	}
	for _, tfra := range mp4Boxes(mfra, "tfra") {
		ps, ok := tl.fragments(tfra, size)
		if !ok {
			return nil, fmt.Errorf("%w: malformed mp4 tfra", ErrNoSeekIndex)
		}
		points = append(points, ps...)
		if len(points) > maxSeekPoints {
			return nil, fmt.Errorf("%w: more than %d mp4 fragments", ErrNoSeekIndex, maxSeekPoints)
		}
	}
	return points, nil
}

// mp4Timeline turns a track's media times into play times.
type mp4Timeline struct {
	track uint32 // tkhd's track ID
	scale uint64 // mdhd's ticks a second
	shift int64  // the first edit's media time, in track ticks
	delay time.Duration
}

// readMP4Timeline reads the track's ID, time scale and edit list.
func readMP4Timeline(moov, trak []byte) (mp4Timeline, error) {
	var tl mp4Timeline
	v, tkhd, ok := mp4Full(mp4Path(trak, "tkhd"))
	switch {
	case ok && v == 0 && len(tkhd) >= 12:
		tl.track = u32(tkhd, 8)
	case ok && v == 1 && len(tkhd) >= 20:
		tl.track = u32(tkhd, 16)
	}
	v, mdhd, ok := mp4Full(mp4Path(trak, "mdia", "mdhd"))
	switch {
	case ok && v == 0 && len(mdhd) >= 12:
		tl.scale = uint64(u32(mdhd, 8))
	case ok && v == 1 && len(mdhd) >= 20:
		tl.scale = uint64(u32(mdhd, 16))
	}
	if tl.scale == 0 {
		return tl, fmt.Errorf("%w: mp4 video track without a time scale", ErrNoSeekIndex)
	}
	var movieScale uint64
	v, mvhd, ok := mp4Full(mp4Path(moov, "mvhd"))
	switch {
	case ok && v == 0 && len(mvhd) >= 12:
		movieScale = uint64(u32(mvhd, 8))
	case ok && v == 1 && len(mvhd) >= 20:
		movieScale = uint64(u32(mvhd, 16))
	}
	// Leading empty edits delay the track (in the movie's time scale);
	// the first other edit says where in the media it starts.
	n := 12
	if b := mp4Path(trak, "edts", "elst"); len(b) > 0 && b[0] == 1 {
		n = 20
	}
	v, elst, count, _ := mp4Table(mp4Path(trak, "edts", "elst"), n)
	for i := range count {
		e := elst[i*n:]
		dur, media := uint64(u32(e, 0)), int64(int32(u32(e, 4)))
		if v == 1 {
			dur, media = u64(e, 0), int64(u64(e, 8))
		}
		if media >= 0 {
			tl.shift = media
			break
		}
		if d, ok := ticksToDuration(dur, movieScale); ok && media == -1 {
			tl.delay = min(tl.delay+d, maxTime)
		}
	}
	return tl, nil
}

// at is the play time of presentation time pts in track ticks.
func (tl mp4Timeline) at(pts int64) (time.Duration, bool) {
	pts -= tl.shift
	if pts < 0 {
		pts = 0
	}
	d, ok := ticksToDuration(uint64(pts), tl.scale)
	return d + tl.delay, ok
}

// ticksToDuration converts ticks of 1/scale seconds exactly, refusing more
// than maxTime.
func ticksToDuration(ticks, scale uint64) (time.Duration, bool) {
	if scale == 0 || scale > 1<<32 || ticks/scale > uint64(maxTime/time.Second) {
		return 0, false
	}
	s, frac := ticks/scale, ticks%scale
	return time.Duration(s)*time.Second + time.Duration(frac*uint64(time.Second)/scale), true
}

// fragments reads a tfra's entries for the track: the start time of each
// listed fragment and its moof's offset.
func (tl mp4Timeline) fragments(tfra []byte, size int64) ([]seekPoint, bool) {
	v, b, ok := mp4Full(tfra)
	if !ok || len(b) < 12 {
		return nil, false
	}
	if u32(b, 0) != tl.track {
		return nil, true
	}
	sizes := u32(b, 4)
	n := 8 + int(sizes>>4&3+1) + int(sizes>>2&3+1) + int(sizes&3+1)
	if v == 1 {
		n += 8
	}
	count := uint64(u32(b, 8))
	b = b[12:]
	if count*uint64(n) > uint64(len(b)) {
		return nil, false
	}
	var points []seekPoint
	for i := range int(count) {
		e := b[i*n:]
		t, off := int64(u32(e, 0)), int64(u32(e, 4))
		if v == 1 {
			t, off = int64(u64(e, 0)), int64(u64(e, 8))
		}
		d, ok := tl.at(t)
		if !ok || off < 0 || off >= size {
			continue
		}
		points = append(points, seekPoint{d, off})
	}
	return points, true
}
