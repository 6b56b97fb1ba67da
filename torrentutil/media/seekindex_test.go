package media

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"
)

// wantIndex checks x against the points it must hold: each maps to and
// from its time and offset, a moment before each to the one before.
func wantIndex(t *testing.T, x *SeekIndex, want []seekPoint) {
	t.Helper()
	if x.Len() != len(want) {
		t.Fatalf("Len = %d, want %d (%v)", x.Len(), len(want), want)
	}
	prev := seekPoint{}
	for _, p := range want {
		if got := x.Offset(p.t); got != p.off {
			t.Errorf("Offset(%v) = %d, want %d", p.t, got, p.off)
		}
		if got := x.Offset(p.t - 1); got != prev.off {
			t.Errorf("Offset(%v) = %d, want %d", p.t-1, got, prev.off)
		}
		if got := x.Time(p.off); got != p.t {
			t.Errorf("Time(%d) = %v, want %v", p.off, got, p.t)
		}
		if got := x.Time(p.off - 1); got != prev.t {
			t.Errorf("Time(%d) = %v, want %v", p.off-1, got, prev.t)
		}
		prev = p
	}
	if got := x.Offset(maxTime); got != prev.off {
		t.Errorf("Offset after the end = %d, want the last key frame's %d", got, prev.off)
	}
	if got := x.Offset(-time.Second); got != 0 {
		t.Errorf("Offset before the start = %d, want 0", got)
	}
}

// repeat is n copies of v.
func repeat[T any](v T, n int) []T { return slices.Repeat([]T{v}, n) }

// videoTrack is 60 frames at 25 a second in a 12800 time scale, of sizes
// 100 to 900 bytes, a key frame every ten, with two B-frames' composition
// offsets and the edit list that starts play at the first frame.
func videoTrack() fakeTrack {
	tr := fakeTrack{handler: "vide", id: 2, scale: 12800, deltas: repeat(uint32(512), 60),
		perChunk: []int{3, 5, 1, 4, 4}, edits: [][2]int64{{2400, 1024}}}
	for s := range 60 {
		tr.sizes = append(tr.sizes, uint32(100+(s*37)%800))
		tr.ctts = append(tr.ctts, []int32{1024, 1536, 0, 0}[min(s%10, 3)]) // I P B B ...
		if s%10 == 0 {
			tr.sync = append(tr.sync, uint32(s+1))
		}
	}
	tr.deltas[30] = 1024 // a dropped frame: a second stts run
	return tr
}

func TestSeekIndexMP4(t *testing.T) {
	audio := fakeTrack{handler: "soun", id: 1, scale: 48000, deltas: repeat(uint32(1024), 60),
		sizes: repeat(uint32(300), 60), perChunk: []int{7}, fixed: true}
	v := videoTrack()
	wide := videoTrack()
	wide.co64, wide.stz2, wide.v1 = true, true, true
	wide.edits = [][2]int64{{500, -1}, {2400, 1024}} // half a second's delay first
	intra := videoTrack()
	intra.sync, intra.ctts, intra.edits, intra.fixed = nil, nil, nil, true
	intra.sizes = repeat(uint32(400), 60)
	tests := []struct {
		name      string
		tracks    []fakeTrack
		moovFirst bool
		delay     time.Duration
	}{
		{"audio first, video after: B-frames, edit list, uneven chunks", []fakeTrack{audio, v}, false, 0},
		{"moov first, co64, stz2, version 1 boxes, an empty edit", []fakeTrack{wide, audio}, true, 500 * time.Millisecond},
		{"no stss: every frame a key frame, one size", []fakeTrack{intra}, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file, samples := fakeMP4(tc.tracks, tc.moovFirst)
			size := int64(len(file))
			l, err := Locate(file[:min(size, LocateMax)], size)
			if err != nil || !l.HasIndex() {
				t.Fatalf("Locate = %+v, %v", l, err)
			}
			vi := slices.IndexFunc(tc.tracks, func(tr fakeTrack) bool { return tr.handler == "vide" })
			want := tc.tracks[vi].wantPoints(samples[vi], tc.delay)
			x, err := ReadSeekIndex(onlyRanges{bytes.NewReader(file), [][2]int64{{l.IndexOff, l.IndexEnd}}}, l, size)
			if err != nil {
				t.Fatal(err)
			}
			wantIndex(t, x, want)
		})
	}
}

