package player

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// waitDelay is how long a player has to exit after being interrupted before it is killed, and
// how long Wait keeps copying its output after it exits.
const waitDelay = 2 * time.Second

// Media is what to play.
type Media struct {
	// URL is the stream, e.g. http://127.0.0.1:port/0/name.mkv, or an M3U playlist's URL.
	URL string
	// Title is shown as the media title (mpv --force-media-title, VLC --meta-title);
	// "" forces none.
	Title string
	// Subtitles are local paths or URLs of subtitle files, the first selected (see the package
	// doc for how VLC gets more than one).
	Subtitles []string
	// Playlist says URL is an M3U playlist: Title is then ignored, so that the entries keep
	// their own titles.
	Playlist bool
	// Entries are the playlist's items, for mpv and VLC: given, they play these instead of URL,
	// each with its own title and subtitles (see the package doc). A generic program plays URL.
	Entries []Entry
	// Start is where playback starts (mpv --start, VLC --start-time, in seconds to the
	// millisecond); 0 or less starts at the beginning. With Entries it applies to the first
	// entry only, and a playlist without Entries ignores it, since it would apply to every
	// entry. A generic program ignores it. A --start or --start-time in Player.Args wins.
	Start time.Duration
	// IPC is a path for mpv's JSON IPC socket (--input-ipc-server), for DialLink; "" asks for
	// none. Other players ignore it. Player.LinkBlocked says whether the user's own
	// --input-ipc-server would replace it.
	IPC string
}

// Entry is one item of a playlist: a URL with its title and its own subtitles, which come
// after Media.Subtitles.
type Entry struct {
	URL       string
	Title     string
	Subtitles []string
}

// Command builds, but does not start, the command that plays m with p, in p's dialect (see the
// package doc). No shell is involved: every string in m and p.Args is one argv entry, verbatim.
// The command is bound to ctx, which must not be nil: when ctx ends, a started player is sent
// os.Interrupt (killed at once on Windows, which has no interrupt to send), and killed if it
// has not exited within a WaitDelay of two seconds. Its stdio is unset (the null device).
func (p Player) Command(ctx context.Context, m Media) *exec.Cmd {
	cmd := exec.CommandContext(ctx, p.Path, p.argv(m)...)
	cmd.Cancel = func() error {
		if runtime.GOOS == "windows" {
			return cmd.Process.Kill()
		}
		return cmd.Process.Signal(os.Interrupt)
	}
	cmd.WaitDelay = waitDelay
	return cmd
}

// argv is the argument list after the program name.
func (p Player) argv(m Media) []string {
	title := m.Title
	if m.Playlist {
		title = ""
	}
	entries := m.Playlist && len(m.Entries) > 0
	start := ""
	if m.Start > 0 && (!m.Playlist || entries) {
		start = seconds(m.Start)
	}
	var args []string
	switch p.Name {
	case MPV:
		args = append(args, "--input-terminal=no")
		if m.IPC != "" {
			args = append(args, "--input-ipc-server="+m.IPC)
		}
		if start != "" && !entries {
			args = append(args, "--start="+start)
		}
		if title != "" {
			args = append(args, "--force-media-title="+title)
		}
		for _, s := range m.Subtitles {
			args = append(args, "--sub-file="+s)
		}
	case VLC:
		args = append(args, "--play-and-exit", "--no-one-instance")
		if start != "" && !entries {
			args = append(args, "--start-time="+start)
		}
		if title != "" {
			args = append(args, "--meta-title="+title)
		}
		if !entries {
			args = append(args, vlcSubtitles(m.Subtitles)...) // else per item
		}
	}
	args = append(args, p.Args...)
	if entries && (p.Name == MPV || p.Name == VLC) {
		if opt := map[string]string{MPV: "start", VLC: "start-time"}[p.Name]; userOption(p.Args, opt) {
			start = "" // the user's global option would lose to a per-entry one
		}
		return append(args, entryArgs(p.Name, m, start)...)
	}
	if p.Name == MPV || p.Name == VLC {
		args = append(args, "--")
	}
	return append(args, m.URL)
}

