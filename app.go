package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/urfave/cli/v2"

	"github.com/btstream/btstream/torrentutil"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// config is the command line, parsed. run never sees a *cli.Context.
type config struct {
	Source          string
	Player          string
	PlayerArgs      []string
	NoPlayer        bool
	Stdout          bool
	JSON            bool
	File            string
	Buffer          bufferRule
	MetadataTimeout time.Duration
	Addr            string
	DataDir         string
	Port            int
	NoDHT, NoUPnP   bool
	NoUpload, Seed  bool
	Trackers, Peers []string
	DownloadRate    int64
	UploadRate      int64
	Playlist        bool
	Subtitles       []string
	Quiet, Verbose  bool
	Debug           bool
}

// command is one invocation: what to do, and the world to do it in.
type command struct {
	name string // "", "ls", "info" or "demo"
	cfg  config
	d    deps
	ui   *ui
}

// newFlags returns the flags, fresh: urfave/cli keeps parse state in them.
// Every flag can also come from the environment: --no-dht is BTSTREAM_NO_DHT.
func newFlags() []cli.Flag {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "player", Usage: "play with `PLAYER`: mpv, vlc or a path (default: mpv, else VLC)"},
		&cli.StringSliceFlag{Name: "player-arg", Usage: "extra `ARG` for the player (repeatable)"},
		&cli.BoolFlag{Name: "no-player", Usage: "print the stream URL on stdout when ready and serve until Ctrl-C"},
		&cli.BoolFlag{Name: "stdout", Usage: "write the file's bytes to stdout (btstream --stdout SRC | mpv -)"},
		&cli.BoolFlag{Name: "json", Usage: "print events as JSON lines on stdout"},
		&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "play file `N|GLOB` instead of the largest video (see btstream ls)"},
		&cli.StringFlag{Name: "buffer", Value: "1%", Usage: "buffer `PCT%|SIZE` from the start before the player starts"},
		&cli.DurationFlag{Name: "metadata-timeout", Value: 2 * time.Minute, Usage: "give up when the metadata has not arrived after `DURATION`"},
		&cli.StringFlag{Name: "addr", Value: "127.0.0.1:0", Usage: "serve HTTP on `HOST:PORT` (default: loopback, a free port)"},
		&cli.StringFlag{Name: "data-dir", Usage: "keep the data in `DIR` and reuse it next time (default: a temporary folder removed on exit)"},
		&cli.IntFlag{Name: "port", Value: 42069, Usage: "BitTorrent listen `PORT` (a free one when taken)"},
		&cli.BoolFlag{Name: "no-dht", Usage: "do not use the DHT"},
		&cli.BoolFlag{Name: "no-upnp", Usage: "do not forward the port with UPnP/NAT-PMP"},
		&cli.StringSliceFlag{Name: "tracker", Usage: "announce to tracker `URL` too (repeatable)"},
		&cli.StringSliceFlag{Name: "peer", Usage: "connect to peer `HOST:PORT` (repeatable)"},
		&cli.StringFlag{Name: "download-rate", Usage: "limit downloads to `RATE` per second (2MB, 500KiB)"},
		&cli.StringFlag{Name: "upload-rate", Usage: "limit uploads to `RATE` per second"},
		&cli.BoolFlag{Name: "no-upload", Usage: "never upload"},
		&cli.BoolFlag{Name: "seed", Usage: "keep seeding after the player exits, until Ctrl-C"},
		&cli.BoolFlag{Name: "playlist", Usage: "play every video in the torrent in order (episodes), as one playlist"},
		&cli.StringSliceFlag{Name: "subtitles", Usage: "load the local subtitle `FILE` too (repeatable)"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print nothing but errors on stderr"},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "log more, and show the player's output"},
		&cli.BoolFlag{Name: "debug", Usage: "log everything, the torrent library included"},
	}
	for _, f := range flags {
		name := f.Names()[0]
		env := "BTSTREAM_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		switch f := f.(type) {
		case *cli.StringFlag:
			f.EnvVars = []string{env}
		case *cli.StringSliceFlag:
			f.EnvVars = []string{env}
		case *cli.BoolFlag:
			f.EnvVars = []string{env}
		case *cli.IntFlag:
			f.EnvVars = []string{env}
		case *cli.DurationFlag:
			f.EnvVars = []string{env}
		}
	}
	return flags
}

func init() {
	cli.VersionFlag = &cli.BoolFlag{Name: "version", Aliases: []string{"V"}, Usage: "print the version"}
}

