package media

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

func TestIsVideo(t *testing.T) {
	for _, n := range []string{"a.mkv", "A.MP4", "x/y.m4v", "a.avi", "a.mov", "a.webm", "a.ts", "a.m2ts", "a.mpg", "a.mpeg", "a.wmv", "a.flv", "a.ogv", "a.3gp"} {
		if !IsVideo(n) {
			t.Errorf("IsVideo(%q) = false", n)
		}
	}
	for _, n := range []string{"", "mkv", "a.srt", "a.mkv.part", "a.mp3", "a.nfo", "mkv/readme"} {
		if IsVideo(n) {
			t.Errorf("IsVideo(%q) = true", n)
		}
	}
}

func TestIsSubtitle(t *testing.T) {
	for _, n := range []string{"a.srt", "A.EN.SRT", "x/y.ass", "a.ssa", "a.vtt", "a.sub"} {
		if !IsSubtitle(n) {
			t.Errorf("IsSubtitle(%q) = false", n)
		}
	}
	for _, n := range []string{"", "srt", "a.mkv", "a.srt.part", "a.txt", "subs/readme"} {
		if IsSubtitle(n) {
			t.Errorf("IsSubtitle(%q) = true", n)
		}
	}
}
