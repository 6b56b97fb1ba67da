package media

import (
	"encoding/binary"
	"math"
)

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