// newApp builds the command line. It only turns flags into a config and
// calls action; tests capture the config that way.
func newApp(d deps, action func(context.Context, *command) error) *cli.App {
	act := func(name string) cli.ActionFunc {
		return func(c *cli.Context) error {
			cfg, err := parseConfig(c)
			if err != nil {
				return err
			}
			if c.NArg() != 1 {
				return usagef("expected one source (a magnet, .torrent file or URL, infohash, or -), got %d arguments", c.NArg())
			}
			cfg.Source = c.Args().First()
			return action(c.Context, &command{name: name, cfg: cfg, d: d})
		}
	}
	flags := newFlags()
	return &cli.App{
		Name:      "btstream",
		Usage:     "stream a torrent's video into mpv or VLC while it downloads",
		UsageText: "btstream [flags] SOURCE\nbtstream ls|info [flags] SOURCE\nbtstream demo\nbtstream completion bash|zsh|fish",
		Description: `SOURCE is a magnet link (quote it: it contains &), a .torrent file or URL,
a 40-character infohash, or - for a .torrent on standard input.

Examples:
  btstream 'magnet:?xt=urn:btih:...'          play the largest video in mpv or VLC
  btstream --file 2 movie.torrent              play file 2 (see btstream ls)
  btstream --stdout 'magnet:?...' | mpv -      pipe the bytes into a player
  url=$(btstream --no-player 'magnet:?...')    get a URL for anything that plays HTTP
  btstream demo                                play the bundled clip, offline`,
		Version:         version,
		Flags:           flags,
		Action:          act(""),
		Writer:          d.stdout,
		ErrWriter:       d.stderr,
		HideHelpCommand: true,
		ExitErrHandler:  func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageError{err.Error()}
		},
		EnableBashCompletion: true,
		Commands: []*cli.Command{
			{Name: "ls", Usage: "list the torrent's files and mark the one btstream would play", ArgsUsage: "SOURCE", Flags: flags, Action: act("ls")},
			{Name: "info", Usage: "show the torrent's name, infohash, pieces, files, trackers and magnet", ArgsUsage: "SOURCE", Flags: flags, Action: act("info")},
			{Name: "completion", Usage: "print a shell completion script: bash, zsh or fish", ArgsUsage: "SHELL",
				Description: "bash: source <(btstream completion bash)\nzsh:  source <(btstream completion zsh)\nfish: btstream completion fish | source",
				Action:      func(c *cli.Context) error { return printCompletion(c) }},
			{Name: "demo", Usage: "play the bundled clip through the whole pipeline, offline", Flags: flags, Action: func(c *cli.Context) error {
				cfg, err := parseConfig(c)
				if err != nil {
					return err
				}
				if c.NArg() != 0 {
					return usagef("demo takes no source")
				}
				return action(c.Context, &command{name: "demo", cfg: cfg, d: d})
			}},
		},
	}
}

func parseConfig(c *cli.Context) (config, error) {
	cfg := config{
		Player:          c.String("player"),
		PlayerArgs:      c.StringSlice("player-arg"),
		NoPlayer:        c.Bool("no-player"),
		Stdout:          c.Bool("stdout"),
		JSON:            c.Bool("json"),
		File:            c.String("file"),
		MetadataTimeout: c.Duration("metadata-timeout"),
		Addr:            c.String("addr"),
		DataDir:         c.String("data-dir"),
		Port:            c.Int("port"),
		NoDHT:           c.Bool("no-dht"),
		NoUPnP:          c.Bool("no-upnp"),
		NoUpload:        c.Bool("no-upload"),
		Seed:            c.Bool("seed"),
		Trackers:        c.StringSlice("tracker"),
		Peers:           c.StringSlice("peer"),
		Playlist:        c.Bool("playlist"),
		Quiet:           c.Bool("quiet"),
		Verbose:         c.Bool("verbose"),
		Debug:           c.Bool("debug"),
	}
	for _, sub := range c.StringSlice("subtitles") {
		abs, err := filepath.Abs(sub)
		if err == nil {
			_, err = os.Stat(abs)
		}
		if err != nil {
			return cfg, usagef("--subtitles %q: %v", sub, err)
		}
		cfg.Subtitles = append(cfg.Subtitles, abs)
	}
	var err error
	if cfg.Buffer, err = parseBuffer(c.String("buffer")); err != nil {
		return cfg, err
	}
	cfg.Buffer.Explicit = c.IsSet("buffer")
	if cfg.DownloadRate, err = parseRate("download-rate", c.String("download-rate")); err != nil {
		return cfg, err
	}
	if cfg.UploadRate, err = parseRate("upload-rate", c.String("upload-rate")); err != nil {
		return cfg, err
	}
	switch {
	case cfg.Stdout && cfg.NoPlayer:
		return cfg, usagef("--stdout and --no-player do not go together")
	case cfg.Stdout && cfg.Playlist:
		return cfg, usagef("--stdout writes one file; --playlist needs a player")
	case cfg.Stdout && cfg.JSON:
		return cfg, usagef("--stdout and --json both want stdout")
	case cfg.Port < 0 || cfg.Port > 65535:
		return cfg, usagef("--port %d is not a port", cfg.Port)
	case cfg.MetadataTimeout < 0:
		return cfg, usagef("--metadata-timeout must not be negative")
	}
	return cfg, nil
}

