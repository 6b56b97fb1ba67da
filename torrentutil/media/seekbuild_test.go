package media

import (
	"encoding/binary"
	"time"
)

// Builders of synthetic indexes for the SeekIndex tests: an MP4 moov from a
// list of samples, Matroska Cues from a list of clusters. Each also returns
// the points a correct reader finds, computed sample by sample, the way
// the reader does not.

// be appends big-endian integers of the given widths (4 or 8 bytes).
func be(b []byte, width int, vs ...int64) []byte {
	for _, v := range vs {
		if width == 8 {
			b = binary.BigEndian.AppendUint64(b, uint64(v))
		} else {
			b = binary.BigEndian.AppendUint32(b, uint32(v))
		}
	}
	return b
}

// full is a full box: version, no flags, body.
func full(typ string, version byte, body []byte) []byte {
	return box(typ, append([]byte{version, 0, 0, 0}, body...))
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// fakeTrack describes a track for fakeMoov, one entry a sample.
type fakeTrack struct {
	handler  string   // hdlr type: "vide", "soun"
	id       uint32   // tkhd track ID
	scale    uint32   // mdhd ticks a second
	deltas   []uint32 // each sample's duration
	ctts     []int32  // composition offsets; nil: no ctts
	sizes    []uint32 // sample sizes
	perChunk []int    // samples a chunk, cycled
	sync     []uint32 // sync samples, 1-based; nil: no stss
	edits    [][2]int64
	fixed    bool // one size for all in stsz (sizes[0])
	stz2     bool // 16-bit stz2 instead of stsz
	co64     bool
	v1       bool // version 1 tkhd, mdhd and elst
}

// fakeSample is where a sample is and when it plays.
type fakeSample struct {
	pts int64 // ticks, after the edit list's shift
	off int64
}

// fakeChunk is a chunk of a fakeTrack: n samples from the first.
type fakeChunk struct{ first, n int }

// fakeMoov lays the tracks' chunks out in turn, from mdat on, with three
// bytes between chunks, and returns the moov, the samples of each track
// and where the media data ends.
func fakeMoov(tracks []fakeTrack, mdat int64, fragmented bool) (moov []byte, samples [][]fakeSample, end int64) {
	chunks := make([][]fakeChunk, len(tracks))
	offsets := make([][]int64, len(tracks))
	samples = make([][]fakeSample, len(tracks))
	for i, tr := range tracks {
		for s, k := 0, 0; s < len(tr.sizes); k++ {
			n := min(tr.perChunk[k%len(tr.perChunk)], len(tr.sizes)-s)
			chunks[i] = append(chunks[i], fakeChunk{s, n})
			s += n
		}
		samples[i] = make([]fakeSample, len(tr.sizes))
	}
	pos := mdat
	for k, more := 0, true; more; k++ {
		more = false
		for i, tr := range tracks {
			if k >= len(chunks[i]) {
				continue
			}
			more = true
			offsets[i] = append(offsets[i], pos)
			c := chunks[i][k]
			for s := c.first; s < c.first+c.n; s++ {
				samples[i][s].off = pos
				pos += int64(tr.sizes[s])
			}
			pos += 3
		}
	}
	var traks []byte
	for i, tr := range tracks {
		var dts, shift int64
		for _, e := range tr.edits {
			if e[1] >= 0 {
				shift = e[1]
				break
			}
		}
		for s := range samples[i] {
			pts := dts
			if tr.ctts != nil {
				pts += int64(tr.ctts[s])
			}
			samples[i][s].pts = pts - shift
			dts += int64(tr.deltas[s])
		}
		traks = append(traks, tr.trak(chunks[i], offsets[i])...)
	}
	body := cat(full("mvhd", 0, be(nil, 4, 0, 0, 1000, 0)), traks)
	if fragmented {
		body = append(body, box("mvex", full("trex", 0, be(nil, 4, 1, 1, 0, 0, 0)))...)
	}
	return box("moov", body), samples, pos
}

// table is a full box of count entries.
func table(typ string, version byte, count int, entries []byte) []byte {
	return full(typ, version, append(be(nil, 4, int64(count)), entries...))
}

// trak builds the track's box, its chunks at offsets.
func (tr fakeTrack) trak(chunks []fakeChunk, offsets []int64) []byte {
	var v byte
	tkhd, mdhd := be(nil, 4, 0, 0, int64(tr.id), 0, 0), be(nil, 4, 0, 0, int64(tr.scale), 0, 0)
	if tr.v1 {
		v = 1
		tkhd, mdhd = be(nil, 4, 0, 0, 0, 0, int64(tr.id), 0, 0, 0), be(nil, 4, 0, 0, 0, 0, int64(tr.scale), 0, 0, 0)
	}
	var elst []byte
	for _, e := range tr.edits {
		if tr.v1 {
			elst = be(be(elst, 8, e[0], e[1]), 4, 1<<16)
		} else {
			elst = be(elst, 4, e[0], e[1], 1<<16)
		}
	}
	var stts, ctts, stss, stsc, sizes, co []byte
	nStts, nCtts, nStsc := 0, 0, 0
	for s, d := range tr.deltas {
		if s > 0 && tr.deltas[s-1] == d {
			binary.BigEndian.PutUint32(stts[len(stts)-8:], binary.BigEndian.Uint32(stts[len(stts)-8:])+1)
			continue
		}
		stts, nStts = be(stts, 4, 1, int64(d)), nStts+1
	}
	for s, c := range tr.ctts {
		if s > 0 && tr.ctts[s-1] == c {
			binary.BigEndian.PutUint32(ctts[len(ctts)-8:], binary.BigEndian.Uint32(ctts[len(ctts)-8:])+1)
			continue
		}
		ctts, nCtts = be(ctts, 4, 1, int64(c)), nCtts+1
	}
	for k, c := range chunks {
		if k > 0 && chunks[k-1].n == c.n {
			continue
		}
		stsc, nStsc = be(stsc, 4, int64(k+1), int64(c.n), 1), nStsc+1
	}
	for _, n := range tr.sync {
		stss = be(stss, 4, int64(n))
	}
	switch {
	case tr.fixed:
		sizes = full("stsz", 0, be(nil, 4, int64(tr.sizes[0]), int64(len(tr.sizes))))
	case tr.stz2:
		b := be(nil, 4, 16, int64(len(tr.sizes)))
		for _, z := range tr.sizes {
			b = binary.BigEndian.AppendUint16(b, uint16(z))
		}
		sizes = full("stz2", 0, b)
	default:
		sizes = full("stsz", 0, be(be(nil, 4, 0, int64(len(tr.sizes))), 4, int64sOf(tr.sizes)...))
	}
	if tr.co64 {
		co = table("co64", 0, len(offsets), be(nil, 8, offsets...))
	} else {
		co = table("stco", 0, len(offsets), be(nil, 4, offsets...))
	}
	stbl := cat(full("stsd", 0, be(nil, 4, 0)), table("stts", 0, nStts, stts), table("stsc", 0, nStsc, stsc), sizes, co)
	if tr.ctts != nil {
		stbl = append(stbl, table("ctts", 1, nCtts, ctts)...)
	}
	if tr.sync != nil {
		stbl = append(stbl, table("stss", 0, len(tr.sync), stss)...)
	}
	hdlr := full("hdlr", 0, append(be(nil, 4, 0), []byte(tr.handler+"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")...))
	return box("trak", cat(
		full("tkhd", v, tkhd),
		box("edts", table("elst", v, len(tr.edits), elst)),
		box("mdia", cat(full("mdhd", v, mdhd), hdlr, box("minf", box("stbl", stbl)))),
	))
}

func int64sOf(us []uint32) []int64 {
	out := make([]int64, len(us))
	for i, u := range us {
		out[i] = int64(u)
	}
	return out
}

// wantPoints is what a SeekIndex of the track holds: its sync samples (all
// when sync is nil), with times from ticks, delayed by delay.
func (tr fakeTrack) wantPoints(samples []fakeSample, delay time.Duration) []seekPoint {
	var out []seekPoint
	for s, x := range samples {
		sync := tr.sync == nil
		for _, n := range tr.sync {
			sync = sync || int(n) == s+1
		}
		if sync {
			out = append(out, seekPoint{time.Duration(max(x.pts, 0)*int64(time.Second)/int64(tr.scale)) + delay, x.off})
		}
	}
	return out
}

// fakeMP4 is a whole file: ftyp, mdat and moov, or moov first.
func fakeMP4(tracks []fakeTrack, moovFirst bool) (file []byte, samples [][]fakeSample) {
	ftyp := box("ftyp", []byte("isom\x00\x00\x02\x00isommp41"))
	mdat := int64(len(ftyp)) + 8
	moov, samples, end := fakeMoov(tracks, mdat, false)
	if moovFirst {
		mdat += int64(len(moov))
		moov, samples, end = fakeMoov(tracks, mdat, false)
	}
	data := box("mdat", make([]byte, end-mdat))
	if moovFirst {
		return cat(ftyp, moov, data), samples
	}
	return cat(ftyp, data, moov), samples
}
