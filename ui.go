package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/btstream/btstream/player"
	"github.com/btstream/btstream/player/resume"
	"github.com/btstream/btstream/torrentutil"
	"github.com/btstream/btstream/torrentutil/source"
)

// ui is everything btstream tells the user: data on stdout (the URL, JSON
// events), a status bar on stderr when stderr is a terminal, and notes and
// warnings on stderr unless --quiet. It is safe for concurrent use.
type ui struct {
	mu     sync.Mutex
	stdout io.Writer
	stderr io.Writer
	enc    *json.Encoder // --json: events on stdout
	tty    bool          // a status bar may be drawn
	quiet  bool
	start  time.Time
	bar    *progressbar.ProgressBar // the status line, or nil
	kind   barKind                  // what bar shows
	cols   int                      // the terminal width bar is laid out for
	lan    []string                 // the stream's URLs for other machines
	// stalledAt is when the player began to wait for its cache; zero
	// while it plays.
	stalledAt time.Time
}

func newUI(cfg config, d deps, events bool) *ui {
	u := &ui{
		stdout: d.stdout,
		stderr: d.stderr,
		tty:    d.terminal(d.stderr) && !cfg.Quiet,
		quiet:  cfg.Quiet,
		start:  time.Now(),
	}
	if events {
		u.enc = newJSONEncoder(d.stdout)
	}
	return u
}

// emit writes one JSON event, when --json is on. Field names are stable and
// documented in the README.
func (u *ui) emit(v any) {
	if u.enc == nil {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.enc.Encode(v)
}

func (u *ui) elapsed() float64 { return time.Since(u.start).Seconds() }

// note is a remark for a person: stderr, unless --quiet.
func (u *ui) note(format string, a ...any) {
	if u.quiet {
		return
	}
	u.line(fmt.Sprintf(format, a...))
}

// warn is a remark that matters even in scripts: stderr, always.
func (u *ui) warn(format string, a ...any) {
	u.line("warning: " + fmt.Sprintf(format, a...))
}

func (u *ui) line(s string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.above(func() { fmt.Fprintf(u.stderr, "btstream: %s\n", safeText(s)) })
}

// above writes lines with write, above the status line: it takes the status
// line off, and draws it again after. It is called with u.mu held.
func (u *ui) above(write func()) {
	if u.bar == nil {
		write()
		return
	}
	u.bar.Clear()
	write()
	if u.cols == u.width() {
		fmt.Fprint(u.stderr, u.bar.String())
	}
}

// logLines is where log lines go: stderr, above the status line.
func (u *ui) logLines() io.Writer { return logWriter{u} }

type logWriter struct{ u *ui }

func (w logWriter) Write(p []byte) (n int, err error) {
	w.u.mu.Lock()
	defer w.u.mu.Unlock()
	w.u.above(func() { n, err = w.u.stderr.Write(p) })
	return n, err
}

// status draws the status line: fields, with a spinner (metaBar) or a bar
// at n of max. It is laid out for the terminal's width as it is now, and
// made again when that changes.
func (u *ui) status(kind barKind, n, max int64, fields []statusField) {
	if !u.tty {
		return
	}
	cols := u.width()
	u.mu.Lock()
	defer u.mu.Unlock()
	room := fieldsWidth(kind, cols)
	if room < minFields || (kind != metaBar && max <= 0) {
		u.dropBar()
		return
	}
	desc := fitFields(fields, room)
	fresh := u.bar == nil || u.kind != kind || u.cols != cols || (kind != metaBar && u.bar.GetMax64() != max)
	if fresh {
		u.dropBar()
		u.bar, u.kind, u.cols = newBar(u.stderr, kind, max, cols, desc), kind, cols
	}
	switch {
	case kind == metaBar:
		u.bar.Describe(desc) // draws, and turns the spinner
	case n >= max:
		// The bar is drawn one last time when n reaches max, and then
		// stays as it is: the last fields first.
		if !fresh {
			u.bar.Describe(desc)
		}
		u.bar.Set64(max)
	default:
		u.bar.Set64(n)
		u.bar.Describe(desc)
	}
}

// newBar makes a status line of kind for a terminal of cols columns.
func newBar(w io.Writer, kind barKind, max int64, cols int, desc string) *progressbar.ProgressBar {
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionUseANSICodes(true), // erase to the end of the line, never pad with spaces
		progressbar.OptionSetElapsedTime(false),
		progressbar.OptionSetPredictTime(false), // no ETA: a stream's end is not the point
	}
	if kind == metaBar {
		return progressbar.NewOptions64(-1, append(opts,
			progressbar.OptionSpinnerType(14),
			progressbar.OptionSetSpinnerChangeInterval(0), // turned by each update: no goroutine of its own
		)...)
	}
	return progressbar.NewOptions64(max, append(opts,
		progressbar.OptionSetWidth(barWidth(cols)),
		progressbar.OptionShowDescriptionAtLineEnd(),
	)...)
}

