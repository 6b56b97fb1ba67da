package stream

import (
	"path"
	"strings"
)

// contentTypes maps lower-case extensions to media types. The standard
// library's table has no video types and the system mime.types varies by
// machine, so the types players care about are listed here.
var contentTypes = map[string]string{
	".mkv":  "video/x-matroska",
	".mp4":  "video/mp4",
	".m4v":  "video/mp4",
	".webm": "video/webm",
	".avi":  "video/x-msvideo",
	".mov":  "video/quicktime",
	".ts":   "video/mp2t",
	".m2ts": "video/mp2t",
	".mpg":  "video/mpeg",
	".mpeg": "video/mpeg",
	".wmv":  "video/x-ms-wmv",
	".flv":  "video/x-flv",
	".ogv":  "video/ogg",
	".3gp":  "video/3gpp",
	".srt":  "application/x-subrip",
	".vtt":  "text/vtt",
	".ass":  "text/x-ssa",
	".ssa":  "text/x-ssa",
	".sub":  "text/plain",
}

// ContentType returns the media type for name, chosen by its extension in
// any case, and "application/octet-stream" for anything else. It never looks
// at content: sniffing would read the first bytes, which for a torrent means
// waiting for piece 0 even on a request for the tail.
func ContentType(name string) string {
	if t, ok := contentTypes[strings.ToLower(path.Ext(name))]; ok {
		return t
	}
	return "application/octet-stream"
}
