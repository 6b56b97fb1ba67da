package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
)

// humanBytes spells a size for people: 300 KiB, 1.5 GiB.
func humanBytes(n int64) string { return humanize.IBytes(uint64(max(n, 0))) }

// humanRate spells a rate in bytes per second: 2.0 MiB/s.
func humanRate(bps float64) string { return humanize.IBytes(uint64(max(bps, 0))) + "/s" }

// clock spells a play position as players show it: 4:05, 1:02:03.
func clock(d time.Duration) string {
	s := int64(max(d, 0) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// oneLine keeps a message on one line, whatever a torrent's names hold.
func oneLine(s string) string { return safeText(s) }

// safeText escapes control characters so that names from a torrent cannot
// move the cursor, clear the screen or forge lines on a terminal.
func safeText(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' || r == '\ufffd' {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// newJSONEncoder is the one JSON encoder btstream writes with: scripts get
// a magnet's & as &, not \u0026 (json's default escapes &, < and > for
// HTML pages).
func newJSONEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}
