package source

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"
)

// badFile is one file of a hand-made info: raw path components, so
// that evil ones can be written.
type badFile struct {
	path []string
	size int64
}

// badInfo makes a v1 info with real piece hashes over the
// deterministic payload. One file with a nil path makes a single-file info.
func badInfo(t testing.TB, name string, pieceLen int64, files ...badFile) metainfo.Info {
	t.Helper()
	info := metainfo.Info{Name: name, PieceLength: pieceLen}
	var data bytes.Buffer
	for _, f := range files {
		data.Write(payload(strings.Join(f.path, "/"), int(max(f.size, 0))))
		if f.path == nil {
			info.Length = f.size
		} else {
			info.Files = append(info.Files, metainfo.FileInfo{Path: f.path, Length: f.size})
		}
	}
	pieces, err := metainfo.GeneratePieces(&data, pieceLen, nil)
	if err != nil {
		t.Fatal(err)
	}
	info.Pieces = pieces
	return info
}

// v2OnlyInfo is a pure BitTorrent v2 info: a file tree, no v1 fields.
func v2OnlyInfo() metainfo.Info {
	data := payload("movie.mkv", 1000)
	root := sha256.Sum256(data)
	return metainfo.Info{
		Name: "movie.mkv", PieceLength: 16 << 10, MetaVersion: 2,
		FileTree: metainfo.FileTree{Dir: map[string]metainfo.FileTree{
			"movie.mkv": {File: metainfo.FileTreeFile{Length: 1000, PiecesRoot: string(root[:])}},
		}},
	}
}

func mutated(f func(*metainfo.Info)) func(testing.TB) []byte {
	return func(t testing.TB) []byte {
		info := badInfo(t, "Movie", 16<<10, badFile{[]string{"movie.mkv"}, 40000})
		f(&info)
		return marshalTorrent(t, info)
	}
}

func withFiles(name string, files ...badFile) func(testing.TB) []byte {
	return func(t testing.TB) []byte { return marshalTorrent(t, badInfo(t, name, 16<<10, files...)) }
}

func raw(s string) func(testing.TB) []byte {
	return func(testing.TB) []byte { return []byte(s) }
}

func bf(size int64, path ...string) badFile { return badFile{path, size} }

