package media

import "fmt"

// An MP4 sample table (stbl) is read by walking its run-length tables
// forward, once, to each sync sample: no table is expanded to one entry a
// sample, and only the sync samples become points. The work is linear in
// the tables' bytes.

// tickLimit saturates sums of ticks, samples and bytes: far beyond maxTime
// at any time scale, and beyond any file.
const tickLimit = 1 << 62

// satAdd is a+b, or tickLimit when that is more.
func satAdd(a, b uint64) uint64 {
	if a >= tickLimit || b >= tickLimit-a {
		return tickLimit
	}
	return a + b
}

// mp4Runs walks a table of (count, value) runs: stts or ctts.
type mp4Runs struct {
	b     []byte // 8-byte entries
	i     int    // the run holding the sample last sought
	first uint64 // the first sample (1-based) of run i
	sum   uint64 // the sum of the values of the samples before run i
}

// seek moves to the run holding sample n, which never decreases; false
// when the table ends before it.
func (r *mp4Runs) seek(n uint64) bool {
	for ; (r.i+1)*8 <= len(r.b); r.i++ {
		count, val := uint64(u32(r.b, r.i*8)), uint64(u32(r.b, r.i*8+4))
		if n < r.first+count {
			return true
		}
		r.first += count
		r.sum = satAdd(r.sum, count*val) // count*val < 1<<64
	}
	return false
}

// value is the value of run i.
func (r *mp4Runs) value() uint32 { return u32(r.b, r.i*8+4) }

// mp4Sizes reads sample sizes from an stsz or stz2.
type mp4Sizes struct {
	fixed uint64 // every sample's size, when not 0
	count uint64 // samples in the track
	bits  int    // bits an entry of table
	table []byte
}

func readMP4Sizes(stbl []byte) (mp4Sizes, bool) {
	if b := mp4Path(stbl, "stsz"); b != nil {
		if len(b) < 12 {
			return mp4Sizes{}, false
		}
		s := mp4Sizes{fixed: uint64(u32(b, 4)), count: uint64(u32(b, 8)), bits: 32, table: b[12:]}
		return s, s.fixed != 0 || s.count*4 <= uint64(len(s.table))
	}
	b := mp4Path(stbl, "stz2")
	if len(b) < 12 || (b[7] != 4 && b[7] != 8 && b[7] != 16) {
		return mp4Sizes{}, false
	}
	s := mp4Sizes{count: uint64(u32(b, 8)), bits: int(b[7]), table: b[12:]}
	return s, (s.count*uint64(s.bits)+7)/8 <= uint64(len(s.table))
}

// size is the size of sample n (1-based, at most count).
func (s mp4Sizes) size(n uint64) uint64 {
	if s.fixed != 0 {
		return s.fixed
	}
	i := n - 1
	switch s.bits {
	case 4:
		return uint64(s.table[i/2]>>(4-4*(i%2))) & 0xF
	case 8:
		return uint64(s.table[i])
	case 16:
		return uint64(s.table[2*i])<<8 | uint64(s.table[2*i+1])
	}
	return uint64(u32(s.table, int(4*i)))
}

// mp4Chunks finds the byte offset of samples through stsc and stco/co64.
type mp4Chunks struct {
	stsc    []byte // 12-byte entries: first chunk, samples a chunk, description
	offsets []byte // 4 or 8 bytes a chunk
	wide    bool   // co64
	sizes   mp4Sizes
	size    uint64 // the file's

	i        int    // the stsc run holding the chunk
	runFirst uint64 // the first sample of run i
	chunk    uint64 // the chunk (1-based) of sample, 0 before the first seek
	sample   uint64 // a sample of chunk, not after the one last sought
	off      uint64 // its offset
}

func (c *mp4Chunks) chunks() uint64 {
	if c.wide {
		return uint64(len(c.offsets) / 8)
	}
	return uint64(len(c.offsets) / 4)
}

