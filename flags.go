package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

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
			f.KeepSpace = true // verbatim: " x" stays " x"
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
	// --version prints "btstream dev".
	cli.VersionPrinter = func(c *cli.Context) {
		fmt.Fprintf(c.App.Writer, "btstream %s\n", c.App.Version)
	}
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
		// Every value of a repeatable flag is one argument, verbatim:
		// --player-arg=--slang=en,eng is one mpv option and --subtitles
		// "Movie, The.srt" one file. urfave/cli splits on commas otherwise.
		DisableSliceFlagSeparator: true,
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