// badFixtures are the evil .torrent files in ../../testdata/bad, with
// the error class and a key phrase of the message each must produce.
var badFixtures = []struct {
	file    string
	build   func(testing.TB) []byte
	runtime bool  // too big to commit: generated in a temp dir at run time
	class   error // ErrBadSource from Parse, or nil: it parses, and pick refuses it (see pick's tests)
	phrase  string
}{
	{file: "empty.torrent", build: raw(""), class: ErrBadSource, phrase: "empty"},
	{file: "truncated.torrent", build: func(t testing.TB) []byte {
		b := goodFixtures[0].build(t)
		return b[:len(b)/2]
	}, class: ErrBadSource, phrase: "truncated"},
	{file: "not-bencode.torrent", build: raw("this is not a torrent\n"), class: ErrBadSource, phrase: "not bencode"},
	{file: "html.torrent", build: raw("\n<!DOCTYPE html>\n<html><title>Log in</title></html>\n"), class: ErrBadSource, phrase: "HTML page"},
	{file: "trailing-garbage.torrent", build: func(t testing.TB) []byte {
		return append(goodFixtures[0].build(t), "GARBAGE"...)
	}, class: ErrBadSource, phrase: "garbage after"},
	{file: "wrong-types.torrent", build: func(t testing.TB) []byte {
		return marshalTorrent(t, map[string]any{"name": 42, "piece length": 16384, "length": 5, "pieces": strings.Repeat("x", 20)})
	}, class: ErrBadSource, phrase: "wrong types"},
	{file: "no-info.torrent", build: func(t testing.TB) []byte {
		b, err := bencode.Marshal(map[string]any{"announce": fixtureTracker})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}, class: ErrBadSource, phrase: "no info dictionary"},
	{file: "deep-nesting.torrent", build: raw("d4:infod9:file treed" + strings.Repeat("1:ad", 40) + strings.Repeat("e", 40) + "eee"),
		class: ErrBadSource, phrase: "nested deeper than 32"},
	{file: "v2-only.torrent", build: func(t testing.TB) []byte { return marshalTorrent(t, v2OnlyInfo()) },
		class: ErrBadSource, phrase: "v2-only torrents are not supported (v1.61 limitation); use a hybrid or v1 torrent"},
	{file: "hybrid-bad-pieces-root.torrent", build: mutated(func(i *metainfo.Info) {
		i.MetaVersion = 2
		i.FileTree = metainfo.FileTree{Dir: map[string]metainfo.FileTree{"movie.mkv": {File: metainfo.FileTreeFile{Length: 40000, PiecesRoot: "short"}}}}
	}), class: ErrBadSource, phrase: "pieces root is 5 bytes"},
	{file: "piece-length-0.torrent", build: mutated(func(i *metainfo.Info) { i.PieceLength = 0 }), class: ErrBadSource, phrase: "piece length is 0"},
	{file: "piece-length-huge.torrent", build: mutated(func(i *metainfo.Info) { i.PieceLength = 1 << 30 }), class: ErrBadSource, phrase: "over 64 MiB"},
	{file: "pieces-mismatch.torrent", build: mutated(func(i *metainfo.Info) { i.Pieces = i.Pieces[:20] }), class: ErrBadSource, phrase: "inconsistent with total length"},
	{file: "pieces-not-20.torrent", build: mutated(func(i *metainfo.Info) { i.Pieces = i.Pieces[:30] }), class: ErrBadSource, phrase: "not a multiple of 20"},
	{file: "billions-of-pieces.torrent", build: mutated(func(i *metainfo.Info) {
		i.Files = []metainfo.FileInfo{{Path: []string{"movie.mkv"}, Length: 1 << 45}}
	}), class: ErrBadSource, phrase: "at most 838860 fit"},
	{file: "absurd-length.torrent", build: mutated(func(i *metainfo.Info) { i.Files[0].Length = 1 << 55 }), class: ErrBadSource, phrase: "out of range"},
	{file: "negative-length.torrent", build: mutated(func(i *metainfo.Info) { i.Files[0].Length = -5 }), class: ErrBadSource, phrase: "out of range"},
	{file: "zero-length-video.torrent", build: withFiles("Movie", bf(0, "movie.mkv"), bf(500, "readme.txt"))},
	{file: "dotdot-path.torrent", build: withFiles("evil", bf(100, "..", "..", "escape.mkv")), class: ErrBadSource, phrase: `path component ".."`},
	{file: "dot-path.torrent", build: withFiles("evil", bf(100, ".", "movie.mkv")), class: ErrBadSource, phrase: `path component "."`},
	{file: "absolute-path.torrent", build: withFiles("evil", bf(100, "/etc/passwd")), class: ErrBadSource, phrase: "absolute or nested path"},
	{file: "absolute-name.torrent", build: func(t testing.TB) []byte {
		return marshalTorrent(t, badInfo(t, "/tmp/movie.mkv", 16<<10, bf(100)))
	}, class: ErrBadSource, phrase: "torrent name: path separator"},
	{file: "backslash-path.torrent", build: withFiles("evil", bf(100, `..\..\escape.mkv`)), class: ErrBadSource, phrase: "path separator"},
	{file: "nul-in-name.torrent", build: func(t testing.TB) []byte {
		return marshalTorrent(t, badInfo(t, "movie\x00.mkv", 16<<10, bf(100)))
	}, class: ErrBadSource, phrase: "NUL byte"},
	{file: "overlong-name.torrent", build: withFiles("evil", bf(100, strings.Repeat("a", 300)+".mkv")), class: ErrBadSource, phrase: "is 304 bytes (at most 255)"},
	{file: "drive-letter.torrent", build: withFiles("evil", bf(100, "C:", "Windows", "evil.mkv")), class: ErrBadSource, phrase: "drive letter"},
	{file: "empty-component.torrent", build: withFiles("evil", bf(100, "dir", "", "movie.mkv")), class: ErrBadSource, phrase: "empty path component"},
	{file: "empty-name.torrent", build: withFiles("", bf(100, "movie.mkv")), class: ErrBadSource, phrase: "torrent name: empty path component"},
	{file: "case-duplicates.torrent", build: withFiles("Show", bf(100, "A.mkv"), bf(200, "a.mkv")), class: ErrBadSource, phrase: "differ only in case"},
	{file: "duplicates.torrent", build: withFiles("Show", bf(100, "a.mkv"), bf(200, "a.mkv")), class: ErrBadSource, phrase: "two files have the path"},
	{file: "file-and-dir.torrent", build: withFiles("Show", bf(100, "a"), bf(200, "A", "b.mkv")), class: ErrBadSource, phrase: "both a file and a directory"},
}

