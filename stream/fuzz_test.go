package stream

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRange sends GETs with arbitrary Range and If-Range headers to Handler
// over a small source and checks the response against the source bytes.
// Seeds are the Range and If-Range values of the handler table.
func FuzzRange(f *testing.F) {
	for _, tc := range handlerCases {
		if r, ok := tc.header["Range"]; ok {
			f.Add(r, tc.header["If-Range"])
		}
	}
	f.Add("bytes=0-0,-1", "")
	f.Add("bytes=299-", movieETag)
	f.Add("bytes= 1-2 ,\t3-4", "")

	const size = 300
	f.Fuzz(func(t *testing.T, rangeHeader, ifRange string) {
		src := &fakeSource{name: "f.mkv", size: size, etag: movieETag}
		req := httptest.NewRequest(http.MethodGet, "/0/f.mkv", nil)
		req.Header.Set("Range", rangeHeader)
		if ifRange != "" {
			req.Header.Set("If-Range", ifRange)
		}
		rec := httptest.NewRecorder()
		Handler(nil, src).ServeHTTP(rec, req)

		body := rec.Body.Bytes()
		h := rec.Header()
		if ct := h.Get("Content-Type"); strings.HasPrefix(ct, "multipart/") {
			t.Fatalf("Content-Type %q: multi-range requests must not reach ServeContent", ct)
		}
		if src.open() != 0 {
			t.Fatalf("%d readers left open", src.open())
		}
		switch rec.Code {
		case http.StatusOK:
			if !bytes.Equal(body, pattern(0, size)) {
				t.Fatalf("200 body is %d bytes, not the whole source", len(body))
			}
		case http.StatusPartialContent:
			var first, last, total int64
			cr := h.Get("Content-Range")
			if _, err := fmt.Sscanf(cr, "bytes %d-%d/%d", &first, &last, &total); err != nil {
				t.Fatalf("206 with Content-Range %q: %v", cr, err)
			}
			if total != size || first < 0 || first > last || last >= size {
				t.Fatalf("206 with Content-Range %q outside the source", cr)
			}
			if !bytes.Equal(body, pattern(first, last+1)) {
				t.Fatalf("206 body (%d bytes) is not the slice named by %q", len(body), cr)
			}
		case http.StatusRequestedRangeNotSatisfiable:
			if cr := h.Get("Content-Range"); cr != fmt.Sprintf("bytes */%d", size) {
				t.Fatalf("416 with Content-Range %q", cr)
			}
			if src.calls.Load() != 0 {
				t.Fatal("416 opened the source")
			}
		default:
			t.Fatalf("status %d for Range %q, If-Range %q", rec.Code, rangeHeader, ifRange)
		}
	})
}
