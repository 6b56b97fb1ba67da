package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// box is an ISO-BMFF box of type typ around body.
func box(typ string, body []byte) []byte {
	h := make([]byte, 8, 8+len(body))
	binary.BigEndian.PutUint32(h, uint32(8+len(body)))
	copy(h[4:], typ)
	return append(h, body...)
}

// ebml is an EBML element with an 8-byte size.
func ebml(id []byte, body []byte) []byte {
	size := []byte{0x01, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(size[4:], uint32(len(body)))
	return append(append(append([]byte{}, id...), size...), body...)
}

// mkvWithCues is a Matroska file whose SeekHead points at Cues after a
// Cluster of clusterLen bytes; cuesFirst puts the Cues before the Cluster.
func mkvWithCues(clusterLen int, cuesFirst bool) (file []byte, cuesOff, cuesEnd int64) {
	cues := ebml([]byte{0x1C, 0x53, 0xBB, 0x6B}, make([]byte, 40))
	cluster := ebml([]byte{0x1F, 0x43, 0xB6, 0x75}, make([]byte, clusterLen))
	seek := func(pos int64) []byte {
		p := make([]byte, 8)
		binary.BigEndian.PutUint64(p, uint64(pos))
		return ebml([]byte{0x11, 0x4D, 0x9B, 0x74}, ebml([]byte{0x4D, 0xBB},
			append(ebml([]byte{0x53, 0xAB}, []byte{0x1C, 0x53, 0xBB, 0x6B}), ebml([]byte{0x53, 0xAC}, p[1:])...)))
	}
	headLen := int64(len(seek(0)))
	var body []byte
	var pos int64
	if cuesFirst {
		pos = headLen
		body = append(append(seek(pos), cues...), cluster...)
	} else {
		pos = headLen + int64(len(cluster))
		body = append(append(seek(pos), cluster...), cues...)
	}
	head := ebml([]byte{0x1A, 0x45, 0xDF, 0xA3}, ebml([]byte{0x42, 0x86}, []byte{1}))
	seg := ebml([]byte{0x18, 0x53, 0x80, 0x67}, body)
	segData := int64(len(head) + 12)
	file = append(head, seg...)
	return file, segData + pos, segData + pos + int64(len(cues))
}

func TestLocate(t *testing.T) {
	var moovEnd bytes.Buffer
	if err := torrenttest.WriteMP4(&moovEnd, 5<<20, time.Minute, 4096); err != nil {
		t.Fatal(err)
	}
	ftyp := box("ftyp", []byte("isom\x00\x00\x02\x00isommp41"))
	moovFirst := append(append(append([]byte{}, ftyp...), box("moov", make([]byte, 300))...), box("mdat", make([]byte, 5000))...)
	fragmented := append(append(append([]byte{}, ftyp...), box("moof", make([]byte, 100))...), box("mdat", make([]byte, 5000))...)
	cuesLast, lastOff, _ := mkvWithCues(100000, false)
	cuesFirst, firstOff, firstEnd := mkvWithCues(100000, true)
	noSeekHead := mkv(1e6, 60000, 8, false)
	riff := func(moviLen int) []byte {
		var b bytes.Buffer
		le := func(v int) { binary.Write(&b, binary.LittleEndian, uint32(v)) }
		b.WriteString("RIFF")
		le(4 + 12 + 4 + 12 + moviLen + 8 + 32)
		b.WriteString("AVI LIST")
		le(4 + 4)
		b.WriteString("hdrl" + "xxxx")
		b.WriteString("LIST")
		le(4 + moviLen)
		b.WriteString("movi")
		b.Write(make([]byte, moviLen))
		b.WriteString("idx1")
		le(32)
		b.Write(make([]byte, 32))
		return b.Bytes()
	}
	avi := riff(50000)
	ts := make([]byte, 400)
	ts[0], ts[188], ts[376] = 0x47, 0x47, 0x47

	tests := []struct {
		name     string
		file     []byte
		head     int // bytes of the file's start given to Locate
		want     Layout
		needMore bool
	}{
		{"mp4, moov at the end", moovEnd.Bytes(), 64, Layout{"mp4", 5<<20 - 4096, 5 << 20, true}, false},
		{"mp4, moov at the end, header cut", moovEnd.Bytes(), 30, Layout{}, true},
		{"mp4, moov first", moovFirst, 64, Layout{"mp4", int64(len(ftyp)), int64(len(ftyp)) + 308, true}, false},
		{"fragmented mp4: no index", fragmented, 64, Layout{Container: "mp4", OpenNeedsIndex: true}, false},
		{"matroska, cues at the end", cuesLast, 200, Layout{"matroska", lastOff, int64(len(cuesLast)), false}, false},
		{"matroska, cues in the head read", cuesFirst, len(cuesFirst), Layout{"matroska", firstOff, firstEnd, false}, false},
		{"matroska, seekhead cut", cuesLast, 40, Layout{}, true},
		{"matroska without a seekhead: no index", noSeekHead, len(noSeekHead), Layout{Container: "matroska"}, false},
		{"avi: idx1 after movi", avi, 64, Layout{"avi", int64(len(avi)) - 40, int64(len(avi)), true}, false},
		{"mpeg-ts: no index", ts, len(ts), Layout{Container: "mpeg-ts"}, false},
		{"unknown", []byte("#EXTM3U\nsomething that is no video at all"), 40, Layout{}, false},
		{"too short to tell", avi, 4, Layout{}, true},
		{"a file shorter than a header", []byte("RIFF"), 4, Layout{}, false},
	}
	for _, tc := range tests {
		head := tc.file[:min(tc.head, len(tc.file))]
		got, err := Locate(head, int64(len(tc.file)))
		if tc.needMore {
			if !errors.Is(err, ErrNeedMore) {
				t.Errorf("%s: Locate = %+v, %v; want ErrNeedMore", tc.name, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: Locate = %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
}

// DurationOfIndex reads an MP4's duration from its moov alone; the bytes
// before it may be missing.
func TestDurationOfIndex(t *testing.T) {
	var b bytes.Buffer
	if err := torrenttest.WriteMP4(&b, 3<<20, 90*time.Second, 2048); err != nil {
		t.Fatal(err)
	}
	file := b.Bytes()
	l, err := Locate(file[:64], int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	r := holey{bytes.NewReader(file), 0, l.IndexOff}
	if d, err := DurationOfIndex(r, l); err != nil || d != 90*time.Second {
		t.Fatalf("DurationOfIndex = %v, %v; want 1m30s", d, err)
	}
	if _, err := DurationOfIndex(r, Layout{Container: "matroska", IndexOff: 1, IndexEnd: 2}); !errors.Is(err, ErrUnknownContainer) {
		t.Fatalf("a Matroska index = %v, want ErrUnknownContainer", err)
	}
}

// FuzzLocate: bytes from strangers never panic Locate, and an index it
// returns lies inside the file.
func FuzzLocate(f *testing.F) {
	var mp4 bytes.Buffer
	torrenttest.WriteMP4(&mp4, 1<<16, time.Minute, 1024)
	cues, _, _ := mkvWithCues(1000, false)
	for _, seed := range [][]byte{mp4.Bytes()[:256], cues, mkv(1e6, 1000, 4, true)} {
		f.Add(seed, int64(len(seed)))
		f.Add(seed, int64(1<<40))
	}
	f.Fuzz(func(t *testing.T, head []byte, size int64) {
		if size < int64(len(head)) {
			size = int64(len(head))
		}
		l, err := Locate(head, size)
		if err != nil && !errors.Is(err, ErrNeedMore) {
			t.Fatalf("Locate error %v", err)
		}
		if l.HasIndex() && (l.IndexOff < 0 || l.IndexEnd > size) {
			t.Fatalf("index [%d, %d) outside a file of %d bytes", l.IndexOff, l.IndexEnd, size)
		}
	})
}
