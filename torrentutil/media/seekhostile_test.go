package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"time"
)

// What is not an index, or not one yet, is told apart: bytes not fetched
// come back as the reader's error (try again later), everything else as
// ErrNoSeekIndex (fall back to the bitrate).
func TestSeekIndexErrors(t *testing.T) {
	mp4, _ := fakeMP4([]fakeTrack{videoTrack()}, false)
	mp4Layout, _ := Locate(mp4, int64(len(mp4)))
	audio := videoTrack()
	audio.handler = "soun"
	audioOnly, _ := fakeMP4([]fakeTrack{audio}, false)
	audioLayout, _ := Locate(audioOnly, int64(len(audioOnly)))
	// An stsz that claims more samples than it lists.
	badSizes := bytes.Clone(mp4)
	i := bytes.Index(badSizes, []byte("stsz"))
	binary.BigEndian.PutUint32(badSizes[i+12:], 1<<30)
	mkv, _ := fakeMKV(1e6, 1, 2, []int{100, 100}, []fakeCue{{0, [][2]int{{1, 0}}}})
	mkvLayout, _ := Locate(mkv, int64(len(mkv)))
	// A Matroska file whose SeekHead points at the second Cluster instead.
	notCues := bytes.Clone(mkv)
	copy(notCues[mkvLayout.IndexOff:], []byte{0x1F, 0x43, 0xB6, 0x75})
	whole := func(f []byte) int64 { return int64(len(f)) }
	avi, _ := fakeAVI(false, 10)
	aviLayout, _ := Locate(avi[:1024], int64(len(avi)))
	// An OpenDML file: a second RIFF, not listed in the first one's idx1.
	avix := cat(avi, riffChunk("RIFF", cat([]byte("AVIXLIST"), make([]byte, 100<<10))))

	tests := []struct {
		name string
		file []byte
		l    Layout
		r    func(file []byte, l Layout) *onlyRanges // nil: every byte is there
		want error
	}{
		{"mpeg-ts", mp4, Layout{Container: "mpeg-ts"}, nil, ErrNoSeekIndex},
		{"avi layout on bytes that are no avi", mp4, Layout{Container: "avi", IndexOff: 10, IndexEnd: 20, OpenNeedsIndex: true}, nil, ErrNoSeekIndex},
		{"avi of two RIFFs", avix, aviLayout, nil, ErrNoSeekIndex},
		{"avi head not fetched", avi, aviLayout, func(f []byte, l Layout) *onlyRanges {
			return &onlyRanges{bytes.NewReader(f), [][2]int64{{l.IndexOff, l.IndexEnd}}}
		}, errNotFetched},
		{"matroska without cues", mkv, Layout{Container: "matroska"}, nil, ErrNoSeekIndex},
		{"index past the end", mp4, Layout{Container: "mp4", IndexOff: 10, IndexEnd: whole(mp4) + 1}, nil, ErrNoSeekIndex},
		{"mp4 index not fetched", mp4, mp4Layout, func(f []byte, l Layout) *onlyRanges {
			return &onlyRanges{bytes.NewReader(f), [][2]int64{{0, l.IndexOff}}}
		}, errNotFetched},
		{"mp4 without video", audioOnly, audioLayout, nil, ErrNoSeekIndex},
		{"mp4 stsz shorter than its count", badSizes, mp4Layout, nil, ErrNoSeekIndex},
		{"mp4 span without a moov", mp4, Layout{Container: "mp4", IndexOff: 0, IndexEnd: 32}, nil, ErrNoSeekIndex},
		{"matroska head not fetched", mkv, mkvLayout, func(f []byte, l Layout) *onlyRanges {
			return &onlyRanges{bytes.NewReader(f), [][2]int64{{l.IndexOff, l.IndexEnd}}}
		}, errNotFetched},
		{"matroska span not at the cues", notCues, mkvLayout, nil, ErrNoSeekIndex},
		{"matroska head not matroska", append(make([]byte, 64), mkv[64:]...), mkvLayout, nil, ErrNoSeekIndex},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r interface {
				ReadAt([]byte, int64) (int, error)
			} = bytes.NewReader(tc.file)
			if tc.r != nil {
				r = tc.r(tc.file, tc.l)
			}
			x, err := ReadSeekIndex(r, tc.l, whole(tc.file))
			if !errors.Is(err, tc.want) || x != nil {
				t.Fatalf("ReadSeekIndex = %v, %v; want %v", x, err, tc.want)
			}
			if tc.want == errNotFetched && errors.Is(err, ErrNoSeekIndex) {
				t.Fatalf("%v is also ErrNoSeekIndex: the caller would give up", err)
			}
		})
	}
}

