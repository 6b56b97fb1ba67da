package stream

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

const (
	movieSize = 10000
	movieETag = `"3f2a-0"`
	movieName = "Big Buck Bunny.mkv"
	moviePath = "/0/Big%20Buck%20Bunny.mkv"
	brokenErr = "secret internal detail"
)

// testSources are the sources of the table test, in URL order: a movie, a
// subtitle, one whose Open fails, and an empty file. If noOpen is set, any
// Open fails the test.
func testSources(noOpen *testing.T) []*fakeSource {
	return []*fakeSource{
		{name: movieName, size: movieSize, etag: movieETag, ctype: "video/x-matroska", noOpen: noOpen},
		{name: "Subs.EN.SRT", size: 50, ctype: "application/x-subrip", noOpen: noOpen},
		{name: "broken.mp4", size: movieSize, ctype: "video/mp4", openErr: errors.New(brokenErr), noOpen: noOpen},
		{name: "empty.mkv", size: 0, etag: `"e-3"`, ctype: "video/x-matroska", noOpen: noOpen},
	}
}

func asSources(fakes []*fakeSource) []Source {
	srcs := make([]Source, len(fakes))
	for i, f := range fakes {
		srcs[i] = f
	}
	return srcs
}

// testLogger logs everything to the test's output.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func movie(first, end int64) string { return string(pattern(first, end)) }

