package media

import (
	"path"
	"strings"
)

// kind is what btstream knows of one file extension.
type kind struct {
	video, subtitle bool
	contentType     string // the media type the file is served as
}

// kinds maps lower-case extensions to their kind: the one table of the
// files btstream plays. The standard library's table of media types has no
// video types and the system mime.types varies by machine, so the types
// players care about are listed here.
var kinds = map[string]kind{
	".mkv":  {video: true, contentType: "video/x-matroska"},
	".mp4":  {video: true, contentType: "video/mp4"},
	".m4v":  {video: true, contentType: "video/mp4"},
	".webm": {video: true, contentType: "video/webm"},
	".avi":  {video: true, contentType: "video/x-msvideo"},
	".mov":  {video: true, contentType: "video/quicktime"},
	".ts":   {video: true, contentType: "video/mp2t"},
	".m2ts": {video: true, contentType: "video/mp2t"},
	".mpg":  {video: true, contentType: "video/mpeg"},
	".mpeg": {video: true, contentType: "video/mpeg"},
	".wmv":  {video: true, contentType: "video/x-ms-wmv"},
	".flv":  {video: true, contentType: "video/x-flv"},
	".ogv":  {video: true, contentType: "video/ogg"},
	".3gp":  {video: true, contentType: "video/3gpp"},
	".srt":  {subtitle: true, contentType: "application/x-subrip"},
	".vtt":  {subtitle: true, contentType: "text/vtt"},
	".ass":  {subtitle: true, contentType: "text/x-ssa"},
	".ssa":  {subtitle: true, contentType: "text/x-ssa"},
	".sub":  {subtitle: true, contentType: "text/plain"},
}

// kindOf looks name's extension up, in any case.
func kindOf(name string) kind { return kinds[strings.ToLower(path.Ext(name))] }

// IsVideo reports whether name has a video extension (mkv mp4 m4v avi mov
// webm ts m2ts mpg mpeg wmv flv ogv 3gp), in any case.
func IsVideo(name string) bool { return kindOf(name).video }

// IsSubtitle reports whether name has a subtitle extension (srt ass ssa vtt
// sub), in any case.
func IsSubtitle(name string) bool { return kindOf(name).subtitle }

// ContentType returns the media type for name, chosen by its extension in
// any case, and "application/octet-stream" for anything else. It never looks
// at content: sniffing would read the first bytes, which for a torrent means
// waiting for piece 0 even on a request for the tail.
func ContentType(name string) string {
	if t := kindOf(name).contentType; t != "" {
		return t
	}
	return "application/octet-stream"
}