// dropBar takes the status line off the screen. It is called with u.mu
// held.
func (u *ui) dropBar() {
	if u.bar != nil {
		u.bar.Clear()
		u.bar = nil
	}
}

// width is the terminal's width in columns, 80 when it cannot be measured.
func (u *ui) width() int {
	if f, ok := u.stderr.(*os.File); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	return 80
}

// close ends the status line: the download's line stays on screen, as a
// record of it; the others go.
func (u *ui) close() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.bar != nil && u.kind == playBar {
		fmt.Fprintln(u.stderr)
		u.bar = nil
	}
	u.dropBar()
}

type metaWaitEvent struct {
	Event   string  `json:"event"` // "metadata_wait"
	Elapsed float64 `json:"elapsed"`
	Peers   int     `json:"peers"`
	Known   int     `json:"known"`
}

func (u *ui) waitingMetadata(s torrentutil.MetaStatus) {
	u.emit(metaWaitEvent{"metadata_wait", u.elapsed(), s.Peers, s.Known})
	u.status(metaBar, 0, -1, metaFields(s))
}

type metadataEvent struct {
	Event    string  `json:"event"` // "metadata"
	Elapsed  float64 `json:"elapsed"`
	Name     string  `json:"name"`
	InfoHash string  `json:"infohash"`
	Size     int64   `json:"size"`
	Files    int     `json:"files"`
}

func (u *ui) metadata(info source.Info) {
	u.mu.Lock()
	u.dropBar()
	u.mu.Unlock()
	u.emit(metadataEvent{"metadata", u.elapsed(), info.Name, info.InfoHash, info.TotalSize, len(info.Files)})
}

type fileEvent struct {
	Event   string  `json:"event"` // "file"
	Elapsed float64 `json:"elapsed"`
	Index   int     `json:"index"`
	Path    string  `json:"path"`
	Size    int64   `json:"size"`
	Buffer  int64   `json:"buffer"` // bytes the start rule waits for
}

func (u *ui) file(e source.FileEntry, want int64) {
	u.emit(fileEvent{"file", u.elapsed(), e.Index, e.Path, e.Size, want})
	if u.tty {
		u.note("%s (%s)", e.Path, humanBytes(e.Size))
	}
}

type listeningEvent struct {
	Event    string   `json:"event"` // "listening"
	Elapsed  float64  `json:"elapsed"`
	URL      string   `json:"url"`
	LANURLs  []string `json:"lan_urls,omitempty"` // the URL for other machines, one per address
	PeerPort int      `json:"peer_port"`          // the BitTorrent port peers can dial
}

// listening reports the stream's URL, for this machine, and its LAN URLs,
// for others (a non-loopback --addr), which url prints instead.
func (u *ui) listening(url string, lan []string, peerPort int) {
	u.mu.Lock()
	u.lan = lan
	u.mu.Unlock()
	u.emit(listeningEvent{"listening", u.elapsed(), url, lan, peerPort})
}

type readyEvent struct {
	Event   string  `json:"event"` // "ready"
	Elapsed float64 `json:"elapsed"`
	Waited  float64 `json:"waited"` // seconds from choosing the file to the start rule
}

func (u *ui) ready(waited time.Duration) {
	u.emit(readyEvent{"ready", u.elapsed(), waited.Seconds()})
}

// url prints the stream URL for --no-player: the one line on stdout, or
// one line per LAN URL when there are any, unless --json already carries
// them.
func (u *ui) url(url string) {
	if u.enc != nil {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.lan) == 0 {
		fmt.Fprintln(u.stdout, url)
	}
	for _, l := range u.lan {
		fmt.Fprintln(u.stdout, l)
	}
}

type playerEvent struct {
	Event   string  `json:"event"` // "player_started" or "player_exited"
	Elapsed float64 `json:"elapsed"`
	Player  string  `json:"player,omitempty"`
	Error   string  `json:"error,omitempty"`
}

func (u *ui) playerStarted(p player.Player) {
	u.emit(playerEvent{Event: "player_started", Elapsed: u.elapsed(), Player: p.Path})
}

func (u *ui) playerExited(err error) {
	ev := playerEvent{Event: "player_exited", Elapsed: u.elapsed()}
	if err != nil {
		ev.Error = err.Error()
	}
	u.emit(ev)
}

type linkEvent struct {
	Event   string  `json:"event"` // "player_link"
	Elapsed float64 `json:"elapsed"`
	State   string  `json:"state"`            // "connected", "off" (mpv has a socket of the user's), "failed" or "lost"
	Reason  string  `json:"reason,omitempty"` // why off or failed
}

