package media

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// aviKeyFrame is the AVIIF_KEYFRAME flag of an idx1 entry.
const aviKeyFrame = 0x10

// aviSlack is how much may follow an AVI's first RIFF: more is an OpenDML
// file's next RIFF (AVIX), whose frames idx1 does not list, so that its
// key frames would all map to the last one idx1 lists.
const aviSlack = 64 << 10

// aviHead is what the seek index needs from an AVI's first bytes.
type aviHead struct {
	riffEnd     int64  // where the first RIFF ends
	movi        int64  // the file offset of the movi list's "movi" tag: idx1 offsets count from here
	stream      string // the video stream's chunk prefix: "00" for the first stream
	scale, rate uint64 // a frame lasts scale/rate seconds
	start       uint64 // the first frame's number (dwStart)
	hasMovi     bool   // the movi list was found
	video       bool   // a video stream header was found
}

// aviChunks calls f with the FourCC, file offset and payload of each chunk
// in b, which starts at file offset base; a chunk that overruns b is given
// what b holds of it. It stops when f returns false.
func aviChunks(b []byte, base int64, f func(id string, off int64, body []byte) bool) {
	for off := 0; off+8 <= len(b); {
		n := int(min(uint64(binary.LittleEndian.Uint32(b[off+4:])), uint64(len(b)-off-8)))
		if !f(string(b[off:off+4]), base+int64(off), b[off+8:off+8+n]) {
			return
		}
		off += 8 + n + n&1
	}
}

// aviReadHead finds the first video stream's header (hdrl/strl/strh) and
// the movi list in head.
func aviReadHead(head []byte) (aviHead, error) {
	var h aviHead
	if len(head) < 12 || string(head[:4]) != "RIFF" || string(head[8:12]) != "AVI " {
		return h, fmt.Errorf("%w: not an avi", ErrNoSeekIndex)
	}
	h.riffEnd = 8 + int64(binary.LittleEndian.Uint32(head[4:]))
	aviChunks(head[12:], 12, func(id string, off int64, body []byte) bool {
		if id != "LIST" || len(body) < 4 {
			return true
		}
		switch string(body[:4]) {
		case "hdrl":
			n := 0 // streams seen
			aviChunks(body[4:], off+12, func(id string, _ int64, strl []byte) bool {
				if id != "LIST" || len(strl) < 4 || string(strl[:4]) != "strl" {
					return true
				}
				aviChunks(strl[4:], 0, func(id string, _ int64, strh []byte) bool {
					if id == "strh" && len(strh) >= 36 && string(strh[:4]) == "vids" && !h.video {
						h.video, h.stream = true, fmt.Sprintf("%02d", n)
						h.scale = uint64(binary.LittleEndian.Uint32(strh[20:]))
						h.rate = uint64(binary.LittleEndian.Uint32(strh[24:]))
						h.start = uint64(binary.LittleEndian.Uint32(strh[28:]))
					}
					return id != "strh"
				})
				n++
				return !h.video
			})
		case "movi":
			h.movi, h.hasMovi = off+8, true
			return false
		}
		return true
	})
	switch {
	case !h.video || h.scale == 0 || h.rate == 0:
		return h, fmt.Errorf("%w: avi without a video stream header", ErrNoSeekIndex)
	case !h.hasMovi:
		return h, fmt.Errorf("%w: avi movi list beyond the first bytes", ErrNoSeekIndex)
	}
	return h, nil
}

// aviSeekPoints reads the key frames of the video stream from the idx1
// chunk among the chunks of span, which starts at file offset base. A
// point's offset is its chunk's header; its time counts the stream's
// chunks before it, one frame each. OpenDML indexes (indx, ix00: files
// past 1 GiB, whose idx1 covers the first RIFF only) are not read.
func aviSeekPoints(head, span []byte, base, size int64) ([]seekPoint, error) {
	h, err := aviReadHead(head)
	if err != nil {
		return nil, err
	}
	if h.riffEnd < size-aviSlack {
		return nil, fmt.Errorf("%w: avi of several RIFFs (OpenDML): its idx1 covers the first", ErrNoSeekIndex)
	}
	var idx1 []byte
	aviChunks(span, base, func(id string, _ int64, body []byte) bool {
		if id == "idx1" {
			idx1 = body
		}
		return idx1 == nil
	})
	if idx1 == nil {
		return nil, fmt.Errorf("%w: no avi idx1 in the index span", ErrNoSeekIndex)
	}
	// Offsets count from the "movi" tag, but some muxers wrote them from
	// the file's start: when the first entry lies past movi, as libavformat
	// reads it.
	origin := h.movi
	if len(idx1) >= 16 && int64(binary.LittleEndian.Uint32(idx1[8:])) > h.movi {
		origin = 0
	}
	var points []seekPoint
	frame := h.start
	for e := idx1; len(e) >= 16; e = e[16:] {
		id := string(e[:4])
		if id[:2] != h.stream || (id[2:] != "dc" && id[2:] != "db") {
			continue
		}
		if binary.LittleEndian.Uint32(e[4:])&aviKeyFrame != 0 {
			off := origin + int64(binary.LittleEndian.Uint32(e[8:]))
			hi, ticks := bits.Mul64(frame, h.scale)
			t, ok := ticksToDuration(ticks, h.rate)
			if hi != 0 || !ok {
				break
			}
			if off < size {
				points = append(points, seekPoint{t, off})
			}
			if len(points) > maxSeekPoints {
				return nil, fmt.Errorf("%w: more than %d avi key frames", ErrNoSeekIndex, maxSeekPoints)
			}
		}
		frame++
	}
	return points, nil
}
