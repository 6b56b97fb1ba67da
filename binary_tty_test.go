package main

import (
	"bytes"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"unicode/utf8"

	"github.com/creack/pty"

	"github.com/btstream/btstream/torrentutil"
	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// screen is the little of a terminal that btstream's status line uses:
// one line at a time, \r, \n, erase in line (CSI K, CSI 2K) and the cursor
// moves progressbar may write. It records the widest any line got, whether
// a line ran past the right margin, and the lines written.
type screen struct {
	cols    int
	lines   []string // lines ended by \n
	cur     []rune
	col     int
	widest  int
	wrapped string // the first line that ran past the margin
}

func (s *screen) write(b []byte) {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		b = b[n:]
		switch {
		case r == '\r':
			s.col = 0
		case r == '\n':
			s.lines = append(s.lines, strings.TrimRight(string(s.cur), " "))
			s.cur, s.col = nil, 0
		case r == '\b':
			s.col = max(s.col-1, 0)
		case r == 0x1b && len(b) > 0 && b[0] == '[':
			end := bytes.IndexFunc(b[1:], func(r rune) bool { return r >= 0x40 && r <= 0x7e })
			if end < 0 {
				return
			}
			param, final := string(b[1:1+end]), b[1+end]
			b = b[2+end:]
			n, err := strconv.Atoi(param)
			if err != nil {
				n = 0
			}
			switch final {
			case 'K':
				switch n {
				case 0:
					s.cur = s.cur[:min(s.col, len(s.cur))]
				case 2:
					s.cur = nil
				}
			case 'G':
				s.col = max(n-1, 0)
			case 'C':
				s.col += max(n, 1)
			case 'D':
				s.col = max(s.col-max(n, 1), 0)
			}
		case r < 0x20:
		default:
			if s.col >= s.cols && s.wrapped == "" {
				s.wrapped = string(s.cur)
			}
			for len(s.cur) <= s.col {
				s.cur = append(s.cur, ' ')
			}
			s.cur[s.col] = r
			s.col++
			s.widest = max(s.widest, s.col)
		}
	}
}

// screenText is what is on the screen now, line by line.
func (s *screen) text() []string {
	return append(append([]string{}, s.lines...), strings.TrimRight(string(s.cur), " "))
}

// ttyRun runs the real binary with its stderr on a pseudo-terminal of cols
// columns, and feeds what it writes there to a screen. until, called with
// the screen and the terminal's master at every write, says when to send
// SIGINT; nil sends none. stdout goes to a buffer.
func ttyRun(t *testing.T, cols int, until func(*screen, *os.File) bool, args ...string) (*screen, int, string) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: uint16(cols)}); err != nil {
		t.Fatal(err)
	}
	cmd := btstreamCmd(t, t.TempDir(), args...)
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, tty
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close() // the child has its own
	guard(t, cmd)
	scr := &screen{cols: cols}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 4096)
		signalled := until == nil
		for {
			n, err := ptmx.Read(buf)
			scr.write(buf[:n])
			if !signalled && until(scr, ptmx) {
				signalled = true
				cmd.Process.Signal(syscall.SIGINT)
			}
			if err != nil { // EIO once the child is gone
				return
			}
		}
	}()
	code := exitCode(cmd.Wait())
	wg.Wait()
	return scr, code, stdout.String()
}

