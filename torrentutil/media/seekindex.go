package media

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"time"
)

// ErrNoSeekIndex means the container has no index that maps play times to
// bytes, or one this package does not read (MPEG-TS and -PS have none; a
// fragmented MP4's index is read only from an mfra inside the index span,
// an AVI's only from idx1), or one too damaged to use: asking again will
// not help. The caller falls back to the bitrate.
var ErrNoSeekIndex = errors.New("no seek index in container")

// maxSeekPoints bounds a SeekIndex: a two-hour film with a key frame a
// second has 7 200; one with every frame a key frame at 60 frames a second
// 432 000. An MP4 whose every sample is a sync sample keeps every n-th.
const maxSeekPoints = 1 << 20

// maxTime bounds the play times read; later points are dropped as nonsense.
const maxTime = 1000 * time.Hour

// seekPoint is a key frame: its play time and the byte offset in the file
// where a player reads it from (the sample in an MP4, the start of its
// Cluster in Matroska, the moof of a fragment, the chunk in an AVI).
type seekPoint struct {
	t   time.Duration
	off int64
}

// SeekIndex maps play times to byte offsets of a film, from its container
// index: the key frames (MP4 sync samples, Matroska cue points, AVI idx1
// key frames) of its first video track. It holds 16 bytes a point, at most
// 1<<20 points, and is not changed once read: safe for concurrent use. The
// zero value and nil are empty indexes: every time maps to offset 0.
type SeekIndex struct {
	// points increase strictly in both t and off.
	points []seekPoint
}

// ReadSeekIndex reads the index of the film of size bytes whose layout is
// l (from Locate). It reads only two ranges of r, since nothing else may
// have arrived yet: l's index span (an MP4's moov, a Matroska file's Cues,
// an AVI's idx1), at most 64 MiB, in one call; and, for Matroska and AVI,
// the file's first min(size, LocateMax) bytes (64 KiB: the most Locate
// reads): for Matroska the Segment's start, the Info's TimestampScale and
// the Tracks that say which track is video (an Info or Tracks beyond those
// bytes is not read: the scale is then the default 1 ms and cue points of
// every track count); for AVI the video stream's header and the movi
// list's start.
//
// An error from r is returned wrapped, so that the caller can recognise its
// own "not fetched yet" and try again later. Every other failure wraps
// ErrNoSeekIndex: the container has no index read here, or it is damaged.
//
// MP4 times are presentation times: decode times (stts) plus composition
// offsets (ctts), shifted by the edit list's leading empty edits and its
// first edit's media time, as players show them; further edits and rates
// are ignored.
func ReadSeekIndex(r io.ReaderAt, l Layout, size int64) (*SeekIndex, error) {
	if !l.HasIndex() {
		return nil, fmt.Errorf("%w: %q container without an index", ErrNoSeekIndex, l.Container)
	}
	if l.IndexOff < 0 || l.IndexEnd > size || l.IndexEnd-l.IndexOff > maxTrailer {
		return nil, fmt.Errorf("%w: index span [%d, %d) in a file of %d bytes", ErrNoSeekIndex, l.IndexOff, l.IndexEnd, size)
	}
	var head []byte
	if l.Container == "matroska" || l.Container == "avi" {
		head = make([]byte, min(size, LocateMax))
		if err := readFull(r, head, 0); err != nil {
			return nil, fmt.Errorf("read %s head: %w", l.Container, err)
		}
	}
	var points []seekPoint
	var err error
	switch l.Container {
	case "mp4", "matroska", "avi":
		span := make([]byte, l.IndexEnd-l.IndexOff)
		if err := readFull(r, span, l.IndexOff); err != nil {
			return nil, fmt.Errorf("read %s index: %w", l.Container, err)
		}
		switch l.Container {
		case "mp4":
			points, err = mp4SeekPoints(span, size)
		case "matroska":
			points, err = mkvSeekPoints(head, span, size)
		default:
			points, err = aviSeekPoints(head, span, l.IndexOff, size)
		}
	default:
		return nil, fmt.Errorf("%w: %q index not read", ErrNoSeekIndex, l.Container)
	}
	if err != nil {
		return nil, err
	}
	x := newSeekIndex(points, size)
	if x.Len() == 0 {
		return nil, fmt.Errorf("%w: %s index without key frames", ErrNoSeekIndex, l.Container)
	}
	return x, nil
}

// readFull reads len(p) bytes at off; a short read without an error from r
// is io.ErrUnexpectedEOF.
func readFull(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// newSeekIndex orders points by time and keeps those that move both time
// and offset forward: the first key frame of a Cluster that holds several
// (they share its offset), and not a point whose bytes come before an
// earlier one's (damaged tables). Offsets outside the file are dropped.
func newSeekIndex(points []seekPoint, size int64) *SeekIndex {
	slices.SortStableFunc(points, func(a, b seekPoint) int {
		return cmp.Or(cmp.Compare(a.t, b.t), cmp.Compare(a.off, b.off))
	})
	kept := points[:0]
	for _, p := range points {
		if p.off < 0 || p.off >= size || p.t < 0 || p.t > maxTime {
			continue
		}
		if n := len(kept); n > 0 && (p.t <= kept[n-1].t || p.off <= kept[n-1].off) {
			continue
		}
		kept = append(kept, p)
	}
	return &SeekIndex{points: slices.Clone(kept)}
}

// Offset is the byte offset in the file where playback at t starts: that
// of the key frame at or before t; 0 before the first, the last one's after
// the end.
func (x *SeekIndex) Offset(t time.Duration) int64 {
	if x == nil {
		return 0
	}
	i := sort.Search(len(x.points), func(i int) bool { return x.points[i].t > t })
	if i == 0 {
		return 0
	}
	return x.points[i-1].off
}

// Time is the inverse of Offset: the play time of the last key frame at or
// before offset off; 0 before the first.
func (x *SeekIndex) Time(off int64) time.Duration {
	if x == nil {
		return 0
	}
	i := sort.Search(len(x.points), func(i int) bool { return x.points[i].off > off })
	if i == 0 {
		return 0
	}
	return x.points[i-1].t
}

// Len is the number of points.
func (x *SeekIndex) Len() int {
	if x == nil {
		return 0
	}
	return len(x.points)
}
