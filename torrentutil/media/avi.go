package media

import "encoding/binary"

// locateAVI walks the chunks of the first RIFF to the end of the movi
// list: the idx1 index follows it, and the libavformat demuxer reads it at
// open.
func locateAVI(head []byte, size int64) (Layout, error) {
	l := Layout{Container: "avi", OpenNeedsIndex: true}
	riffEnd := min(size, 8+int64(binary.LittleEndian.Uint32(head[4:])))
	for off := int64(12); off < riffEnd; {
		if off+12 > int64(len(head)) {
			return Layout{}, ErrNeedMore
		}
		n := int64(binary.LittleEndian.Uint32(head[off+4:]))
		next := off + 8 + n + n&1
		if string(head[off:off+4]) == "LIST" && string(head[off+8:off+12]) == "movi" && next > int64(len(head)) {
			return l.trailer(next, riffEnd), nil
		}
		off = next
	}
	return l, nil
}