// bufferRule is how much of the file's start the player waits for: a
// fraction of the file, or a number of bytes.
type bufferRule struct {
	Fraction float64
	Bytes    int64
	Explicit bool // --buffer was given: wait for all of it, never start early
}

// rule is the start rule for a file of size bytes.
func (b bufferRule) rule(size int64) torrentutil.StartRule {
	return torrentutil.StartRule{Want: b.want(size), Exact: b.Explicit}
}

// want is the number of bytes the rule asks for in a file of size bytes.
func (b bufferRule) want(size int64) int64 {
	if b.Bytes > 0 {
		return min(b.Bytes, size)
	}
	return min(int64(b.Fraction*float64(size)), size)
}

func parseBuffer(s string) (bufferRule, error) {
	if p, ok := strings.CutSuffix(strings.TrimSpace(s), "%"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || f < 0 || f > 100 {
			return bufferRule{}, usagef("--buffer %q: want a percent from 0 to 100 or a size like 20MB", s)
		}
		return bufferRule{Fraction: f / 100}, nil
	}
	n, err := humanize.ParseBytes(s)
	if err != nil || n > 1<<50 {
		return bufferRule{}, usagef("--buffer %q: want a percent like 1%% or a size like 20MB", s)
	}
	return bufferRule{Bytes: int64(n)}, nil
}

func parseRate(flag, s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := humanize.ParseBytes(strings.TrimSuffix(strings.TrimSuffix(s, "/s"), "ps"))
	if err != nil || n == 0 || n > 1<<40 {
		return 0, usagef("--%s %q: want a size per second like 2MB or 500KiB", flag, s)
	}
	return int64(n), nil
}

// reorderArgs puts the subcommand first and the flags before the positional
// arguments, so that "btstream MAGNET --no-player" and "btstream --no-dht ls
// MAGNET" both work: urfave/cli stops at the first positional argument, and
// flags before a subcommand would otherwise be dropped, not applied.
func reorderArgs(args []string) []string {
	if len(args) < 2 {
		return args
	}
	takesValue := map[string]bool{}
	for _, f := range newFlags() {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	var flagArgs, pos []string
	rest := args[1:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "--":
			pos = append(pos, rest[i+1:]...)
			i = len(rest)
		case len(a) > 1 && a[0] == '-':
			flagArgs = append(flagArgs, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && takesValue[name] && i+1 < len(rest) {
				i++
				flagArgs = append(flagArgs, rest[i])
			}
		default:
			pos = append(pos, a)
		}
	}
	out := []string{args[0]}
	if len(pos) > 0 && isSubcommand(pos[0]) {
		out = append(out, pos[0])
		pos = pos[1:]
	}
	out = append(out, flagArgs...)
	if len(pos) > 0 {
		out = append(append(out, "--"), pos...)
	}
	return out
}

func isSubcommand(s string) bool {
	switch s {
	case "ls", "info", "demo", "completion":
		return true
	}
	return false
}

func humanBytes(n int64) string { return humanize.IBytes(uint64(max(n, 0))) }

func humanRate(bps float64) string { return humanize.IBytes(uint64(max(bps, 0))) + "/s" }

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

// version string for --version: "btstream version dev".
func init() {
	cli.VersionPrinter = func(c *cli.Context) {
		fmt.Fprintf(c.App.Writer, "btstream %s\n", c.App.Version)
	}
}

// Completion scripts ask btstream itself for candidates through urfave/cli's
// --generate-bash-completion.
const bashCompletion = `_btstream_complete() {
  local cur="${COMP_WORDS[COMP_CWORD]}" opts
  if [[ "$cur" == -* ]]; then
    opts=$("${COMP_WORDS[@]:0:$COMP_CWORD}" "$cur" --generate-bash-completion 2>/dev/null)
  else
    opts=$("${COMP_WORDS[@]:0:$COMP_CWORD}" --generate-bash-completion 2>/dev/null)
  fi
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o bashdefault -o default -F _btstream_complete btstream
`

const zshCompletion = `#compdef btstream
_btstream() {
  local -a opts
  local cur=${words[-1]}
  if [[ "$cur" == -* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion)}")
  fi
  if [[ "${opts[1]}" != "" ]]; then _describe 'values' opts; else _files; fi
}
compdef _btstream btstream
`

func printCompletion(c *cli.Context) error {
	switch c.Args().First() {
	case "bash":
		fmt.Fprint(c.App.Writer, bashCompletion)
	case "zsh":
		fmt.Fprint(c.App.Writer, zshCompletion)
	case "fish":
		script, err := c.App.ToFishCompletion()
		if err != nil {
			return err
		}
		fmt.Fprint(c.App.Writer, script)
	default:
		return usagef("completion: want bash, zsh or fish")
	}
	return nil
}
