package main

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/btstream/btstream/torrentutil"
)

// The status line is one line on stderr, drawn again in place while
// btstream works, when stderr is a terminal. It never wraps: its fields are
// laid out for the terminal's width, measured at every redraw, and the
// least important ones are left out when they do not fit.

// barKind is what the status line shows.
type barKind int

const (
	metaBar  barKind = iota + 1 // a spinner while the metadata arrives
	startBar                    // the way to the start: the index and the head
	playBar                     // the download while the stream plays
)

// statusField is one field of the status line. The line keeps rank 0
// first, then 1, and so on while they fit, and shows them in their order.
type statusField struct {
	text string
	rank int
}

const fieldSep = " · "

// fitFields joins the fields that fit in width columns. The field of rank
// 0 is always there, shortened with … when it alone is too wide.
func fitFields(fs []statusField, width int) string {
	keep := make([]bool, len(fs))
	used := 0
	for rank := 0; rank <= len(fs); rank++ {
		for i, f := range fs {
			if f.rank != rank {
				continue
			}
			w := columns(f.text)
			if used > 0 {
				w += columns(fieldSep)
			}
			if used+w <= width || used == 0 {
				keep[i], used = true, used+w
			}
		}
	}
	var parts []string
	for i, f := range fs {
		if keep[i] {
			parts = append(parts, f.text)
		}
	}
	s := strings.Join(parts, fieldSep)
	if columns(s) > width {
		r := []rune(s)
		s = string(r[:max(width-1, 0)]) + "…"
	}
	return s
}

// columns is the width of s on a terminal: every character of the status
// line takes one column.
func columns(s string) int { return utf8.RuneCountInString(s) }

// The extra columns of progressbar's lines (v3.19.1) around the fields,
// the description: "⠋ " + fields + "  " for the spinner; "%4d%% |" + bar +
// "|  " + fields + " " for a bar with its description at the line's end.
const (
	spinnerExtra = 4
	barExtra     = 11
)

// barWidth is the width of the bar itself on a terminal of cols columns.
func barWidth(cols int) int { return min(max(cols/10, 6), 20) }

// fieldsWidth is the room for the fields of a status line of kind on a
// terminal of cols columns. The last column stays empty: a line that fills
// it leaves the cursor waiting to wrap, where erasing the rest of the line
// takes the last character.
func fieldsWidth(kind barKind, cols int) int {
	if kind == metaBar {
		return cols - 1 - spinnerExtra
	}
	return cols - 1 - barExtra - barWidth(cols)
}

// minFields is the narrowest room worth a status line.
const minFields = 12

func metaFields(s torrentutil.MetaStatus) []statusField {
	return []statusField{
		{"fetching metadata", 0},
		{fmt.Sprintf("%d s", int(s.Elapsed.Seconds())), 1},
		{count(s.Peers, "peer"), 2},
		{fmt.Sprintf("%d known", s.Known), 3},
	}
}

// startProgress is the way to the start: the index the player reads first
// and the start buffer, together.
func startProgress(p torrentutil.Progress) (done, total int64) {
	return p.Index - p.IndexMissing + min(p.Buffered, p.Want), p.Index + p.Want
}

func startFields(p torrentutil.Progress) []statusField {
	done, total := startProgress(p)
	eta := "?"
	if p.Rate > 0 {
		eta = fmt.Sprintf("~%.0f", math.Ceil(float64(total-done)/p.Rate))
	}
	return []statusField{
		{"buffering", 0},
		{humanOf(done, total), 2},
		{"start in " + eta + " s", 1},
		{humanRate(p.Rate), 4},
		{count(p.Peers, "peer"), 3},
	}
}

// playFields is the status line while the player plays; stalledAt, when
// not zero, is when it began to wait for its cache.
func playFields(p torrentutil.Progress, stalledAt time.Time) []statusField {
	if !stalledAt.IsZero() {
		return []statusField{
			{fmt.Sprintf("player waits %.0f s", time.Since(stalledAt).Seconds()), 0},
			{humanRate(p.Rate) + " (need " + need(p) + ")", 1},
			{count(p.Peers, "peer"), 2},
			{humanOf(p.Completed, p.Size), 3},
		}
	}
	if p.Completed >= p.Size {
		return []statusField{{humanBytes(p.Size), 1}, {"download complete", 0}}
	}
	ahead := "?"
	if p.BitrateKnown {
		ahead = fmt.Sprintf("%.0f", p.Ahead.Seconds())
	}
	return []statusField{
		{humanOf(p.Completed, p.Size), 2},
		{humanRate(p.Rate) + " (need " + need(p) + ")", 1},
		{ahead + " s ahead", 0},
		{count(p.Peers, "peer"), 3},
	}
}

// need spells the rate the stream needs, without its unit when the rate
// shown beside it has the same: 3.1 MiB/s (need 1.2); "?" while unknown.
func need(p torrentutil.Progress) string {
	if !p.BitrateKnown {
		return "?"
	}
	n := humanRate(p.Bitrate)
	if v, unit, ok := strings.Cut(n, " "); ok && strings.HasSuffix(humanRate(p.Rate), " "+unit) {
		return v
	}
	return n
}

// humanOf spells n of total bytes: 3.1/7.5 MiB, 512 KiB/7.5 MiB.
func humanOf(n, total int64) string {
	a, b := humanBytes(n), humanBytes(total)
	if an, unit, ok := strings.Cut(a, " "); ok && strings.HasSuffix(b, " "+unit) {
		a = an
	}
	return a + "/" + b
}

// count spells n things: 1 peer, 2 peers.
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
