package media

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"
)

// riffChunk is a RIFF chunk, padded to an even length.
func riffChunk(id string, body []byte) []byte {
	b := binary.LittleEndian.AppendUint32([]byte(id), uint32(len(body)))
	b = append(b, body...)
	if len(body)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

// fakeAVI is an AVI of 30 frames at 25 a second, the audio stream first
// and the video second (chunks 01dc), key frames 0, 10, 15 and 20, with
// idx1 offsets from the movi tag or, when absolute, from the file's start.
// Video frames are frame bytes and more.
func fakeAVI(absolute bool, frame int) (file []byte, want []seekPoint) {
	strh := func(typ string, scale, rate uint32) []byte {
		b := make([]byte, 56)
		copy(b, typ)
		binary.LittleEndian.PutUint32(b[20:], scale)
		binary.LittleEndian.PutUint32(b[24:], rate)
		return riffChunk("strh", b)
	}
	hdrl := riffChunk("LIST", cat([]byte("hdrl"), riffChunk("avih", make([]byte, 56)),
		riffChunk("LIST", cat([]byte("strl"), strh("auds", 1, 48000), riffChunk("strf", make([]byte, 18)))),
		riffChunk("LIST", cat([]byte("strl"), strh("vids", 1, 25), riffChunk("strf", make([]byte, 40))))))
	junk := riffChunk("JUNK", make([]byte, 501))
	moviTag := int64(12 + len(hdrl) + len(junk) + 8)
	movi := []byte("movi")
	var idx1 []byte
	entry := func(id string, flags uint32, size int) {
		pos := moviTag + int64(len(movi))
		off := uint32(pos - moviTag)
		if absolute {
			off = uint32(pos)
		}
		idx1 = binary.LittleEndian.AppendUint32(append(idx1, id...), flags)
		idx1 = binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(idx1, off), uint32(size))
		movi = append(movi, riffChunk(id, make([]byte, size))...)
	}
	for i := range 30 {
		key := i%10 == 0 || i == 15
		if key {
			want = append(want, seekPoint{time.Duration(i) * time.Second / 25, moviTag + int64(len(movi))})
		}
		entry("01dc", map[bool]uint32{true: aviKeyFrame}[key], frame+i)
		entry("00wb", aviKeyFrame, 51)
	}
	body := cat([]byte("AVI "), hdrl, junk, riffChunk("LIST", movi), riffChunk("idx1", idx1))
	return riffChunk("RIFF", body), want
}

func TestSeekIndexAVI(t *testing.T) {
	for _, absolute := range []bool{false, true} {
		file, want := fakeAVI(absolute, 3000) // past LocateMax: only the head and idx1 are read
		size := int64(len(file))
		l, err := Locate(file[:1024], size)
		if err != nil || !l.HasIndex() {
			t.Fatalf("Locate = %+v, %v", l, err)
		}
		r := onlyRanges{bytes.NewReader(file), [][2]int64{{0, min(size, LocateMax)}, {l.IndexOff, l.IndexEnd}}}
		x, err := ReadSeekIndex(r, l, size)
		if err != nil {
			t.Fatal(err)
		}
		wantIndex(t, x, want)
	}
}
