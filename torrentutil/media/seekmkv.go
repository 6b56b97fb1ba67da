package media

import (
	"fmt"
	"math/bits"
	"time"
)

// Matroska element IDs read for the seek index.
const (
	mkvEBML               = 0x1A45DFA3
	mkvTracks             = 0x1654AE6B
	mkvTrackEntry         = 0xAE
	mkvTrackNumber        = 0xD7
	mkvTrackType          = 0x83
	mkvCuePoint           = 0xBB
	mkvCueTime            = 0xB3
	mkvCueTrackPositions  = 0xB7
	mkvCueTrack           = 0xF7
	mkvCueClusterPosition = 0xF1
	mkvTrackTypeVideo     = 1
)

// mkvEach calls f with the ID and payload of each element in b, in order,
// until f returns false. An element of unknown size, or one whose size
// overruns b, runs to b's end. It returns false when b holds a malformed
// header.
func mkvEach(b []byte, f func(id uint32, body []byte) bool) bool {
	for len(b) > 0 {
		id, idLen := ebmlVint(b, false)
		if idLen == 0 {
			return false
		}
		size, sizeLen := ebmlVint(b[idLen:], true)
		if sizeLen == 0 {
			return false
		}
		b = b[idLen+sizeLen:]
		n := int64(len(b))
		if size >= 0 && size < n {
			n = size
		}
		if !f(uint32(id), b[:n]) {
			return true
		}
		b = b[n:]
	}
	return true
}

// mkvUint decodes an unsigned integer element's payload: 0 to 8 bytes.
func mkvUint(b []byte) (uint64, bool) {
	if len(b) > 8 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v, true
}

// mkvHead is what the seek index needs from a Matroska file's first bytes.
type mkvHead struct {
	segData int64  // where the Segment's data starts: cluster positions count from here
	scale   uint64 // TimestampScale, ns a tick
	video   uint64 // the first video track's number, 0 when unknown
}

// mkvReadHead reads the EBML header, the Segment's header and, before the
// first Cluster, the Info and Tracks elements in head.
func mkvReadHead(head []byte) (mkvHead, error) {
	h := mkvHead{scale: 1e6}
	r := bytesAt(head)
	ebml, err := mkvNext(r, 0, int64(len(head)))
	if err != nil || ebml.id != mkvEBML {
		return h, fmt.Errorf("%w: no ebml header", ErrNoSeekIndex)
	}
	seg, err := mkvNext(r, ebml.end, int64(len(head)))
	if err != nil || seg.id != mkvSegment {
		return h, fmt.Errorf("%w: no matroska segment", ErrNoSeekIndex)
	}
	h.segData = seg.body
	mkvEach(head[seg.body:seg.end], func(id uint32, body []byte) bool {
		switch id {
		case mkvInfo:
			mkvEach(body, func(id uint32, body []byte) bool {
				if v, ok := mkvUint(body); id == mkvTimecodeScale && ok && v > 0 {
					h.scale = v
				}
				return true
			})
		case mkvTracks:
			h.video = mkvVideoTrack(body)
		case mkvCluster:
			return false
		}
		return true
	})
	return h, nil
}

// mkvVideoTrack returns the number of the first video track in a Tracks
// element's payload, 0 when there is none.
func mkvVideoTrack(tracks []byte) uint64 {
	var video uint64
	mkvEach(tracks, func(id uint32, body []byte) bool {
		if id != mkvTrackEntry {
			return true
		}
		var num, typ uint64
		mkvEach(body, func(id uint32, body []byte) bool {
			switch v, ok := mkvUint(body); {
			case !ok:
			case id == mkvTrackNumber:
				num = v
			case id == mkvTrackType:
				typ = v
			}
			return true
		})
		if typ == mkvTrackTypeVideo && num > 0 {
			video = num
			return false
		}
		return true
	})
	return video
}

// mkvSeekPoints reads the cue points of the Cues element that starts cues,
// with what head says: the first video track's points when the Cues name
// it, else the earliest position of every point. A point's offset is the
// start of its Cluster, where players (mpv, libavformat) begin reading
// when they seek to it: CueRelativePosition is not used.
func mkvSeekPoints(head, cues []byte, size int64) ([]seekPoint, error) {
	h, err := mkvReadHead(head)
	if err != nil {
		return nil, err
	}
	var isCues bool
	var body []byte
	if !mkvEach(cues, func(id uint32, b []byte) bool {
		isCues, body = id == mkvCues, b
		return false
	}) || !isCues {
		return nil, fmt.Errorf("%w: the index span does not start with matroska cues", ErrNoSeekIndex)
	}
	var video, all []seekPoint
	tooMany := false
	ok := mkvEach(body, func(id uint32, b []byte) bool {
		if id != mkvCuePoint {
			return true
		}
		if len(video) >= maxSeekPoints || len(all) >= maxSeekPoints {
			tooMany = true
			return false
		}
		t, anyOff, videoOff, ok := h.cuePoint(b, size)
		if !ok {
			return true
		}
		if anyOff >= 0 {
			all = append(all, seekPoint{t, anyOff})
		}
		if videoOff >= 0 {
			video = append(video, seekPoint{t, videoOff})
		}
		return true
	})
	switch {
	case tooMany:
		return nil, fmt.Errorf("%w: more than %d matroska cue points", ErrNoSeekIndex, maxSeekPoints)
	case !ok:
		return nil, fmt.Errorf("%w: malformed matroska cues", ErrNoSeekIndex)
	case len(video) > 0:
		return video, nil
	}
	return all, nil
}

// cuePoint reads a CuePoint's payload: its time, the earliest file offset
// among its positions and that of the video track's (-1 when none).
func (h mkvHead) cuePoint(b []byte, size int64) (t time.Duration, anyOff, videoOff int64, ok bool) {
	anyOff, videoOff = -1, -1
	var ticks uint64
	hasTime := false
	mkvEach(b, func(id uint32, body []byte) bool {
		switch id {
		case mkvCueTime:
			ticks, hasTime = mkvUint(body)
		case mkvCueTrackPositions:
			var track, pos uint64
			hasPos := false
			mkvEach(body, func(id uint32, body []byte) bool {
				switch id {
				case mkvCueTrack:
					track, _ = mkvUint(body)
				case mkvCueClusterPosition:
					pos, hasPos = mkvUint(body)
				}
				return true
			})
			if !hasPos || pos >= uint64(size) {
				return true
			}
			off := h.segData + int64(pos)
			if off >= size {
				return true
			}
			if anyOff < 0 || off < anyOff {
				anyOff = off
			}
			if track == h.video && h.video != 0 && videoOff < 0 {
				videoOff = off
			}
		}
		return true
	})
	hi, ns := bits.Mul64(ticks, h.scale)
	if !hasTime || hi != 0 || ns > uint64(maxTime) {
		return 0, -1, -1, false
	}
	return time.Duration(ns), anyOff, videoOff, anyOff >= 0
}
