package source

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

var update = flag.Bool("update", false, "rewrite the .torrent fixtures in ../../testdata and ../../testdata/magnets.txt")

// fixtureTracker is the announce URL of the fixtures: loopback, never contacted in tests.
const fixtureTracker = "http://127.0.0.1:6969/announce"

// fixtureFile is one payload file of a generated fixture.
type fixtureFile struct {
	path string // "/"-separated, inside the torrent
	size int
}

// payload is the deterministic content of a fixture file: the same
// name and size always give the same bytes.
func payload(name string, size int) []byte {
	var seed byte
	for i := 0; i < len(name); i++ {
		seed = seed*31 + name[i]
	}
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i*7) ^ byte(i>>8) ^ seed
	}
	return b
}

// buildTorrent writes the payload under a temp dir and makes a .torrent of
// it with metainfo.Info.BuildFromFilePath, as a user's tool would. A single
// file with an empty path makes a single-file torrent named name.
func buildTorrent(t testing.TB, name string, pieceLen int64, files ...fixtureFile) []byte {
	t.Helper()
	root := filepath.Join(t.TempDir(), name)
	for _, f := range files {
		torrenttest.WriteFile(t, root, f.path, payload(f.path, f.size))
	}
	mi := torrenttest.MetaInfo(t, root, pieceLen)
	mi.Announce = fixtureTracker
	return bencode.MustMarshal(mi)
}