// link reports the state of the IPC link to mpv.
func (u *ui) link(state, reason string) {
	u.emit(linkEvent{"player_link", u.elapsed(), state, reason})
}

type stallEvent struct {
	Event    string   `json:"event"` // "stall"
	Elapsed  float64  `json:"elapsed"`
	State    string   `json:"state"`              // "begin" or "end"
	Start    float64  `json:"start"`              // when the player began to wait, seconds since btstream started
	End      *float64 `json:"end,omitempty"`      // when it played again (state "end")
	Duration *float64 `json:"duration,omitempty"` // end - start, seconds (state "end")
	Position float64  `json:"position"`           // the play position when it began, seconds into the film
	Seek     bool     `json:"seek"`               // it began while the player was seeking
	File     int      `json:"file"`               // the film's index in the torrent
}

// stall reports that the player waits for its cache (a stall begins or
// ends), as an event and on the status line.
func (u *ui) stall(ev stallEvent) {
	ev.Elapsed = u.elapsed()
	u.mu.Lock()
	if ev.State == "begin" {
		u.stalledAt = u.start.Add(time.Duration(ev.Start * float64(time.Second)))
	} else {
		u.stalledAt = time.Time{}
	}
	u.mu.Unlock()
	u.emit(ev)
}

// stalled returns when the player began to wait for its cache; zero when
// it does not wait.
func (u *ui) stalled() time.Time {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.stalledAt
}

// at is time t in seconds since btstream started, as events count.
func (u *ui) at(t time.Time) float64 { return t.Sub(u.start).Seconds() }

type prefetchEvent struct {
	Event   string  `json:"event"` // "prefetch"
	Elapsed float64 `json:"elapsed"`
	File    int     `json:"file"` // the next playlist entry's index in the torrent
}

// prefetch reports that the next playlist entry's start is being fetched.
func (u *ui) prefetch(index int) {
	u.emit(prefetchEvent{"prefetch", u.elapsed(), index})
}

type resumeEvent struct {
	Event    string  `json:"event"` // "resume"
	Elapsed  float64 `json:"elapsed"`
	File     int     `json:"file"`     // the film's index in the torrent
	Position float64 `json:"position"` // seconds into the film where playback starts
	Offset   int64   `json:"offset"`   // the byte where that is, fetched first
}

// resumed reports that the film starts where the viewer stopped last time.
func (u *ui) resumed(e source.FileEntry, p resume.Position) {
	u.emit(resumeEvent{"resume", u.elapsed(), e.Index, p.Time.Seconds(), p.Offset})
	u.note("resuming %s at %s (--from-start plays it from the beginning)", safeText(path.Base(e.Path)), clock(p.Time))
}

type progressEvent struct {
	Event      string   `json:"event"` // "progress"
	Elapsed    float64  `json:"elapsed"`
	Downloaded int64    `json:"downloaded"` // bytes of the file complete
	Size       int64    `json:"size"`
	Buffered   int64    `json:"buffered"` // bytes from the start without a gap
	Rate       float64  `json:"rate"`     // download rate, bytes per second
	Bitrate    float64  `json:"bitrate"`  // estimated playback rate: the rate needed, bytes per second
	Ahead      float64  `json:"ahead"`    // seconds of playback buffered ahead of the play head
	Peers      int      `json:"peers"`
	Seeds      int      `json:"seeds"`
	Position   *float64 `json:"position,omitempty"` // where mpv plays, seconds, when it says (its IPC link)
}

// progressLoop reports progress until ctx ends: the way to the start until
// ready closes, then the download; JSON about once a second.
func (u *ui) progressLoop(ctx context.Context, f *torrentutil.File, rule torrentutil.StartRule, ready <-chan struct{}) error {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var lastJSON time.Time
	buffering := true
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ready:
			ready = nil
			buffering = false
		case <-tick.C:
		}
		p := f.Progress(rule)
		if u.enc != nil && time.Since(lastJSON) >= time.Second {
			lastJSON = time.Now()
			ev := progressEvent{"progress", u.elapsed(), p.Completed, p.Size, p.Buffered, p.Rate, p.Bitrate, p.Ahead.Seconds(), p.Peers, p.Seeds, nil}
			if p.PlayKnown {
				ev.Position = ptr(p.Play.Seconds())
			}
			u.emit(ev)
		}
		if buffering {
			done, total := startProgress(p)
			u.status(startBar, done, total, startFields(p))
		} else {
			u.status(playBar, p.Completed, p.Size, playFields(p, u.stalled()))
		}
	}
}

type exitEvent struct {
	Event   string  `json:"event"` // "exit"
	Elapsed float64 `json:"elapsed"`
	Code    int     `json:"code"`
	Error   string  `json:"error,omitempty"`
}
