package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/btstream/btstream/torrentutil"
)

func TestFitFields(t *testing.T) {
	fs := []statusField{{"120/700 MiB", 2}, {"3.1 MiB/s (need 1.2)", 1}, {"12 s ahead", 0}, {"2 peers", 3}}
	tests := []struct {
		width int
		want  string
	}{
		{80, "120/700 MiB · 3.1 MiB/s (need 1.2) · 12 s ahead · 2 peers"},
		{50, "120/700 MiB · 3.1 MiB/s (need 1.2) · 12 s ahead"},
		{40, "3.1 MiB/s (need 1.2) · 12 s ahead"},
		{20, "12 s ahead · 2 peers"},
		{16, "12 s ahead"},
		{6, "12 s …"},
	}
	for _, tt := range tests {
		if got := fitFields(fs, tt.width); got != tt.want {
			t.Errorf("width %d: %q, want %q", tt.width, got, tt.want)
		}
		if got := fitFields(fs, tt.width); columns(got) > tt.width {
			t.Errorf("width %d: %q is %d columns", tt.width, got, columns(got))
		}
	}
}

func TestStatusFields(t *testing.T) {
	join := func(fs []statusField) string { return fitFields(fs, 1000) }
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"bitrate unknown", join(playFields(torrentutil.Progress{Completed: 3 << 20, Size: 700 << 20, Rate: 3 << 20, Peers: 1, Ahead: 5 * time.Second}, time.Time{})),
			"3.0/700 MiB · 3.0 MiB/s (need ?) · ? s ahead · 1 peer"},
		{"bitrate known, one unit", join(playFields(torrentutil.Progress{Completed: 512 << 10, Size: 700 << 20, Rate: 3 << 20, Bitrate: 1 << 20, BitrateKnown: true, Peers: 2, Ahead: 12 * time.Second}, time.Time{})),
			"512 KiB/700 MiB · 3.0 MiB/s (need 1.0) · 12 s ahead · 2 peers"},
		{"rate below a MiB/s", join(playFields(torrentutil.Progress{Completed: 1, Size: 2, Rate: 500 << 10, Bitrate: 1 << 20, BitrateKnown: true}, time.Time{})),
			"1/2 B · 500 KiB/s (need 1.0 MiB/s) · 0 s ahead · 0 peers"},
		{"the player waits", join(playFields(torrentutil.Progress{Completed: 1, Size: 2, Rate: 500 << 10, Bitrate: 1 << 20, BitrateKnown: true, Peers: 2}, time.Now().Add(-3*time.Second))),
			"player waits 3 s · 500 KiB/s (need 1.0 MiB/s) · 2 peers · 1/2 B"},
		{"complete", join(playFields(torrentutil.Progress{Completed: 700 << 20, Size: 700 << 20}, time.Time{})),
			"700 MiB · download complete"},
		{"index and head together", join(startFields(torrentutil.Progress{Index: 1 << 20, IndexMissing: 512 << 10, Want: 1 << 20, Buffered: 0, Rate: 512 << 10, Peers: 3})),
			"buffering · 512 KiB/2.0 MiB · start in ~3 s · 512 KiB/s · 3 peers"},
		{"no rate yet", join(startFields(torrentutil.Progress{Want: 1 << 20})),
			"buffering · 0 B/1.0 MiB · start in ? s · 0 B/s · 0 peers"},
		{"metadata", join(metaFields(torrentutil.MetaStatus{Elapsed: 3500 * time.Millisecond, Peers: 1, Known: 10})),
			"fetching metadata · 3 s · 1 peer · 10 known"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

// Every status line progressbar draws, with the longest fields, leaves the
// terminal's last column free: the layout's arithmetic matches the
// library's format.
func TestStatusLineWidth(t *testing.T) {
	long := []statusField{{strings.Repeat("x", 300), 0}}
	for _, cols := range []int{30, 60, 80, 200} {
		for _, kind := range []barKind{metaBar, startBar, playBar} {
			var buf bytes.Buffer
			desc := fitFields(long, fieldsWidth(kind, cols))
			b := newBar(&buf, kind, 100, cols, desc)
			b.Describe(desc)
			b.Set64(42)
			line := strings.TrimSuffix(strings.TrimPrefix(b.String(), "\r"), "\x1b[0K")
			if w := columns(line); w != cols-1 {
				t.Errorf("%d columns, kind %d: line of %d columns, want %d: %q", cols, kind, w, cols-1, line)
			}
		}
	}
}

// A log line or a note goes above the status line: the status line is
// taken off first and drawn again after, so that neither runs into the
// other.
func TestLinesAboveStatus(t *testing.T) {
	var buf bytes.Buffer
	u := &ui{stderr: &buf, tty: true}
	p := torrentutil.Progress{Completed: 1 << 20, Size: 4 << 20, Rate: 1 << 20, Peers: 1}
	u.status(playBar, p.Completed, p.Size, playFields(p, time.Time{}))
	status := u.bar.String()
	for _, write := range []func(){
		func() { u.logLines().Write([]byte("time=now level=WARN msg=x\n")) },
		func() { u.note("a note") },
	} {
		buf.Reset()
		write()
		out := buf.String()
		if !strings.HasPrefix(out, "\x1b[2K\r") || !strings.HasSuffix(out, "\n"+status) {
			t.Errorf("wrote %q; want the status line cleared, the line, and the status line %q again", out, status)
		}
	}
	buf.Reset()
	u.close()
	if buf.String() != "\n" {
		t.Errorf("close wrote %q; want the download's line kept, and a new line", buf.String())
	}
}