// marshalTorrent wraps info in a .torrent with the loopback tracker.
func marshalTorrent(t testing.TB, info any) []byte {
	t.Helper()
	if i, ok := info.(metainfo.Info); ok {
		info = &i // FileTree marshals itself only when addressable
	}
	ib, err := bencode.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bencode.Marshal(metainfo.MetaInfo{InfoBytes: ib, Announce: fixtureTracker})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// goodFixtures are the good fixtures in ../../testdata.
var goodFixtures = []struct {
	file  string
	build func(t testing.TB) []byte
}{
	{"single.torrent", func(t testing.TB) []byte {
		return buildTorrent(t, "Movie.2008.mkv", 32<<10, fixtureFile{"", 256<<10 + 123})
	}},
	{"multi-with-sample.torrent", func(t testing.TB) []byte {
		return buildTorrent(t, "Feature.2020", 32<<10,
			fixtureFile{"Feature.2020.mkv", 300 << 10},
			fixtureFile{"Sample/feature-sample.mkv", 40 << 10},
			fixtureFile{"Feature.2020.en.srt", 2 << 10},
			fixtureFile{"Feature.2020.nfo", 1 << 10})
	}},
	{"no-video.torrent", func(t testing.TB) []byte {
		return buildTorrent(t, "Docs", 16<<10, fixtureFile{"readme.txt", 3000}, fixtureFile{"cover.jpg", 20000})
	}},
}

// goodMagnets are valid magnets: they go to magnets.txt too.
var goodMagnets = []string{
	"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567",
	"magnet:?xt=urn:btih:0123456789ABCDEF0123456789ABCDEF01234567&dn=Upper",
	"magnet:?xt=urn:btih:AERUKZ4JVPG66AJDIVTYTK6N54ASGRLH&dn=base32",
	"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=Big+Movie&tr=http%3A%2F%2F127.0.0.1%3A6969%2Fannounce&tr=udp%3A%2F%2F127.0.0.1%3A6969&ws=http%3A%2F%2F127.0.0.1%3A8080%2Fmovie.mkv&x.pe=127.0.0.1:6881&x.pe=[::1]:6882",
	"magnet:?xt=urn:btih:631a31dd0a46257d5078c0dee4e66e26f73e42ac&xt=urn:btmh:1220d8dd32ac93357c368556af3ac1d95c9d76bd0dff6fa9833ecdac3d53134efabb&dn=hybrid",
}

// TestFixtures checks that the committed fixtures are exactly what the
// generators make; with -update it rewrites them.
func TestFixtures(t *testing.T) {
	want := map[string][]byte{}
	for _, g := range goodFixtures {
		want[filepath.Join("..", "..", "testdata", g.file)] = g.build(t)
	}
	for _, b := range badFixtures {
		if b.build != nil && !b.runtime {
			want[filepath.Join("..", "..", "testdata", "bad", b.file)] = b.build(t)
		}
	}
	lines := slices.Concat(goodMagnets, badMagnetArgs())
	want[filepath.Join("..", "..", "testdata", "magnets.txt")] = []byte(strings.Join(lines, "\n") + "\n")
	for path, b := range want {
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%v (run go test ./torrentutil/source -run TestFixtures -update)", err)
			continue
		}
		if !bytes.Equal(got, b) {
			t.Errorf("%s differs from what the generator makes (run go test ./torrentutil/source -run TestFixtures -update)", path)
		}
		if len(b) > 64<<10 {
			t.Errorf("%s is %d bytes; keep committed fixtures small", path, len(b))
		}
	}
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseSourceGood(t *testing.T) {
	single := readFixture(t, "single.torrent")
	var mi metainfo.MetaInfo
	if err := bencode.Unmarshal(single, &mi); err != nil {
		t.Fatal(err)
	}
	singleHash := mi.HashInfoBytes().HexString()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-bittorrent")
		_, _ = w.Write(single)
	}))
	t.Cleanup(srv.Close)

	type want struct {
		hash, name string
		info       bool
		trackers   [][]string
		webseeds   []string
		peers      []string
		v2         bool
	}
	tests := []struct {
		name  string
		arg   string
		stdin []byte
		want  want
	}{
		{"torrent file", "../../testdata/single.torrent", nil,
			want{hash: singleHash, name: "Movie.2008.mkv", info: true, trackers: [][]string{{fixtureTracker}}}},
		{"multi-file torrent", "../../testdata/multi-with-sample.torrent", nil, want{name: "Feature.2020", info: true, trackers: [][]string{{fixtureTracker}}}},
		{"stdin", "-", single, want{hash: singleHash, name: "Movie.2008.mkv", info: true, trackers: [][]string{{fixtureTracker}}}},
		{"url", srv.URL + "/x.torrent?passkey=secret", nil, want{hash: singleHash, name: "Movie.2008.mkv", info: true, trackers: [][]string{{fixtureTracker}}}},
		{"bare infohash", "0123456789abcdef0123456789abcdef01234567", nil, want{hash: "0123456789abcdef0123456789abcdef01234567"}},
		{"upper-case infohash with spaces", " 0123456789ABCDEF0123456789ABCDEF01234567\n", nil, want{hash: "0123456789abcdef0123456789abcdef01234567"}},
		{"magnet hex", goodMagnets[0], nil, want{hash: "0123456789abcdef0123456789abcdef01234567"}},
		{"magnet upper-case hex", goodMagnets[1], nil, want{hash: "0123456789abcdef0123456789abcdef01234567", name: "Upper"}},
		{"magnet base32", goodMagnets[2], nil, want{hash: "0123456789abcdef0123456789abcdef01234567", name: "base32"}},
		{"magnet tr ws x.pe dn", goodMagnets[3], nil, want{
			hash: "0123456789abcdef0123456789abcdef01234567", name: "Big Movie",
			trackers: [][]string{{"http://127.0.0.1:6969/announce", "udp://127.0.0.1:6969"}},
			webseeds: []string{"http://127.0.0.1:8080/movie.mkv"},
			peers:    []string{"127.0.0.1:6881", "[::1]:6882"},
		}},
		{"magnet hybrid btih+btmh", goodMagnets[4], nil, want{hash: "631a31dd0a46257d5078c0dee4e66e26f73e42ac", name: "hybrid", v2: true}},
		{"magnet with xs dropped", goodMagnets[0] + "&xs=http%3A%2F%2F127.0.0.1%3A1%2Fx.torrent", nil, want{hash: "0123456789abcdef0123456789abcdef01234567"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(context.Background(), tt.arg, Options{Stdin: bytes.NewReader(tt.stdin)})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(s.InfoHash(), tt.want.hash) || len(s.InfoHash()) != 40 {
				t.Errorf("InfoHash() = %q, want %q", s.InfoHash(), tt.want.hash)
			}
			if s.HasInfo() != tt.want.info {
				t.Errorf("HasInfo() = %v", s.HasInfo())
			}
			spec := s.Spec()
			if spec.InfoHash.HexString() != s.InfoHash() {
				t.Errorf("spec hash %v, source hash %v", spec.InfoHash, s.InfoHash())
			}
			if (spec.InfoBytes != nil) != tt.want.info {
				t.Errorf("spec InfoBytes set = %v", spec.InfoBytes != nil)
			}
			if tt.want.name != "" && spec.DisplayName != tt.want.name {
				t.Errorf("DisplayName = %q, want %q", spec.DisplayName, tt.want.name)
			}
			if !equalTiers(spec.Trackers, tt.want.trackers) {
				t.Errorf("Trackers = %q, want %q", spec.Trackers, tt.want.trackers)
			}
			if !slices.Equal(spec.Webseeds, tt.want.webseeds) {
				t.Errorf("Webseeds = %q, want %q", spec.Webseeds, tt.want.webseeds)
			}
			if !slices.Equal(spec.PeerAddrs, tt.want.peers) {
				t.Errorf("PeerAddrs = %q, want %q", spec.PeerAddrs, tt.want.peers)
			}
			if len(spec.Sources) != 0 {
				t.Errorf("Sources = %q, want none", spec.Sources)
			}
			if spec.InfoHashV2.Ok != tt.want.v2 {
				t.Errorf("InfoHashV2.Ok = %v", spec.InfoHashV2.Ok)
			}
			if _, err := s.Inspect(); (err == nil) != tt.want.info {
				t.Errorf("Inspect() error = %v", err)
			}
		})
	}
}