// A fragmented MP4 whose index span holds the mfra: the fragments its tfra
// lists for the video track are the points.
func TestSeekIndexFragmentedMP4(t *testing.T) {
	v := videoTrack()
	v.deltas, v.sizes, v.ctts, v.sync = nil, nil, nil, []uint32{}
	moov, _, _ := fakeMoov([]fakeTrack{v}, 0, true)
	ftyp := box("ftyp", []byte("isom\x00\x00\x02\x00isommp41"))
	frags := cat(box("moof", make([]byte, 100)), box("mdat", make([]byte, 5000)), box("moof", make([]byte, 100)), box("mdat", make([]byte, 5000)))
	base := int64(len(ftyp) + len(moov))
	// v1 entries: time, moof offset (8 bytes each), then one byte each for
	// traf, trun and sample numbers; v0: 4 bytes each and 2-byte numbers.
	tfra1 := full("tfra", 1, cat(be(nil, 4, 2, 0, 2), be(nil, 8, 1024, base), []byte{1, 1, 1}, be(nil, 8, 1024+12800*2, base+5108), []byte{1, 1, 1}))
	tfra0 := full("tfra", 0, cat(be(nil, 4, 2, 0x15, 1, 1024+12800*4, base+99), []byte{0, 1, 0, 1, 0, 1}))
	other := full("tfra", 0, cat(be(nil, 4, 1, 0, 1, 0, base+7), []byte{1, 1, 1}))
	for _, tc := range []struct {
		name string
		tfra []byte
		want []seekPoint
	}{
		{"version 1", tfra1, []seekPoint{{0, base}, {2 * time.Second, base + 5108}}},
		{"version 0, wider numbers", tfra0, []seekPoint{{4 * time.Second, base + 99}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := cat(ftyp, moov, frags, box("mfra", cat(other, tc.tfra, full("mfro", 0, be(nil, 4, 0)))))
			l := Layout{Container: "mp4", IndexOff: int64(len(ftyp)), IndexEnd: int64(len(file))}
			x, err := ReadSeekIndex(bytes.NewReader(file), l, int64(len(file)))
			if err != nil {
				t.Fatal(err)
			}
			wantIndex(t, x, tc.want)
		})
	}
	file := cat(ftyp, moov, frags)
	l, err := Locate(file, int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSeekIndex(bytes.NewReader(file), l, int64(len(file))); !errors.Is(err, ErrNoSeekIndex) {
		t.Fatalf("fragmented without an mfra: %v, want ErrNoSeekIndex", err)
	}
}

// ebmlUint is an unsigned integer element, in as few bytes as it needs.
func ebmlUint(id []byte, v uint64) []byte {
	var b []byte
	for ; v > 0; v >>= 8 {
		b = append([]byte{byte(v)}, b...)
	}
	return ebml(id, b)
}

// fakeCue is a CuePoint: a time and, per position, a track and a cluster.
type fakeCue struct {
	ticks     uint64
	positions [][2]int // track, cluster index
}

// fakeMKV is a Matroska file: SeekHead, Info (with TimestampScale unless
// scale is 0), Tracks (video and audio numbers, none when both are 0), the
// clusters (of the given payload sizes), then Cues. It returns the file and
// where each cluster starts.
func fakeMKV(scale uint64, video, audio uint64, clusters []int, cues []fakeCue) ([]byte, []int64) {
	seekHead := func(pos int64) []byte {
		return ebml([]byte{0x11, 0x4D, 0x9B, 0x74}, ebml([]byte{0x4D, 0xBB},
			cat(ebml([]byte{0x53, 0xAB}, []byte{0x1C, 0x53, 0xBB, 0x6B}), ebml([]byte{0x53, 0xAC}, be(nil, 8, pos)[1:]))))
	}
	var info []byte
	if scale != 0 {
		info = ebmlUint([]byte{0x2A, 0xD7, 0xB1}, scale)
	}
	pre := cat(seekHead(0), ebml([]byte{0x15, 0x49, 0xA9, 0x66}, info))
	if video != 0 || audio != 0 {
		entry := func(num, typ uint64) []byte {
			return ebml([]byte{0xAE}, cat(ebmlUint([]byte{0xD7}, num), ebmlUint([]byte{0x83}, typ)))
		}
		pre = append(pre, ebml([]byte{0x16, 0x54, 0xAE, 0x6B}, cat(entry(audio, 2), entry(video, 1)))...)
	}
	rel := make([]int64, len(clusters))
	body := pre
	for i, n := range clusters {
		rel[i] = int64(len(body))
		body = append(body, ebml([]byte{0x1F, 0x43, 0xB6, 0x75}, make([]byte, n))...)
	}
	var points []byte
	for _, c := range cues {
		p := ebmlUint([]byte{0xB3}, c.ticks)
		for _, pos := range c.positions {
			p = append(p, ebml([]byte{0xB7}, cat(ebmlUint([]byte{0xF7}, uint64(pos[0])), ebmlUint([]byte{0xF1}, uint64(rel[pos[1]])), ebmlUint([]byte{0xF0}, 3)))...)
		}
		points = append(points, ebml([]byte{0xBB}, p)...)
	}
	copy(body, seekHead(int64(len(body))))
	body = append(body, ebml([]byte{0x1C, 0x53, 0xBB, 0x6B}, points)...)
	head := ebml([]byte{0x1A, 0x45, 0xDF, 0xA3}, ebml([]byte{0x42, 0x86}, []byte{1}))
	segData := int64(len(head) + 12)
	abs := make([]int64, len(rel))
	for i, r := range rel {
		abs[i] = segData + r
	}
	return cat(head, ebml([]byte{0x18, 0x53, 0x80, 0x67}, body)), abs
}

func TestSeekIndexMatroska(t *testing.T) {
	clusters := []int{30000, 25000, 40000, 100, 35000} // past LocateMax: only the head and the Cues are read
	// Video is track 2 and audio 1: audio points sit in other clusters,
	// one point has both, and clusters 2 holds two video key frames.
	cues := []fakeCue{
		{0, [][2]int{{1, 0}, {2, 0}}},
		{1500, [][2]int{{1, 1}}},
		{2000, [][2]int{{2, 1}}},
		{4000, [][2]int{{2, 2}}},
		{6000, [][2]int{{2, 2}}},
		{7000, [][2]int{{1, 3}}},
		{8000, [][2]int{{2, 4}, {1, 3}}},
	}
	tests := []struct {
		name         string
		scale        uint64
		video, audio uint64
		cues         []fakeCue
		want         [][2]int64 // ms, cluster index
	}{
		{"video track's points, scale 100 µs", 1e5, 2, 1, cues, [][2]int64{{0, 0}, {200, 1}, {400, 2}, {800, 4}}},
		{"no Tracks: every point, its first cluster; default 1 ms", 0, 0, 0, cues, [][2]int64{{0, 0}, {1500, 1}, {4000, 2}, {7000, 3}}},
		{"the video track has no points: every point", 1e6, 3, 1, cues, [][2]int64{{0, 0}, {1500, 1}, {4000, 2}, {7000, 3}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file, starts := fakeMKV(tc.scale, tc.video, tc.audio, clusters, tc.cues)
			size := int64(len(file))
			l, err := Locate(file[:min(size, 200)], size)
			if err != nil || !l.HasIndex() {
				t.Fatalf("Locate = %+v, %v", l, err)
			}
			r := onlyRanges{bytes.NewReader(file), [][2]int64{{0, min(size, LocateMax)}, {l.IndexOff, l.IndexEnd}}}
			x, err := ReadSeekIndex(r, l, size)
			if err != nil {
				t.Fatal(err)
			}
			var want []seekPoint
			for _, w := range tc.want {
				want = append(want, seekPoint{time.Duration(w[0]) * time.Millisecond, starts[w[1]]})
			}
			wantIndex(t, x, want)
		})
	}
}