// badMagnets are bad magnets with a key phrase of their error.
var badMagnets = []struct{ arg, phrase string }{
	{"magnet:", "no xt=urn:btih: infohash"},
	{"magnet:?dn=no+hash&tr=http%3A%2F%2F127.0.0.1%3A6969%2Fannounce", "no xt=urn:btih: infohash"},
	{"magnet:?xt=urn:sha1:0123456789abcdef0123456789abcdef01234567", "no xt=urn:btih: infohash"},
	{"magnet:?xt=urn:btih:0123", "btih is 4 characters long"},
	{"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef0123456", "btih is 39 characters long"},
	{"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef0123456g", "bad hex in btih"},
	{"magnet:?xt=urn:btih:AERUKZ4JVPG66AJDIVTYTK6N54ASGR18", "bad base32 in btih"},
	{"magnet:?xt=urn:btih:aerukz4jvpg66ajdivtytk6n54asgrlh", "bad base32 in btih"},
	{"magnet:?xt=urn:btmh:1220d8dd32ac93357c368556af3ac1d95c9d76bd0dff6fa9833ecdac3d53134efabb", "v2-only torrents are not supported (v1.61 limitation); use a hybrid or v1 torrent"},
	{"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&xt=urn:btih:0123456789abcdef0123456789abcdef01234568", "more than one infohash"},
	{"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&xt=urn:btmh:1220zz", "error parsing infohash"},
	{"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&x.pe=nonsense", "bad x.pe peer address"},
	{"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&x.pe=127.0.0.1:0", "bad x.pe peer address"},
	{"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&ws=ftp%3A%2F%2F127.0.0.1%2Fx", "bad ws web seed"},
	{"magnet:?dn=tab\there&xt=urn:btih:0123456789abcdef0123456789abcdef01234567", "not a valid URI"},
}

func badMagnetArgs() []string {
	var out []string
	for _, m := range badMagnets {
		out = append(out, m.arg)
	}
	return out
}

// TestBadSources runs every file in ../../testdata/bad, the run-time ones
// and the bad magnets through Parse. The ones that parse are for the file
// picker to refuse: its tests run them through Pick.
func TestBadSources(t *testing.T) {
	onDisk, err := filepath.Glob(filepath.Join("..", "..", "testdata", "bad", "*"))
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, b := range badFixtures {
		covered[b.file] = !b.runtime
	}
	for _, p := range onDisk {
		if !covered[filepath.Base(p)] {
			t.Errorf("%s has no row in badFixtures", p)
		}
	}
	for _, b := range badFixtures {
		t.Run(b.file, func(t *testing.T) {
			path := filepath.Join("..", "..", "testdata", "bad", b.file)
			if b.runtime {
				path = filepath.Join(t.TempDir(), b.file)
				if err := os.WriteFile(path, b.build(t), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			s, err := Parse(context.Background(), path, Options{})
			if b.class == ErrBadSource {
				checkErr(t, err, ErrBadSource, b.phrase)
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if _, err := s.Inspect(); err != nil {
				t.Fatal(err)
			}
		})
	}
	for _, m := range badMagnets {
		t.Run(m.arg, func(t *testing.T) {
			_, err := Parse(context.Background(), m.arg, Options{})
			checkErr(t, err, ErrBadSource, m.phrase)
		})
	}
}

// FuzzParseSource checks that Parse never panics and that it either
// fails with ErrBadSource or returns a Source the client can use.
func FuzzParseSource(f *testing.F) {
	for _, pat := range []string{"*.torrent", "bad/*"} {
		paths, _ := filepath.Glob(filepath.Join("..", "..", "testdata", pat))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add("-", b)
		}
	}
	mag, err := os.ReadFile(filepath.Join("..", "..", "testdata", "magnets.txt"))
	if err != nil {
		f.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(mag))
	for sc.Scan() {
		f.Add(sc.Text(), []byte(nil))
	}
	f.Add("http://127.0.0.1/x.torrent", []byte("de"))
	f.Add("0123456789abcdef0123456789abcdef01234567", []byte(nil))
	f.Fuzz(func(t *testing.T, arg string, body []byte) {
		if kindOf(arg) == kindPath {
			arg = "-" // keep the fuzzer off the filesystem
		}
		client := &http.Client{Transport: bodyTransport(body)}
		s, err := Parse(context.Background(), arg, Options{Stdin: bytes.NewReader(body), HTTPClient: client})
		if err != nil {
			if !errors.Is(err, ErrBadSource) {
				t.Fatalf("error %v does not wrap ErrBadSource", err)
			}
			return
		}
		spec := s.Spec()
		if spec.InfoHash.IsZero() || spec.InfoHash.HexString() != s.InfoHash() {
			t.Fatalf("spec hash %v, source hash %q", spec.InfoHash, s.InfoHash())
		}
		if s.HasInfo() {
			if err := ValidateInfo(s.info); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Inspect(); err != nil {
				t.Fatal(err)
			}
			exercise(t, s.info)
		}
	})
}

// bodyTransport answers every request with body.
type bodyTransport []byte

func (b bodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{},
		Body: bodyReader{bytes.NewReader(b)}, ContentLength: -1, Request: r}, nil
}

type bodyReader struct{ *bytes.Reader }

func (bodyReader) Close() error { return nil }