// Under an 80- and a 60-column terminal, every frame of the status line
// fits, from the way to the start to the end of the download, and the last
// one stays on screen when the download is complete.
func TestBinaryStatusLineFits(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("pseudo-terminals")
	}
	path := torrenttest.WriteFile(t, t.TempDir(), "movie.mp4", torrenttest.Pattern(3<<20))
	s := seedPath(t, path, torrentutil.Config{UploadRate: 1 << 20})
	for _, cols := range []int{80, 60} {
		t.Run(strconv.Itoa(cols), func(t *testing.T) {
			var buffering, playing bool
			complete := func(scr *screen, _ *os.File) bool {
				buffering = buffering || strings.Contains(string(scr.cur), "buffering")
				playing = playing || strings.Contains(string(scr.cur), "ahead")
				return strings.Contains(string(scr.cur), "download complete")
			}
			scr, code, _ := ttyRun(t, cols, complete, "--no-player", s.Magnet())
			screen := strings.Join(scr.text(), "\n")
			if code != exitInterrupted {
				t.Fatalf("exit %d, want %d; screen:\n%s", code, exitInterrupted, screen)
			}
			if scr.wrapped != "" || scr.widest > cols {
				t.Errorf("a line is %d columns wide on a terminal of %d (wrapped: %q); screen:\n%s", scr.widest, cols, scr.wrapped, screen)
			}
			lines := scr.text()
			var last string
			for i, l := range lines {
				if strings.HasPrefix(l, "btstream: interrupted") && i > 0 {
					last = lines[i-1]
				}
			}
			if !strings.Contains(last, "100%") || !strings.Contains(last, "download complete") {
				t.Errorf("the line above the exit is %q, want the complete download's status; screen:\n%s", last, screen)
			}
			if !buffering || !playing {
				t.Errorf("frames seen: buffering %v, playing %v; want both", buffering, playing)
			}
			if !strings.Contains(screen, "movie.mp4 (3.0 MiB)") {
				t.Errorf("no note of the file; screen:\n%s", screen)
			}
		})
	}
}

// The metadata spinner is taken off before the error is printed: the
// error starts its own line.
func TestBinaryMetadataLineCleared(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("pseudo-terminals")
	}
	var seen bool
	spinner := func(scr *screen, _ *os.File) bool {
		seen = seen || strings.Contains(string(scr.cur), "fetching metadata")
		return false
	}
	scr, code, _ := ttyRun(t, 80, spinner, "--no-player", "--metadata-timeout", "3s", strings.Repeat("ef", 20))
	screen := strings.Join(scr.text(), "\n")
	if code != exitNoMetadata {
		t.Fatalf("exit %d, want %d; screen:\n%s", code, exitNoMetadata, screen)
	}
	if !seen {
		t.Fatalf("no metadata spinner was drawn; screen:\n%s", screen)
	}
	for _, l := range scr.text() {
		if strings.Contains(l, "no metadata") && !strings.HasPrefix(l, "btstream: no metadata") {
			t.Errorf("error line %q does not start the line; screen:\n%s", l, screen)
		}
	}
}

// A terminal made narrower while btstream runs gets lines that fit it from
// the next redraw on: the layout is measured again.
func TestBinaryStatusLineResize(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("pseudo-terminals")
	}
	path := torrenttest.WriteFile(t, t.TempDir(), "movie.mp4", torrenttest.Pattern(2<<20))
	s := seedPath(t, path, torrentutil.Config{UploadRate: 1 << 20})
	narrowBar := regexp.MustCompile(`\|[█ ]{` + strconv.Itoa(barWidth(50)) + `}\|`)
	resized, narrow := false, false
	until := func(scr *screen, ptmx *os.File) bool {
		switch {
		case !resized:
			pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: 50})
			scr.cols, resized = 50, true
		case !narrow && narrowBar.MatchString(string(scr.cur)):
			// The first line laid out for 50 columns: from here on,
			// every line must fit them.
			narrow, scr.widest, scr.wrapped = true, columns(string(scr.cur)), ""
		}
		return narrow && strings.Contains(string(scr.cur), "download complete")
	}
	scr, code, _ := ttyRun(t, 100, until, "--no-player", s.Magnet())
	screen := strings.Join(scr.text(), "\n")
	if code != exitInterrupted {
		t.Fatalf("exit %d, want %d; screen:\n%s", code, exitInterrupted, screen)
	}
	if scr.wrapped != "" || scr.widest > 50 {
		t.Errorf("after the resize, a line is %d columns wide on a terminal of 50 (wrapped: %q); screen:\n%s", scr.widest, scr.wrapped, screen)
	}
}