// entryArgs lists m's entries: for mpv, one per-file option group each ("--{ OPTIONS URL --}",
// the group's options apply to its file only, after the global ones); for VLC, after "--",
// each URL followed by its item options (":meta-title=T", ":sub-file=S", ":input-slave=S").
// VLC's item options replace the global ones, so each item gets Media.Subtitles too.
// mpv reads no option group after "--": its entries go unguarded, which is safe because an
// entry's URL starts with its scheme, never with "-". start, in seconds, is where the first
// entry starts ("" for its beginning).
func entryArgs(dialect string, m Media, start string) []string {
	var args []string
	if dialect == VLC {
		args = append(args, "--")
	}
	for i, e := range m.Entries {
		first := i == 0 && start != ""
		switch dialect {
		case MPV:
			args = append(args, "--{")
			if first {
				args = append(args, "--start="+start)
			}
			if e.Title != "" {
				args = append(args, "--force-media-title="+e.Title)
			}
			for _, s := range e.Subtitles {
				args = append(args, "--sub-file="+s)
			}
			args = append(args, e.URL, "--}")
		case VLC:
			args = append(args, e.URL)
			if first {
				args = append(args, ":start-time="+start)
			}
			if e.Title != "" {
				args = append(args, ":meta-title="+e.Title)
			}
			for _, o := range vlcSubtitles(append(slices.Clone(m.Subtitles), e.Subtitles...)) {
				args = append(args, ":"+strings.TrimPrefix(o, "--"))
			}
		}
	}
	return args
}

// seconds formats d as seconds with three decimals, "754.250", as both players take it (a
// '.' whatever the locale).
func seconds(d time.Duration) string {
	ms := d.Milliseconds()
	return fmt.Sprintf("%d.%03d", ms/1000, ms%1000)
}

// userOption reports whether args, before a "--" that ends the options, set the option name,
// in any of the forms --name=V, -name=V, --name V and -name V.
// StartsAt reports whether p starts playback where Media.Start says: mpv or
// VLC, unless the user's Args set the start themselves (mpv --start, VLC
// --start-time).
func (p Player) StartsAt() bool {
	opt, ok := map[string]string{MPV: "start", VLC: "start-time"}[p.Name]
	return ok && !userOption(p.Args, opt)
}

func userOption(args []string, name string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		n, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if strings.HasPrefix(a, "-") && n == name {
			return true
		}
	}
	return false
}

// vlcSubtitles gives VLC 3.0 the subtitles subs: the first on --sub-file if it is a local path
// (--sub-file does not take URLs), the rest in one '#'-separated --input-slave.
func vlcSubtitles(subs []string) []string {
	var args, slaves []string
	for i, s := range subs {
		if i == 0 && !isURL(s) {
			args = append(args, "--sub-file="+s)
			continue
		}
		slaves = append(slaves, vlcSlave(s))
	}
	if len(slaves) > 0 {
		args = append(args, "--input-slave="+strings.Join(slaves, "#"))
	}
	return args
}

// vlcSlave makes s safe in a '#'-separated --input-slave list: a URL loses its fragment, and a
// local path containing '#' becomes a file:// URL.
func vlcSlave(s string) string {
	if isURL(s) {
		s, _, _ = strings.Cut(s, "#")
		return s
	}
	if !strings.Contains(s, "#") {
		return s
	}
	if abs, err := filepath.Abs(s); err == nil {
		s = abs
	}
	s = filepath.ToSlash(s)
	if !strings.HasPrefix(s, "/") {
		s = "/" + s // a Windows drive path: file:///C:/...
	}
	return (&url.URL{Scheme: "file", Path: s}).String()
}

// isURL reports whether s is a URL rather than a local path, as VLC decides it.
func isURL(s string) bool {
	return strings.Contains(s, "://")
}