// seek returns the file offset of sample n, which never decreases.
func (c *mp4Chunks) seek(n uint64) (uint64, bool) {
	runs := len(c.stsc) / 12
	for ; c.i < runs; c.i++ {
		first, spc := uint64(u32(c.stsc, c.i*12)), uint64(u32(c.stsc, c.i*12+4))
		last := c.chunks() // the last chunk of run i
		if c.i+1 < runs {
			last = uint64(u32(c.stsc, c.i*12+12)) - 1
		}
		if first == 0 || last+1 < first {
			return 0, false
		}
		inRun := min((last+1-first)*spc, tickLimit) // both < 1<<32
		if n >= c.runFirst+inRun {
			c.runFirst = satAdd(c.runFirst, inRun)
			continue
		}
		chunk := first + (n-c.runFirst)/spc // spc > 0: n is in the run
		if chunk > c.chunks() {
			return 0, false
		}
		if chunk != c.chunk {
			c.chunk, c.sample = chunk, c.runFirst+(chunk-first)*spc
			if c.wide {
				c.off = u64(c.offsets, int(chunk-1)*8)
			} else {
				c.off = uint64(u32(c.offsets, int(chunk-1)*4))
			}
		}
		if c.sizes.fixed != 0 {
			c.off = satAdd(c.off, (n-c.sample)*c.sizes.fixed) // both < 1<<32
			c.sample = n
		}
		for ; c.sample < n && c.off < c.size; c.sample++ {
			c.off += c.sizes.size(c.sample)
		}
		return c.off, c.off < c.size
	}
	return 0, false
}

// mp4SyncPoints walks stbl to its sync samples (stss; without one, every
// sample, or every n-th when there are more than maxSeekPoints).
func mp4SyncPoints(stbl []byte, tl mp4Timeline, size int64) ([]seekPoint, error) {
	_, stts, _, ok1 := mp4Table(mp4Path(stbl, "stts"), 8)
	cttsBox := mp4Path(stbl, "ctts")
	_, ctts, _, ok2 := mp4Table(cttsBox, 8)
	_, stsc, _, ok3 := mp4Table(mp4Path(stbl, "stsc"), 12)
	co, wide, width := mp4Path(stbl, "stco"), false, 4
	if co == nil {
		co, wide, width = mp4Path(stbl, "co64"), true, 8
	}
	_, offsets, _, ok4 := mp4Table(co, width)
	sizes, ok5 := readMP4Sizes(stbl)
	stssBox := mp4Path(stbl, "stss")
	_, stss, listed, ok6 := mp4Table(stssBox, 4)
	if stbl == nil || !ok1 || !ok3 || !ok4 || !ok5 || (stssBox != nil && !ok6) || (cttsBox != nil && !ok2) {
		return nil, fmt.Errorf("%w: malformed mp4 sample table", ErrNoSeekIndex)
	}
	nSync := uint64(listed)
	if stssBox == nil {
		nSync = sizes.count // < 1<<32
	}
	if nSync > maxSeekPoints && stssBox != nil {
		return nil, fmt.Errorf("%w: more than %d mp4 sync samples", ErrNoSeekIndex, maxSeekPoints)
	}
	stride := (nSync + maxSeekPoints - 1) / maxSeekPoints
	dts, cto := mp4Runs{b: stts, first: 1}, mp4Runs{b: ctts, first: 1}
	chunks := mp4Chunks{stsc: stsc, offsets: offsets, wide: wide, sizes: sizes, size: uint64(size), runFirst: 1}
	var points []seekPoint
	prev := uint64(0)
	for i := range nSync {
		n := 1 + i*stride
		if stssBox != nil {
			n = uint64(u32(stss, int(i)*4))
		} else if n > sizes.count {
			break
		}
		if n <= prev || n > sizes.count {
			continue // out of order or past the last sample: damaged
		}
		prev = n
		if !dts.seek(n) {
			break
		}
		pts := int64(satAdd(dts.sum, (n-dts.first)*uint64(dts.value()))) // both < 1<<32
		if cto.seek(n) {
			pts += int64(int32(cto.value())) // signed in either version, as libavformat reads it
		}
		off, ok := chunks.seek(n)
		if !ok {
			break
		}
		t, ok := tl.at(pts)
		if !ok {
			break
		}
		points = append(points, seekPoint{t, int64(off)})
	}
	return points, nil
}
