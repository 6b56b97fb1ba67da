package stream

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// playlistPath is where the extended M3U of all sources is served.
const playlistPath = "/playlist.m3u"

// Handler returns the routes for srcs, for use with httptest or any
// http.Server:
//
//   - "/{i}/{name}" serves source i (also "/{i}" and "/{i}/"), or
//     "/{key}/{name}" if source i is Keyed. The name part is cosmetic, for
//     players that show it; only the index or key is matched, and an unknown
//     one is 404.
//   - "/playlist.m3u" serves an extended M3U listing every source in order,
//     titled by name, with absolute URLs built from the request's Host.
//   - Any other path is 404. Methods other than GET and HEAD are 405 with
//     "Allow: GET, HEAD".
//
// A nil log discards. Requests are logged at Debug; failures of a source at
// Warn, never to the client, which gets "stream unavailable" (503) if the
// source cannot be opened.
func Handler(log *slog.Logger, srcs ...Source) http.Handler {
	return newHandler(log, 0, srcs)
}

// newHandler is Handler whose playlist lists the first listed sources
// only (0: all).
func newHandler(log *slog.Logger, listed int, srcs []Source) *handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if listed <= 0 || listed > len(srcs) {
		listed = len(srcs)
	}
	h := &handler{log: log, srcs: slices.Clone(srcs), listed: listed}
	for i, src := range h.srcs {
		h.keys = append(h.keys, sourceKey(i, src))
	}
	return h
}

type handler struct {
	log    *slog.Logger
	srcs   []Source
	keys   []string // keys[i] is where srcs[i] is served: its Key, or i
	listed int      // the playlist lists srcs[:listed]
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var serve func(http.ResponseWriter, *http.Request)
	if r.URL.Path == playlistPath {
		serve = h.servePlaylist
	} else if i, ok := h.sourceIndex(r.URL.Path); ok {
		serve = func(w http.ResponseWriter, r *http.Request) { h.serveSource(w, r, h.srcs[i]) }
	} else {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	serve(w, r)
}

// sourceIndex finds the source of "/{key}", "/{key}/" or
// "/{key}/{anything}", where key is a source's Key or its index in
// canonical decimal ("7", not "07" or "+7"). The first source wins.
func (h *handler) sourceIndex(path string) (int, bool) {
	rest, ok := strings.CutPrefix(path, "/")
	if !ok {
		return 0, false
	}
	for i, key := range h.keys {
		if after, ok := strings.CutPrefix(rest, key); ok && (after == "" || after[0] == '/') {
			return i, true
		}
	}
	return 0, false
}

// sourceKey is where source i is served: its Key when it has a valid one,
// else its index.
func sourceKey(i int, src Source) string {
	if k, ok := src.(Keyed); ok {
		key := k.Key()
		if key != "" && !slices.Contains(strings.Split(key, "/"), "") {
			return key
		}
	}
	return strconv.Itoa(i)
}

// serveSource serves one source with http.ServeContent. See lazyReader
// for when the source is opened and response for why the status is held
// back until then.
func (h *handler) serveSource(w http.ResponseWriter, r *http.Request, src Source) {
	rw := &response{ResponseWriter: w, size: src.Size()}
	hdr := rw.Header()
	ctype := src.ContentType()
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	hdr.Set("Content-Type", ctype) // set, so ServeContent never sniffs
	hdr.Set("Accept-Ranges", "bytes")
	if etag := src.ETag(); etag != "" {
		hdr.Set("Etag", etag)
	}

	req := r
	if values := r.Header.Values("Range"); values != nil {
		req = r.Clone(r.Context()) // handlers must not modify the request
		req.Header.Del("Range")
		if v, keep := canonicalRange(r.Method, values, src.Size()); keep {
			req.Header.Set("Range", v)
		}
	}

	// Once the source is open, send the status and headers at once: the
	// player learns the length even while the first bytes are still on
	// their way from the swarm.
	lr := newLazyReader(r.Context(), src, rw.flushHeader)
	defer func() {
		if err := lr.Close(); err != nil {
			h.log.Warn("close stream", "err", err)
		}
	}()
	http.ServeContent(rw, req, src.Name(), time.Time{}, lr)

	gone := r.Context().Err() != nil
	switch {
	case lr.openErr != nil:
		h.logFailure(gone, "stream unavailable", lr.openErr)
		rw.fail("stream unavailable", http.StatusServiceUnavailable)
	case lr.readErr != nil:
		h.logFailure(gone, "stream interrupted", lr.readErr)
	}
	rw.commit()
	h.log.Debug("request", "method", r.Method, "path", r.URL.Path, "range", r.Header.Get("Range"),
		"status", rw.code, "bytes", rw.written, "opened", lr.opened())
}

// logFailure logs a source failure: at Debug if the client had gone (the
// error is then the cancellation it caused), at Warn otherwise.
func (h *handler) logFailure(clientGone bool, msg string, err error) {
	if clientGone || errors.Is(err, context.Canceled) {
		h.log.Debug(msg, "err", err)
		return
	}
	h.log.Warn(msg, "err", err)
}

// servePlaylist writes "#EXTM3U" and, per source, "#EXTINF:-1,NAME" and
// its absolute URL.
func (h *handler) servePlaylist(w http.ResponseWriter, r *http.Request) {
	base := "http://" + requestHost(r)
	var b strings.Builder
	b.WriteString("#EXTM3U\n")
	for i, src := range h.srcs[:h.listed] {
		b.WriteString("#EXTINF:-1," + playlistTitle(src.Name()) + "\n")
		b.WriteString(base + sourcePath(h.keys[i], src.Name()) + "\n")
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "audio/x-mpegurl")
	hdr.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	if _, err := w.Write([]byte(b.String())); err != nil {
		h.log.Debug("write playlist", "err", err)
	}
}

// requestHost is the host the client used, or the local address if the
// request carried no Host (HTTP/1.0).
func requestHost(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		return a.String()
	}
	return "localhost"
}

// sourcePath is the path of the source at key: "/{escaped key}/{escaped
// name}", each segment of the key escaped on its own.
func sourcePath(key, name string) string {
	var b strings.Builder
	for seg := range strings.SplitSeq(key, "/") {
		b.WriteString("/" + url.PathEscape(seg))
	}
	return b.String() + "/" + url.PathEscape(name)
}

// playlistTitle keeps a name on one line of the playlist.
func playlistTitle(name string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(name)
}
