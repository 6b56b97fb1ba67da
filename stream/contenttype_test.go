package stream

import "testing"

func TestContentType(t *testing.T) {
	cases := map[string]string{
		"Big Buck Bunny.mkv": "video/x-matroska",
		"a.MP4":              "video/mp4",
		"a.m4v":              "video/mp4",
		"a.WebM":             "video/webm",
		"a.avi":              "video/x-msvideo",
		"a.mov":              "video/quicktime",
		"a.ts":               "video/mp2t",
		"a.m2ts":             "video/mp2t",
		"a.mpg":              "video/mpeg",
		"a.mpeg":             "video/mpeg",
		"a.wmv":              "video/x-ms-wmv",
		"a.flv":              "video/x-flv",
		"a.ogv":              "video/ogg",
		"a.3gp":              "video/3gpp",
		"a.en.srt":           "application/x-subrip",
		"a.vtt":              "text/vtt",
		"a.ass":              "text/x-ssa",
		"a.SSA":              "text/x-ssa",
		"a.sub":              "text/plain",
		"a.txt":              "application/octet-stream",
		"a.html":             "application/octet-stream",
		"mkv":                "application/octet-stream",
		"a.mkv.part":         "application/octet-stream",
		"":                   "application/octet-stream",
	}
	for name, want := range cases {
		if got := ContentType(name); got != want {
			t.Errorf("ContentType(%q) = %q, want %q", name, got, want)
		}
	}
}
