package player

import (
	"io"
	"strings"
	"sync"
)

// TailLines is how many of its last lines of output a player's ExitError keeps.
const TailLines = 8

// tailLineMax bounds one kept line, in bytes: a player that writes a megabyte without a newline
// costs no more than a short line.
const tailLineMax = 512

// tail keeps the last TailLines non-blank lines written to its writers, for the error that says
// why a player failed. It is safe for concurrent use: the player's stdout and stderr each get a
// writer of their own, and their lines land in one ring in the order they were completed.
type tail struct {
	mu    sync.Mutex
	lines [TailLines]string
	n     int // lines kept so far, all time; the ring's next slot is n%TailLines
	open  []*tailWriter
}

// writer returns a writer whose lines go to t and whose bytes go on to pass as well, unchanged
// (pass nil: the bytes go nowhere else).
func (t *tail) writer(pass io.Writer) *tailWriter {
	w := &tailWriter{t: t, pass: pass}
	t.mu.Lock()
	t.open = append(t.open, w)
	t.mu.Unlock()
	return w
}

// last returns the kept lines, oldest first, with each writer's unfinished last line after them.
// Call it once the writers are done with (after the command's Wait).
func (t *tail) last() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, w := range t.open {
		w.flush()
	}
	k := min(t.n, TailLines)
	out := make([]string, 0, k)
	for i := t.n - k; i < t.n; i++ {
		out = append(out, t.lines[i%TailLines])
	}
	return out
}

// add keeps line, unless it is blank. t.mu is held.
func (t *tail) add(line string) {
	if strings.TrimSpace(line) == "" {
		return
	}
	t.lines[t.n%TailLines] = line
	t.n++
}

// tailWriter splits one stream into lines for its tail, as a terminal would show them: a line
// ends at "\n" or "\r\n", and a lone "\r" (a status line redrawn in place, as mpv's) starts the
// line over, so that only the last redraw is kept.
type tailWriter struct {
	t    *tail
	pass io.Writer
	cur  []byte // the line so far, at most tailLineMax bytes
	cr   bool   // the last byte was a "\r"
}

// Write passes p on, then takes its lines. It never fails: a player must not die of its
// output going nowhere.
func (w *tailWriter) Write(p []byte) (int, error) {
	if w.pass != nil {
		_, _ = w.pass.Write(p)
	}
	w.t.mu.Lock()
	defer w.t.mu.Unlock()
	for _, b := range p {
		if w.cr && b != '\n' {
			w.cur = w.cur[:0] // a redraw: the line starts over
		}
		w.cr = false
		switch b {
		case '\n':
			w.t.add(string(w.cur))
			w.cur = w.cur[:0]
		case '\r':
			w.cr = true
		default:
			if len(w.cur) < tailLineMax {
				w.cur = append(w.cur, b)
			}
		}
	}
	return len(p), nil
}

// flush keeps the unfinished line. w.t.mu is held.
func (w *tailWriter) flush() {
	w.t.add(string(w.cur))
	w.cur, w.cr = w.cur[:0], false
}
