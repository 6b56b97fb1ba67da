package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// ErrUnknownContainer means the bytes are neither MP4 nor Matroska, or hold
// no usable duration: asking again will not help.
var ErrUnknownContainer = errors.New("no duration in container")

// containerScan bounds how far into the file the parsers look for a
// Matroska Info element: it sits before the first Cluster, a few KiB in.
const containerScan = 1 << 20

// Duration reads the playing time of an MP4 (moov/mvhd) or Matroska
// (Segment/Info) file of size bytes. Errors from r other than
// ErrUnknownContainer (bytes not fetched yet) are returned as they are, so
// the caller can try again later.
func Duration(r io.ReaderAt, size int64) (time.Duration, error) {
	head := make([]byte, 8)
	if _, err := r.ReadAt(head, 0); err != nil {
		return 0, err
	}
	switch {
	case binary.BigEndian.Uint32(head[:4]) == 0x1A45DFA3:
		return mkvDuration(r, size)
	case string(head[4:8]) == "ftyp":
		return mp4Duration(r, size)
	}
	return 0, ErrUnknownContainer
}

// scaled returns ticks*unit nanoseconds as a duration, refusing nonsense.
func scaled(ticks, unit float64) (time.Duration, error) {
	d := ticks * unit
	if math.IsNaN(d) || math.IsInf(d, 0) || d < float64(time.Second) || d > float64(1000*time.Hour) {
		return 0, fmt.Errorf("%w: duration %v ns out of range", ErrUnknownContainer, d)
	}
	return time.Duration(d), nil
}
