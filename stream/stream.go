// Package stream serves seekable sources over HTTP with Range support, for a
// media player on the same machine (or, on a non-loopback address, on the
// LAN: see Server.LANURLs).
//
// Each source is served at "/{i}/{escaped name}", or at
// "/{key}/{escaped name}" when it is [Keyed], and all of them as an
// extended M3U playlist at "/playlist.m3u". Only GET and HEAD are served.
// Byte ranges, conditional requests and If-Range are handled by
// [http.ServeContent]; this package adds what a torrent-backed source needs
// on top of it: an explicit Content-Type, the source's, so the first bytes
// are never sniffed, a reader opened only when bytes are actually sent, one reader per
// request tied to the request's context and always closed, and a shutdown
// that is bounded even while a player holds a stream open.
//
// Range requests follow RFC 9110 section 14: a single byte range gets a
// 206; a range that starts at or past the end (VLC's "bytes=SIZE-") or an
// invalid one gets a 416 with "Content-Range: bytes */SIZE"; a unit other
// than bytes, a Range on HEAD, and a set of ranges that does not coalesce
// into one span are ignored (200, whole file). Multipart/byteranges is
// never sent. ranges.go records the reasons.
//
// A server bound to loopback answers only requests whose Host is an IP
// literal or localhost, so a web page cannot read the stream through DNS
// rebinding.
//
// It does not cache, transcode or rate-limit, and it never sends internal
// error text to clients.
package stream

import (
	"context"
	"io"
)

// Source is what stream needs of a file; it is defined here, where it is
// consumed.
type Source interface {
	// Name is the base name, shown in the URL and the playlist.
	Name() string
	// ContentType is the media type sent as Content-Type, e.g. "video/mp4";
	// "" sends "application/octet-stream". The caller decides it, from the
	// name say: stream never sniffs content, which for a torrent would wait
	// for the first piece even on a request for the tail.
	ContentType() string
	// Size is the length in bytes. It is authoritative: Range requests are
	// evaluated against it without opening the source.
	Size() int64
	// ETag is a strong validator, already quoted, e.g. `"3f2a...-0"`;
	// "" means none.
	ETag() string
	// Open returns an independent reader positioned at 0. Reads must return
	// promptly with ctx.Err() once ctx is done. Each HTTP request opens and
	// closes its own reader, and only if it sends bytes.
	Open(ctx context.Context) (io.ReadSeekCloser, error)
}

// Keyed is a Source with a place of its own in the URL space: it is served
// at "/{key}/{escaped name}" instead of "/{i}/{escaped name}", so that its
// URL does not depend on the other sources or their order. Players that
// resume where they stopped (mpv's save-position-on-quit, VLC's continue
// playback) key on the URL, so a caller that gives the same key to the same
// content every time gets resume across runs.
type Keyed interface {
	Source
	// Key is one or more path segments joined by "/" ("abc/3"), not
	// escaped; stream escapes each segment. An empty key, or one with an
	// empty segment, is ignored and the source served at its index. As with
	// the index, only the key is matched: the name is cosmetic.
	Key() string
}
