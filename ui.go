package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/btstream/btstream/player"
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
	color  bool
	start  time.Time
	bar    *progressbar.ProgressBar
}

func newUI(cfg config, d deps, events bool) *ui {
	u := &ui{
		stdout: d.stdout,
		stderr: d.stderr,
		tty:    d.terminal(d.stderr) && !cfg.Quiet,
		quiet:  cfg.Quiet,
		color:  d.getenv("NO_COLOR") == "" && d.getenv("TERM") != "dumb",
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
	if u.bar != nil {
		u.bar.Clear()
	}
	fmt.Fprintf(u.stderr, "btstream: %s\n", safeText(s))
}

// setBar replaces the status bar; nil removes it.
func (u *ui) setBar(max int64, desc string) {
	if !u.tty {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.bar != nil {
		u.bar.Clear()
		u.bar = nil
	}
	if max <= 0 {
		return
	}
	u.bar = progressbar.NewOptions64(max,
		progressbar.OptionSetWriter(u.stderr),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetWidth(24),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionEnableColorCodes(u.color),
		progressbar.OptionSetRenderBlankState(true),
	)
}

func (u *ui) updateBar(n int64, desc string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.bar == nil {
		return
	}
	u.bar.Describe(desc)
	u.bar.Set64(n)
}

func (u *ui) close() {
	u.setBar(0, "")
}

type metaWaitEvent struct {
	Event   string  `json:"event"` // "metadata_wait"
	Elapsed float64 `json:"elapsed"`
	Peers   int     `json:"peers"`
	Known   int     `json:"known"`
}

func (u *ui) waitingMetadata(s torrentutil.MetaStatus) {
	u.emit(metaWaitEvent{"metadata_wait", u.elapsed(), s.Peers, s.Known})
	if u.tty {
		u.mu.Lock()
		fmt.Fprintf(u.stderr, "\r\x1b[Kfetching metadata: %d peers connected, %d known, %ds", s.Peers, s.Known, int(s.Elapsed.Seconds()))
		u.mu.Unlock()
	}
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
	if u.tty {
		u.mu.Lock()
		fmt.Fprint(u.stderr, "\r\x1b[K")
		u.mu.Unlock()
	}
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
	u.setBar(want, "buffering")
}

type listeningEvent struct {
	Event    string  `json:"event"` // "listening"
	Elapsed  float64 `json:"elapsed"`
	URL      string  `json:"url"`
	PeerPort int     `json:"peer_port"` // the BitTorrent port peers can dial
}

func (u *ui) listening(url string, peerPort int) {
	u.emit(listeningEvent{"listening", u.elapsed(), url, peerPort})
}

type readyEvent struct {
	Event   string  `json:"event"` // "ready"
	Elapsed float64 `json:"elapsed"`
	Waited  float64 `json:"waited"` // seconds from choosing the file to the start rule
}

func (u *ui) ready(waited time.Duration) {
	u.emit(readyEvent{"ready", u.elapsed(), waited.Seconds()})
}

// url prints the stream URL for --no-player: the one line on stdout, unless
// --json already carries it.
func (u *ui) url(url string) {
	if u.enc != nil {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	fmt.Fprintln(u.stdout, url)
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

type progressEvent struct {
	Event      string  `json:"event"` // "progress"
	Elapsed    float64 `json:"elapsed"`
	Downloaded int64   `json:"downloaded"` // bytes of the file complete
	Size       int64   `json:"size"`
	Buffered   int64   `json:"buffered"` // bytes from the start without a gap
	Rate       float64 `json:"rate"`     // download rate, bytes per second
	Bitrate    float64 `json:"bitrate"`  // estimated playback rate: the rate needed, bytes per second
	Ahead      float64 `json:"ahead"`    // seconds of playback buffered ahead of the play head
	Peers      int     `json:"peers"`
	Seeds      int     `json:"seeds"`
}

// progressLoop reports progress until ctx ends: the buffering bar until
// ready closes, then the download bar; JSON about once a second.
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
			u.setBar(f.Size(), "playing")
		case <-tick.C:
		}
		p := f.Progress(rule)
		if u.enc != nil && time.Since(lastJSON) >= time.Second {
			lastJSON = time.Now()
			u.emit(progressEvent{"progress", u.elapsed(), p.Completed, p.Size, p.Buffered, p.Rate, p.Bitrate, p.Ahead.Seconds(), p.Peers, p.Seeds})
		}
		status := fmt.Sprintf("%s ahead · %s of %s needed · %d peers (%d seeds)",
			p.Ahead.Truncate(100*time.Millisecond), humanRate(p.Rate), humanRate(p.Bitrate), p.Peers, p.Seeds)
		if buffering {
			index := "index ✓"
			if !p.IndexDone {
				index = "index …"
			}
			u.updateBar(p.Buffered, "buffering "+index+" · "+status)
		} else {
			u.updateBar(p.Completed, "playing · "+status)
		}
	}
}

type exitEvent struct {
	Event   string  `json:"event"` // "exit"
	Elapsed float64 `json:"elapsed"`
	Code    int     `json:"code"`
	Error   string  `json:"error,omitempty"`
}
