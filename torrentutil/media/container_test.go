package media

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// errNotFetched stands for the caller's error for bytes not there yet:
// Duration must return it as it is.
var errNotFetched = errors.New("not fetched yet")

// holey is a ReaderAt that has not fetched [from, to) yet.
type holey struct {
	r        io.ReaderAt
	from, to int64
}

func (h holey) ReadAt(p []byte, off int64) (int, error) {
	if off < h.to && off+int64(len(p)) > h.from {
		return 0, errNotFetched
	}
	return h.r.ReadAt(p, off)
}

func TestDuration(t *testing.T) {
	var mp4 bytes.Buffer
	if err := torrenttest.WriteMP4(&mp4, 3<<20, 95*time.Second, 4096); err != nil {
		t.Fatal(err)
	}
	m := mp4.Bytes()
	size := int64(len(m))
	tests := []struct {
		name    string
		r       io.ReaderAt
		size    int64
		want    time.Duration
		wantErr error
	}{
		{"mp4 moov at end", bytes.NewReader(m), size, 95 * time.Second, nil},
		{"mp4 moov not fetched", holey{bytes.NewReader(m), size - 4096, size}, size, 0, errNotFetched},
		{"mp4 head not fetched", holey{bytes.NewReader(m), 0, 1}, size, 0, errNotFetched},
		{"mp4 mdat body missing is fine", holey{bytes.NewReader(m), 1 << 20, 2 << 20}, size, 95 * time.Second, nil},
		{"mp4 truncated", bytes.NewReader(m[:size-2000]), size - 2000, 0, ErrUnknownContainer},
		{"mkv float64 ms", bytes.NewReader(mkv(1e6, 5400e3, 8, false)), int64(len(mkv(1e6, 5400e3, 8, false))), 90 * time.Minute, nil},
		{"mkv float32 custom scale", bytes.NewReader(mkv(1e9, 120, 4, false)), int64(len(mkv(1e9, 120, 4, false))), 2 * time.Minute, nil},
		{"mkv unknown-size segment", bytes.NewReader(mkv(1e6, 60e3, 8, true)), int64(len(mkv(1e6, 60e3, 8, true))), time.Minute, nil},
		{"mkv absurd duration", bytes.NewReader(mkv(1e6, 1, 8, false)), int64(len(mkv(1e6, 1, 8, false))), 0, ErrUnknownContainer},
		{"neither", bytes.NewReader(torrenttest.Pattern(4096)), 4096, 0, ErrUnknownContainer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Duration(tc.r, tc.size)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Fatalf("duration = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestEbmlVint(t *testing.T) {
	tests := []struct {
		b      []byte
		isSize bool
		v      int64
		n      int
	}{
		{[]byte{0x81}, true, 1, 1},
		{[]byte{0x40, 0x02}, true, 2, 2},
		{[]byte{0xFF}, true, -1, 1},
		{[]byte{0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, true, -1, 8},
		{[]byte{0x1A, 0x45, 0xDF, 0xA3}, false, 0x1A45DFA3, 4},
		{[]byte{0xEC}, false, 0xEC, 1},
		{[]byte{0x00}, true, 0, 0},
		{[]byte{0x40}, true, 0, 0},              // says 2 bytes, has 1
		{[]byte{0x08, 0, 0, 0, 0}, false, 0, 0}, // a 5-byte ID
	}
	for _, tc := range tests {
		v, n := ebmlVint(tc.b, tc.isSize)
		if v != tc.v || n != tc.n {
			t.Errorf("ebmlVint(% x, %v) = %d, %d; want %d, %d", tc.b, tc.isSize, v, n, tc.v, tc.n)
		}
	}
}