// handlerCases is the request table. Its Range values also seed FuzzRange.
var handlerCases = []struct {
	name       string
	method     string
	path       string
	header     map[string]string
	wantStatus int
	wantHeader map[string]string // "" means absent
	wantBody   string
	wantOpen   bool // Open is called once; else not at all
}{
	{name: "get_full", path: moviePath, wantStatus: 200, wantOpen: true, wantBody: movie(0, movieSize),
		wantHeader: map[string]string{"Content-Type": "video/x-matroska", "Content-Length": "10000", "Accept-Ranges": "bytes", "Etag": movieETag, "Last-Modified": ""}},
	{name: "head", method: "HEAD", path: moviePath, wantStatus: 200,
		wantHeader: map[string]string{"Content-Type": "video/x-matroska", "Content-Length": "10000", "Accept-Ranges": "bytes", "Etag": movieETag}},
	{name: "head_range_ignored", method: "HEAD", path: moviePath, header: map[string]string{"Range": "bytes=0-99"}, wantStatus: 200,
		wantHeader: map[string]string{"Content-Length": "10000", "Content-Range": ""}},
	{name: "range_first_100", path: moviePath, header: map[string]string{"Range": "bytes=0-99"}, wantStatus: 206, wantOpen: true, wantBody: movie(0, 100),
		wantHeader: map[string]string{"Content-Range": "bytes 0-99/10000", "Content-Length": "100", "Content-Type": "video/x-matroska"}},
	{name: "range_from_100", path: moviePath, header: map[string]string{"Range": "bytes=100-"}, wantStatus: 206, wantOpen: true, wantBody: movie(100, movieSize),
		wantHeader: map[string]string{"Content-Range": "bytes 100-9999/10000"}},
	{name: "range_suffix_100", path: moviePath, header: map[string]string{"Range": "bytes=-100"}, wantStatus: 206, wantOpen: true, wantBody: movie(9900, movieSize),
		wantHeader: map[string]string{"Content-Range": "bytes 9900-9999/10000"}},
	{name: "range_suffix_longer_than_file", path: moviePath, header: map[string]string{"Range": "bytes=-20000"}, wantStatus: 206, wantOpen: true, wantBody: movie(0, movieSize),
		wantHeader: map[string]string{"Content-Range": "bytes 0-9999/10000"}},
	{name: "range_last_clamped", path: moviePath, header: map[string]string{"Range": "bytes=9990-99999999999999999999999"}, wantStatus: 206, wantOpen: true, wantBody: movie(9990, movieSize),
		wantHeader: map[string]string{"Content-Range": "bytes 9990-9999/10000"}},
	{name: "range_at_eof", path: moviePath, header: map[string]string{"Range": "bytes=10000-"}, wantStatus: 416,
		wantHeader: map[string]string{"Content-Range": "bytes */10000", "Etag": ""}},
	{name: "range_past_eof", path: moviePath, header: map[string]string{"Range": "bytes=20000-30000"}, wantStatus: 416,
		wantHeader: map[string]string{"Content-Range": "bytes */10000"}},
	{name: "range_suffix_zero", path: moviePath, header: map[string]string{"Range": "bytes=-0"}, wantStatus: 416,
		wantHeader: map[string]string{"Content-Range": "bytes */10000"}},
	{name: "range_unit_unknown", path: moviePath, header: map[string]string{"Range": "items=0-99"}, wantStatus: 200, wantOpen: true, wantBody: movie(0, movieSize),
		wantHeader: map[string]string{"Content-Range": ""}},
	{name: "range_unit_case", path: moviePath, header: map[string]string{"Range": "Bytes=0-9"}, wantStatus: 206, wantOpen: true, wantBody: movie(0, 10),
		wantHeader: map[string]string{"Content-Range": "bytes 0-9/10000"}},
	{name: "range_malformed", path: moviePath, header: map[string]string{"Range": "bytes=abc"}, wantStatus: 416,
		wantHeader: map[string]string{"Content-Range": "bytes */10000"}},
	{name: "range_reversed", path: moviePath, header: map[string]string{"Range": "bytes=99-0"}, wantStatus: 416,
		wantHeader: map[string]string{"Content-Range": "bytes */10000"}},
	{name: "range_signed", path: moviePath, header: map[string]string{"Range": "bytes=+1-9"}, wantStatus: 416},
	{name: "range_empty_set", path: moviePath, header: map[string]string{"Range": "bytes=,"}, wantStatus: 416},
	{name: "range_no_unit", path: moviePath, header: map[string]string{"Range": "0-99"}, wantStatus: 416},
	{name: "multi_disjoint_ignored", path: moviePath, header: map[string]string{"Range": "bytes=0-9,20-29"}, wantStatus: 200, wantOpen: true, wantBody: movie(0, movieSize),
		wantHeader: map[string]string{"Content-Type": "video/x-matroska", "Content-Range": ""}},
	{name: "multi_coalesced", path: moviePath, header: map[string]string{"Range": "bytes=20-29, 0-9,5-19"}, wantStatus: 206, wantOpen: true, wantBody: movie(0, 30),
		wantHeader: map[string]string{"Content-Type": "video/x-matroska", "Content-Range": "bytes 0-29/10000"}},
	{name: "multi_one_satisfiable", path: moviePath, header: map[string]string{"Range": "bytes=0-9,20000-"}, wantStatus: 206, wantOpen: true, wantBody: movie(0, 10),
		wantHeader: map[string]string{"Content-Range": "bytes 0-9/10000"}},
	{name: "if_range_match", path: moviePath, header: map[string]string{"Range": "bytes=0-99", "If-Range": movieETag}, wantStatus: 206, wantOpen: true, wantBody: movie(0, 100),
		wantHeader: map[string]string{"Content-Range": "bytes 0-99/10000"}},
	{name: "if_range_stale", path: moviePath, header: map[string]string{"Range": "bytes=0-99", "If-Range": `"old-0"`}, wantStatus: 200, wantOpen: true, wantBody: movie(0, movieSize),
		wantHeader: map[string]string{"Content-Range": "", "Etag": movieETag}},
	{name: "if_range_date", path: moviePath, header: map[string]string{"Range": "bytes=0-99", "If-Range": "Mon, 02 Jan 2006 15:04:05 GMT"}, wantStatus: 200, wantOpen: true, wantBody: movie(0, movieSize)},
	{name: "if_none_match", path: moviePath, header: map[string]string{"If-None-Match": movieETag}, wantStatus: 304,
		wantHeader: map[string]string{"Etag": movieETag, "Content-Length": ""}},
	{name: "if_none_match_with_range", path: moviePath, header: map[string]string{"If-None-Match": movieETag, "Range": "bytes=0-99"}, wantStatus: 304},
	{name: "if_none_match_stale", path: moviePath, header: map[string]string{"If-None-Match": `"old-0"`, "Range": "bytes=-10"}, wantStatus: 206, wantOpen: true, wantBody: movie(9990, movieSize)},
	{name: "if_match_stale", path: moviePath, header: map[string]string{"If-Match": `"old-0"`}, wantStatus: 412},
	{name: "post", method: "POST", path: moviePath, wantStatus: 405,
		wantHeader: map[string]string{"Allow": "GET, HEAD"}},
	{name: "name_is_cosmetic", path: "/0/anything.txt", header: map[string]string{"Range": "bytes=0-9"}, wantStatus: 206, wantOpen: true, wantBody: movie(0, 10),
		wantHeader: map[string]string{"Content-Type": "video/x-matroska"}},
	{name: "index_only", path: "/0", header: map[string]string{"Range": "bytes=0-9"}, wantStatus: 206, wantOpen: true, wantBody: movie(0, 10)},
	{name: "unknown_index", path: "/9/x.mkv", wantStatus: 404},
	{name: "noncanonical_index", path: "/00/x.mkv", wantStatus: 404},
	{name: "unknown_index_post", method: "POST", path: "/9/x.mkv", wantStatus: 404},
	{name: "unknown_path", path: "/favicon.ico", wantStatus: 404},
	{name: "subtitle", path: "/1/Subs.EN.SRT", wantStatus: 200, wantOpen: true, wantBody: movie(0, 50),
		wantHeader: map[string]string{"Content-Type": "application/x-subrip", "Etag": ""}},
	{name: "open_error", path: "/2/broken.mp4", wantStatus: 503, wantOpen: true, wantBody: "stream unavailable\n",
		wantHeader: map[string]string{"Content-Type": "text/plain; charset=utf-8", "Content-Range": "", "Etag": ""}},
	{name: "open_error_range", path: "/2/broken.mp4", header: map[string]string{"Range": "bytes=-10"}, wantStatus: 503, wantOpen: true, wantBody: "stream unavailable\n",
		wantHeader: map[string]string{"Content-Range": ""}},
	{name: "open_error_head", method: "HEAD", path: "/2/broken.mp4", wantStatus: 200,
		wantHeader: map[string]string{"Content-Type": "video/mp4"}},
	{name: "empty_range", path: "/3/empty.mkv", header: map[string]string{"Range": "bytes=0-"}, wantStatus: 200,
		wantHeader: map[string]string{"Content-Length": "0"}},
	{name: "playlist", path: "/playlist.m3u", wantStatus: 200,
		wantHeader: map[string]string{"Content-Type": "audio/x-mpegurl"},
		wantBody:   "#EXTM3U\n#EXTINF:-1,Big Buck Bunny.mkv\nhttp://HOST/0/Big%20Buck%20Bunny.mkv\n#EXTINF:-1,Subs.EN.SRT\nhttp://HOST/1/Subs.EN.SRT\n#EXTINF:-1,broken.mp4\nhttp://HOST/2/broken.mp4\n#EXTINF:-1,empty.mkv\nhttp://HOST/3/empty.mkv\n"},
	{name: "playlist_head", method: "HEAD", path: "/playlist.m3u", wantStatus: 200,
		wantHeader: map[string]string{"Content-Type": "audio/x-mpegurl", "Content-Range": ""}},
	{name: "playlist_put", method: "PUT", path: "/playlist.m3u", wantStatus: 405,
		wantHeader: map[string]string{"Allow": "GET, HEAD"}},
}

