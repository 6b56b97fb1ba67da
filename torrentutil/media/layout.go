package media

import (
	"encoding/binary"
	"errors"
	"io"
	"time"
)

// Layout is where a container keeps the index a player reads before it
// plays or seeks: an MP4's moov, a Matroska file's Cues, an AVI's idx1.
type Layout struct {
	// Container is "mp4", "matroska", "avi", "mpeg-ts" or "mpeg-ps"; ""
	// when the bytes are none of these.
	Container string
	// IndexOff and IndexEnd bound the index in the file, [IndexOff,
	// IndexEnd); empty when the container has none that players read.
	IndexOff, IndexEnd int64
	// OpenNeedsIndex reports that players read the index before the first
	// frame (MP4, AVI), not only to seek.
	OpenNeedsIndex bool
}

// Known reports whether the container was recognised.
func (l Layout) Known() bool { return l.Container != "" }

// HasIndex reports whether there is an index to fetch.
func (l Layout) HasIndex() bool { return l.IndexEnd > l.IndexOff }

// ErrNeedMore means the bytes given end before the answer: call Locate
// again with more of the file's start.
var ErrNeedMore = errors.New("need more of the file's start")

// maxTrailer bounds an index taken as "everything after the media data"
// without its header being read: a two-hour film's moov is a few MiB.
const maxTrailer = 64 << 20

// LocateMax is how much of the file's start Locate can need: a caller
// that has this much and still gets ErrNeedMore should give up.
const LocateMax = 64 << 10

// Locate reads the layout of a file of size bytes from head, the bytes at
// its start. It needs a few hundred bytes for the usual files, and returns
// ErrNeedMore when head ends before the answer. It reads only head: an
// index that lies beyond it is found by the sizes of what comes before.
func Locate(head []byte, size int64) (Layout, error) {
	switch {
	case len(head) < 12 && int64(len(head)) < size:
		return Layout{}, ErrNeedMore
	case len(head) < 12:
		return Layout{}, nil
	case string(head[4:8]) == "ftyp":
		return locateMP4(head, size)
	case binary.BigEndian.Uint32(head) == 0x1A45DFA3:
		return locateMatroska(head, size)
	case string(head[0:4]) == "RIFF" && string(head[8:12]) == "AVI ":
		return locateAVI(head, size)
	case head[0] == 0x47 && (len(head) <= 188 || head[188] == 0x47):
		return Layout{Container: "mpeg-ts"}, nil
	case binary.BigEndian.Uint32(head) == 0x000001BA:
		return Layout{Container: "mpeg-ps"}, nil
	}
	return Layout{}, nil
}

// trailer is l with the index from off to end, when that is small enough
// to be one; otherwise l without an index.
func (l Layout) trailer(off, end int64) Layout {
	if off < end && end-off <= maxTrailer {
		l.IndexOff, l.IndexEnd = off, end
	}
	return l
}

// DurationOfIndex reads how long the file plays from its index alone, for
// containers that keep the duration there (MP4's moov). r reads the file;
// only the index's bytes are asked for.
func DurationOfIndex(r io.ReaderAt, l Layout) (time.Duration, error) {
	if l.Container != "mp4" || !l.HasIndex() {
		return 0, ErrUnknownContainer
	}
	return mp4DurationIn(r, l.IndexOff, l.IndexEnd)
}

// bytesAt reads a byte slice; past its end it fails with ErrNeedMore.
type bytesAt []byte

func (b bytesAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > int64(len(b)) {
		return 0, ErrNeedMore
	}
	return copy(p, b[off:]), nil
}

// DurationOfHead reads how long the file plays from its first bytes, for
// containers that say so at the start (Matroska's Info, an MP4 whose moov
// comes first).
func DurationOfHead(head []byte, size int64) (time.Duration, error) {
	return Duration(bytesAt(head), size)
}