func equalTiers(a, b [][]string) bool {
	return slices.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}

// TestParseSourceURLFailures covers every way an http(s) source can fail,
// on loopback servers.
func TestParseSourceURLFailures(t *testing.T) {
	const max = 64 << 10
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<!doctype html><title>Log in</title>")
	})
	mux.HandleFunc("/html-untyped", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = io.WriteString(w, "\n  <html><body>please log in</body></html>")
	})
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-bittorrent")
		chunk := bytes.Repeat([]byte("d"), 4096)
		for {
			if _, err := w.Write(chunk); err != nil {
				return // the client hung up at the cap
			}
		}
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000000")
		_, _ = w.Write(make([]byte, 1000000))
	})
	mux.HandleFunc("/silent", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs before srv.Close

	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	canceled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name    string
		ctx     context.Context
		url     string
		timeout time.Duration
		phrase  string
		ctxErr  error // instead of ErrBadSource
	}{
		{name: "404", url: srv.URL + "/missing", phrase: "HTTP status 404"},
		{name: "html content type", url: srv.URL + "/html", phrase: "HTML page"},
		{name: "html without the type", url: srv.URL + "/html-untyped", phrase: "HTML page"},
		{name: "endless body", url: srv.URL + "/endless", phrase: "larger than the 65536-byte cap"},
		{name: "content-length over the cap", url: srv.URL + "/big", phrase: "1000000 bytes, larger than"},
		{name: "empty body", url: srv.URL + "/empty", phrase: "empty"},
		{name: "unreachable", url: closedURL + "/x.torrent", phrase: "unreachable"},
		{name: "never answers, client timeout", url: srv.URL + "/silent", timeout: 50 * time.Millisecond, phrase: "timed out"},
		{name: "never answers, ctx canceled", ctx: canceled, url: srv.URL + "/silent", ctxErr: context.Canceled},
		{name: "passkey kept out of the message", url: srv.URL + "/missing?passkey=SECRET", phrase: "/missing\": HTTP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			client := &http.Client{Timeout: tt.timeout}
			if tt.timeout == 0 {
				client.Timeout = time.Minute // a failure guard only
			}
			_, err := Parse(ctx, tt.url, Options{HTTPClient: client, MaxTorrentSize: max})
			if tt.ctxErr != nil {
				if !errors.Is(err, tt.ctxErr) || errors.Is(err, ErrBadSource) {
					t.Fatalf("err = %v, want %v and not ErrBadSource", err, tt.ctxErr)
				}
				return
			}
			checkErr(t, err, ErrBadSource, tt.phrase)
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error leaks the query: %v", err)
			}
		})
	}
}

// TestParseSourceLocalFailures covers the failures of local inputs.
// Where the input is bad .torrent content, badsource_test.go has the table.
func TestParseSourceLocalFailures(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "movie.mkv")
	if err := os.WriteFile(big, make([]byte, 70<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		arg    string
		stdin  io.Reader
		phrase string
	}{
		{"empty argument", "", nil, "empty source"},
		{"blank argument", "  \n", nil, "empty source"},
		{"missing file", filepath.Join(dir, "nope.torrent"), nil, "no such file"},
		{"directory", dir, nil, "is a directory"},
		{"file over the cap", big, nil, "larger than the 65536-byte cap"},
		{"stdin missing", "-", nil, "no standard input"},
		{"stdin over the cap", "-", io.LimitReader(zeros{}, 1<<30), "larger than the 65536-byte cap"},
		{"stdin empty", "-", strings.NewReader(""), "empty"},
		{"other scheme", "ftp://127.0.0.1/x.torrent", nil, "not a magnet URI, http(s) URL"},
		{"magnet-like with a wrong scheme", "magnot:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567", nil, "not a magnet URI"},
		{"39 hex digits is a path", "0123456789abcdef0123456789abcdef0123456", nil, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(context.Background(), tt.arg, Options{Stdin: tt.stdin, MaxTorrentSize: 64 << 10})
			checkErr(t, err, ErrBadSource, tt.phrase)
		})
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// checkErr asserts that err is class and that its message, a single
// line, contains phrase.
func checkErr(t testing.TB, err, class error, phrase string) {
	t.Helper()
	switch {
	case err == nil:
		t.Fatalf("no error, want %v containing %q", class, phrase)
	case !errors.Is(err, class):
		t.Fatalf("err = %v, want errors.Is %v", err, class)
	case !strings.Contains(err.Error(), phrase):
		t.Fatalf("err = %q, want it to contain %q", err, phrase)
	case class == ErrBadSource && strings.Contains(err.Error(), "\n"):
		t.Fatalf("err = %q spans several lines", err)
	}
}
