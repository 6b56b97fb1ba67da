// Package player finds an installed video player (mpv or VLC) and runs it on a URL, stopping it when the context ends.
//
// It starts exactly one child process, never through a shell: the URL, the title and every
// argument reach the player as single argv entries, verbatim. It does not restart the player,
// and does not read or write the terminal itself. It reads the player's output only to pass it
// on and to keep its last lines for the error that says why the player failed (ExitError).
//
// With mpv it can also keep a link to the running player over mpv's JSON IPC (Media.IPC starts
// mpv with a socket, DialLink connects to it): the caller observes properties (the play
// position, pauses for the cache), receives events and shows text in mpv's OSD. The link never
// holds up its caller: every write has a deadline, and what the caller does not read in time is
// dropped. LinkBlocked says when the user's own --input-ipc-server (in Player.Args or mpv.conf)
// would replace btstream's socket. VLC and other programs get no link.
//
// # The terminal belongs to btstream
//
// btstream draws its own status line on stderr while the player runs and turns Ctrl+C into
// cancellation. mpv (0.35, checked with strace) opens /dev/tty and switches it to
// non-canonical, no-echo mode whenever its stdout is a terminal, even with stdin on /dev/null.
// So the mpv dialect passes --input-terminal=no: mpv's keyboard controls stay in its video
// window, and the terminal is never put in raw mode behind btstream's back (nor left so after
// a crash). --no-terminal is not used, because it would also silence mpv's log, which callers
// show with -v.
//
// The player runs in btstream's process group, so a Ctrl+C typed in the terminal reaches it
// directly too (mpv dies of the SIGINT, VLC exits 0). The player may then exit before the
// caller's signal context is cancelled, and Run return the player's own exit error: a caller
// should look at its own context before at Run's error.
//
// # Argument dialects
//
//	mpv:     mpv --input-terminal=no [--input-ipc-server=P] [--start=POS] [--force-media-title=T] [--sub-file=S]... ARGS... -- URL
//	vlc:     vlc --play-and-exit --no-one-instance [--start-time=POS] [--meta-title=T] [--sub-file=S1] [--input-slave=S2#S3] ARGS... -- URL
//	generic: PROGRAM ARGS... URL
//
// A generic program gets neither the title, the subtitles nor the start position: there is no
// telling how an unknown program takes them (pass them with --player-arg). The start position
// (Media.Start), POS, is in seconds with three decimals, "754.250". The user's ARGS come after
// btstream's options so that they win (both players let the last occurrence of an option
// override earlier ones). No --ontop, --really-quiet or similar is added: the user's mpv.conf
// and VLC preferences rule. Both mpv 0.35 and VLC 3.0 accept the "--" guard, so a URL or file
// name beginning with "-" is never read as an option; a generic program gets no guard, since
// it may not understand one.
//
// VLC needs --play-and-exit so that the process, and so btstream, ends when playback ends, and
// --no-one-instance so that a "one instance" preference cannot hand the URL to an already
// running VLC and exit at once. VLC 3.0's --sub-file takes one local path only (a URL is
// mistaken for a file name relative to the working directory), so the first subtitle goes to
// --sub-file when it is a local path, and every other one (and any URL) goes to a single
// '#'-separated --input-slave, which VLC 3.0 loads as subtitle tracks from paths and URLs
// alike. A local path containing '#' is passed there as a file:// URL; a URL's fragment is
// dropped (it is never sent to a server anyway). VLC refuses to run as root.
//
// For a playlist (Media.Playlist) no title is forced, since one title would be shown for every
// entry: mpv 0.35 and VLC 3.0 both show the #EXTINF titles of an M3U themselves. mpv plays the
// http:// entries of a playlist fetched over http:// without --load-unsafe-playlists (only
// local-file entries of a network playlist are refused). Subtitles are passed as given and
// apply to every entry.
//
// An M3U cannot give one entry its own subtitles that both players read, so when the playlist's
// entries are known (Media.Entries), mpv and VLC get them on the command line instead of the
// playlist's URL, each with its title and its own subtitles:
//
//	mpv:     mpv --input-terminal=no [--input-ipc-server=P] [--sub-file=S]... ARGS... --{ [--start=POS] --force-media-title=T [--sub-file=E]... URL --}...
//	vlc:     vlc --play-and-exit --no-one-instance ARGS... -- URL [:start-time=POS] :meta-title=T [:sub-file=S] [:input-slave=S#E]...
//
// mpv's per-file option group applies its options to its file only, on top of the global ones
// (checked with mpv 0.35: each entry gets the global subtitles and its own). VLC's item options
// replace the global ones for that item, so each item lists Media.Subtitles too. The start
// position goes to the first entry only (the one resumed), and is left out when ARGS set the
// player's own (--start, --start-time), which a per-entry option would override. A playlist
// given by its URL alone gets no start position: a global one would apply to every entry.
package player

import (
	"errors"
	"path/filepath"
)

// ErrNotFound is returned, wrapped, by Find when no player can be found; test with errors.Is.
var ErrNotFound = errors.New("no supported video player found")

// Player is one resolved video player program. The zero value is not usable; get one from Find
// or fill in Path (and Name, to pick a dialect) yourself.
type Player struct {
	// Name selects the argument dialect: "mpv", "vlc", or "" for an unknown program
	// (generic dialect: Args then the URL).
	Name string
	// Path is the executable to run. A bare name without a path separator is looked up on
	// PATH when the command starts.
	Path string
	// Args are extra user arguments (btstream's --player-arg, repeatable), placed after the
	// dialect's own options and before the URL (and before the "--" guard of mpv and VLC).
	Args []string
}

// Dialect names, as stored in Player.Name.
const (
	MPV = "mpv"
	VLC = "vlc"
)

// label names the player in errors: its dialect, or the base name of its program.
func (p Player) label() string {
	if p.Name != "" {
		return p.Name
	}
	return filepath.Base(p.Path)
}
