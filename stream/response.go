package stream

import (
	"net/http"
	"strconv"
)

// response holds back the status line that http.ServeContent writes until
// the body is known to be available: until the source has been opened, the
// first body byte is written, or the handler ends. The source is opened
// lazily, after ServeContent has chosen 200 or 206, so without this an Open
// failure could no longer become a 503. It also gives every 416 a
// "Content-Range: bytes */SIZE" (RFC 9110 section 15.5.17), which
// ServeContent omits for an invalid range.
type response struct {
	http.ResponseWriter
	size      int64 // of the source, for the Content-Range of a 416
	code      int   // pending or sent status; 0 until WriteHeader
	committed bool
	written   int64
}

// WriteHeader records code; it is sent by commit.
func (w *response) WriteHeader(code int) {
	if w.committed || w.code != 0 {
		return
	}
	if code < 200 { // informational responses are not held back
		w.ResponseWriter.WriteHeader(code)
		return
	}
	if code == http.StatusRequestedRangeNotSatisfiable && w.Header().Get("Content-Range") == "" {
		w.Header().Set("Content-Range", "bytes */"+strconv.FormatInt(w.size, 10))
	}
	w.code = code
}

// Write commits the status, then writes p.
func (w *response) Write(p []byte) (int, error) {
	w.commit()
	n, err := w.ResponseWriter.Write(p)
	w.written += int64(n)
	return n, err
}

// commit sends the pending status, 200 if none was set. It is idempotent.
func (w *response) commit() {
	if w.committed {
		return
	}
	w.committed = true
	if w.code == 0 {
		w.code = http.StatusOK
	}
	w.ResponseWriter.WriteHeader(w.code)
}

// flushHeader commits the status and sends it with the headers now,
// rather than with the first buffered body bytes.
func (w *response) flushHeader() {
	w.commit()
	// An error means the writer cannot flush (httptest recorders can) or the
	// client is gone; either way the body write that follows reports it.
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// fail replaces an uncommitted response by a plain-text error. It reports
// false if the status was already sent.
func (w *response) fail(text string, code int) bool {
	if w.committed {
		return false
	}
	h := w.Header()
	for _, k := range []string{"Accept-Ranges", "Content-Range", "Etag"} {
		h.Del(k)
	}
	w.code = 0
	http.Error(w, text, code)
	return true
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *response) Unwrap() http.ResponseWriter { return w.ResponseWriter }