func TestHandler(t *testing.T) {
	for _, tc := range handlerCases {
		t.Run(tc.name, func(t *testing.T) {
			var noOpen *testing.T
			if !tc.wantOpen {
				noOpen = t
			}
			fakes := testSources(noOpen)
			srv := httptest.NewServer(Handler(testLogger(t), asSources(fakes)...))
			defer srv.Close()
			host := srv.Listener.Addr().String()

			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("read body: %v", err)
			}
			srv.Close() // waits for the handler, so reader counts are final

			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			for k, want := range tc.wantHeader {
				if got := resp.Header.Get(k); got != want {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
			got := strings.ReplaceAll(string(body), host, "HOST")
			if tc.wantBody != "" || method == http.MethodHead {
				if got != tc.wantBody {
					t.Errorf("body = %.80q (%d bytes), want %.80q (%d bytes)", got, len(got), tc.wantBody, len(tc.wantBody))
				}
			}
			if strings.Contains(got, brokenErr) {
				t.Errorf("body leaks internal error text: %q", got)
			}
			if n, err := strconv.Atoi(resp.Header.Get("Content-Length")); err == nil && method != http.MethodHead && n != len(body) {
				t.Errorf("Content-Length = %d, body has %d bytes", n, len(body))
			}
			var calls int64
			for _, f := range fakes {
				calls += f.calls.Load()
				if f.open() != 0 {
					t.Errorf("%s: %d readers left open", f.name, f.open())
				}
			}
			if tc.wantOpen && calls != 1 {
				t.Errorf("Open called %d times, want 1", calls)
			}
			checkGolden(t, tc.name, formatExchange(req, resp, body, host))
		})
	}
}

// The Content-Type is the source's own, whatever its name says, and a
// source without one is served as opaque bytes: never sniffed.
func TestContentTypeFromSource(t *testing.T) {
	tests := []struct{ name, ctype, want string }{
		{"movie.mkv", "video/webm", "video/webm"},
		{"notes.txt", "", "application/octet-stream"},
		{"page.html", "", "application/octet-stream"},
	}
	for _, tc := range tests {
		src := &fakeSource{name: tc.name, size: 10, ctype: tc.ctype}
		rec := httptest.NewRecorder()
		Handler(nil, src).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/0/"+tc.name, nil))
		if got := rec.Header().Get("Content-Type"); rec.Code != http.StatusOK || got != tc.want {
			t.Errorf("%s with type %q: status %d, Content-Type %q; want 200, %q", tc.name, tc.ctype, rec.Code, got, tc.want)
		}
	}
}