// Points that go backwards in the file, repeat an offset or a time, or lie
// outside it are dropped; the rest are ordered by time.
func TestNewSeekIndex(t *testing.T) {
	x := newSeekIndex([]seekPoint{
		{3 * time.Second, 300},
		{time.Second, 100},
		{2 * time.Second, 50},  // before the first's bytes
		{4 * time.Second, 300}, // the same cluster as 3 s
		{5 * time.Second, 500},
		{5 * time.Second, 450},  // the same time as 5 s, earlier bytes: kept
		{6 * time.Second, 1000}, // past the end
		{-time.Second, 10},
	}, 1000)
	wantIndex(t, x, []seekPoint{{time.Second, 100}, {3 * time.Second, 300}, {5 * time.Second, 450}})
	var none *SeekIndex
	if none.Len() != 0 || none.Offset(time.Hour) != 0 || none.Time(1<<30) != 0 {
		t.Fatal("a nil SeekIndex is not empty")
	}
}

// FuzzSeekIndex: bytes from strangers never panic ReadSeekIndex, and an
// index it returns is ordered, inside the file and its own inverse.
func FuzzSeekIndex(f *testing.F) {
	// Small seeds: the fuzzer minimises what it finds, slowly when large.
	small := func() fakeTrack {
		tr := videoTrack()
		tr.deltas, tr.ctts, tr.sync = tr.deltas[:12], tr.ctts[:12], tr.sync[:2]
		tr.sizes = []uint32{9, 1, 2, 3, 1, 2, 7, 1, 1, 2, 5, 1}
		return tr
	}
	mp4, _ := fakeMP4([]fakeTrack{small()}, true)
	wide := small()
	wide.co64, wide.stz2, wide.v1 = true, true, true
	wideMP4, _ := fakeMP4([]fakeTrack{wide}, false)
	mkv, _ := fakeMKV(1e5, 2, 1, []int{10, 20, 30}, []fakeCue{{0, [][2]int{{2, 0}}}, {100, [][2]int{{1, 1}, {2, 2}}}})
	avi, _ := fakeAVI(false, 5)
	for _, seed := range [][]byte{mp4, wideMP4, mkv, avi} {
		f.Add(seed, uint16(0))
	}
	f.Fuzz(func(t *testing.T, file []byte, indexOff uint16) {
		size := int64(len(file))
		layouts := []Layout{
			{Container: "mp4", IndexOff: min(int64(indexOff), size), IndexEnd: size},
			{Container: "matroska", IndexOff: min(int64(indexOff), size), IndexEnd: size},
			{Container: "avi", IndexOff: min(int64(indexOff), size), IndexEnd: size},
		}
		if l, err := Locate(file[:min(size, LocateMax)], size); err == nil {
			layouts = append(layouts, l)
		}
		for _, l := range layouts {
			x, err := ReadSeekIndex(bytes.NewReader(file), l, size)
			if err != nil {
				if x != nil || !errors.Is(err, ErrNoSeekIndex) {
					t.Fatalf("ReadSeekIndex = %v, %v", x, err)
				}
				continue
			}
			if x.Len() == 0 || x.Len() > maxSeekPoints {
				t.Fatalf("%d points", x.Len())
			}
			for i, p := range x.points {
				if p.off < 0 || p.off >= size || p.t < 0 || p.t > maxTime {
					t.Fatalf("point %+v outside a file of %d bytes", p, size)
				}
				if i > 0 && (p.t <= x.points[i-1].t || p.off <= x.points[i-1].off) {
					t.Fatalf("points out of order: %+v then %+v", x.points[i-1], p)
				}
				if x.Offset(p.t) != p.off || x.Time(p.off) != p.t {
					t.Fatalf("Offset and Time disagree at %+v", p)
				}
			}
		}
	})
}
