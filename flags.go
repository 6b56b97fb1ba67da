package main

import (
	"context"
	"fmt"
	"math"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

// version is set at build time with -ldflags "-X main.version=..."; when it
// is not, --version reads the build info (see versionString).
var version string

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
		&cli.GenericFlag{Name: "metadata-timeout", Value: ptr(seconds(2 * time.Minute)), Usage: "give up when the metadata has not arrived after `DURATION` (90s, 2m, or seconds: 90)"},
		&cli.StringFlag{Name: "addr", Value: defaultAddr, Usage: "serve HTTP on `HOST[:PORT]` (no port: 8768 or the next free one, the same URL every run, so players resume)"},
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
		&cli.BoolFlag{Name: "from-start", Usage: "play from the beginning, not where you stopped last time"},
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
		case *cli.GenericFlag:
			f.EnvVars = []string{env}
		}
	}
	return flags
}

// inspectFlags are the flags of ls and info: how to find the torrent and
// which file to mark.
var inspectFlags = []string{"json", "file", "metadata-timeout", "data-dir", "port", "no-dht", "no-upnp",
	"tracker", "peer", "quiet", "verbose", "debug"}

// demoFlags are the flags of demo: where the clip goes and how; the swarm
// is its own.
var demoFlags = []string{"player", "player-arg", "no-player", "stdout", "json", "buffer", "addr",
	"download-rate", "quiet", "verbose", "debug"}

// flagsNamed returns fresh flags of those names, in newFlags' order, with
// the usage of some reworded for the command.
func flagsNamed(names []string, usage map[string]string) []cli.Flag {
	var out []cli.Flag
	for _, f := range newFlags() {
		name := f.Names()[0]
		if !slices.Contains(names, name) {
			continue
		}
		if u, ok := usage[name]; ok {
			switch f := f.(type) {
			case *cli.BoolFlag:
				f.Usage = u
			case *cli.StringFlag:
				f.Usage = u
			}
		}
		out = append(out, f)
	}
	return out
}

// inspectUsage rewords the flags of ls and info, which print rather than play.
var inspectUsage = map[string]string{
	"json": "print one JSON document on stdout",
	"file": "mark file `N|GLOB` as the one to play instead of the largest video",
}

func ptr[T any](v T) *T { return &v }

// seconds is a duration flag's value: a Go duration (90s, 2m, 1h30m) or a
// bare number of seconds (90, 1.5).
type seconds time.Duration

func (d *seconds) Set(s string) error {
	if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "xXpP") {
		if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > float64(math.MaxInt64/int64(time.Second)) {
			return fmt.Errorf("%q is not a number of seconds", s)
		}
		*d = seconds(f * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration like 90s or 2m, or a number of seconds")
	}
	*d = seconds(v)
	return nil
}

func (d *seconds) String() string { return time.Duration(*d).String() }

// durationFlag is the value of the duration flag name (a seconds).
func durationFlag(c *cli.Context, name string) time.Duration {
	if d, ok := c.Generic(name).(*seconds); ok {
		return time.Duration(*d)
	}
	return 0
}

// versionString is btstream's version: the one stamped with -ldflags, else
// the module's version and the VCS revision the build info records. Go 1.24
// and later make a pseudo-version from the commit (v0.0.0-DATE-REV+dirty)
// when it builds in a clone; with -buildvcs=false the commit is unknown and
// the version is "(devel)".
func versionString(stamped string, info *debug.BuildInfo, ok bool) string {
	if stamped != "" {
		return stamped
	}
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, when string
	var modified bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value[:min(len(s.Value), 12)]
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" || strings.Contains(v, rev) { // a pseudo-version names the commit already
		return v
	}
	details := []string{"commit " + rev}
	if when != "" {
		details = append(details, when)
	}
	if modified {
		details = append(details, "modified")
	}
	return fmt.Sprintf("%s (%s)", v, strings.Join(details, ", "))
}

func init() {
	cli.VersionFlag = &cli.BoolFlag{Name: "version", Aliases: []string{"V"}, Usage: "print the version"}
	// --version prints "btstream v1.2.0", or "btstream (devel) (commit
	// 3827f64abcde, 2026-11-29T19:27:00Z)" from a clone.
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
	bi, biOK := debug.ReadBuildInfo()
	// Our own help command, so that it has no "h" alias and a topic it does
	// not know is a usage error; urfave/cli then leaves --help out, so it is
	// added here.
	flags = append(flags, cli.HelpFlag)
	app := &cli.App{
		Name:      "btstream",
		Usage:     "stream a torrent's video into mpv or VLC while it downloads",
		UsageText: "btstream [flags] SOURCE\nbtstream ls|info [flags] SOURCE\nbtstream demo\nbtstream completion bash|zsh|fish\nbtstream man",
		Description: `SOURCE is a magnet link (quote it: it contains &), a .torrent file or URL,
a 40-character infohash, or - for a .torrent on standard input.

Examples:
  btstream 'magnet:?xt=urn:btih:...'          play the largest video in mpv or VLC
  btstream --file 2 movie.torrent              play file 2 (see btstream ls)
  btstream --stdout 'magnet:?...' | mpv -      pipe the bytes into a player
  url=$(btstream --no-player 'magnet:?...')    get a URL for anything that plays HTTP
  btstream demo                                play the bundled clip, offline`,
		Version:         versionString(version, bi, biOK),
		Flags:           flags,
		Action:          act(""),
		Writer:          d.stdout,
		ErrWriter:       d.stderr,
		HideHelpCommand: true,
		ExitErrHandler:  func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageError{err.Error()}
		},
		// Every value of a repeatable flag is one argument, verbatim:
		// --player-arg=--slang=en,eng is one mpv option and --subtitles
		// "Movie, The.srt" one file. urfave/cli splits on commas otherwise.
		DisableSliceFlagSeparator: true,
		Commands: []*cli.Command{
			{Name: "ls", Usage: "list the torrent's files and mark the one btstream would play", ArgsUsage: "SOURCE", Flags: flagsNamed(inspectFlags, inspectUsage), Action: act("ls")},
			{Name: "info", Usage: "show the torrent's name, infohash, pieces, files, trackers and magnet", ArgsUsage: "SOURCE", Flags: flagsNamed(inspectFlags, inspectUsage), Action: act("info")},
			{Name: "completion", Usage: "print a shell completion script: bash, zsh or fish", ArgsUsage: "SHELL",
				Description: "bash: btstream completion bash > ~/.local/share/bash-completion/completions/btstream\n" +
					"zsh:  btstream completion zsh > \"${fpath[1]}/_btstream\"\n" +
					"fish: btstream completion fish > ~/.config/fish/completions/btstream.fish",
				Action: func(c *cli.Context) error { return printCompletion(c) }},
			{Name: "man", Usage: "print the manual page (btstream man | man -l -)", Action: func(c *cli.Context) error {
				if c.NArg() != 0 {
					return usagef("man takes no argument")
				}
				writeMan(c.App.Writer, c.App)
				return nil
			}},
			{Name: completeCommand, Hidden: true, HideHelp: true, SkipFlagParsing: true, Action: func(c *cli.Context) error {
				printCandidates(c.App.Writer, c.App, c.Args().Slice())
				return nil
			}},
			{Name: "demo", Usage: "play the bundled clip through the whole pipeline, offline", Flags: flagsNamed(demoFlags, nil), Action: func(c *cli.Context) error {
				cfg, err := parseConfig(c)
				if err != nil {
					return err
				}
				if c.NArg() != 0 {
					return usagef("demo takes no source")
				}
				return action(c.Context, &command{name: "demo", cfg: cfg, d: d})
			}},
			{Name: "help", Usage: "show the help of btstream, or of one command", ArgsUsage: "[COMMAND]", HideHelp: true, Action: func(c *cli.Context) error {
				switch name := c.Args().First(); {
				case c.NArg() > 1:
					return usagef("help takes one command at most")
				case name == "":
					return cli.ShowAppHelp(c)
				case !isSubcommand(name):
					return usagef("help: no command %q", name)
				default:
					return cli.ShowCommandHelp(c, name)
				}
			}},
			{Name: "version", Usage: "print the version, as --version", HideHelp: true, Action: func(c *cli.Context) error {
				if c.NArg() > 0 {
					return usagef("version takes no arguments")
				}
				cli.ShowVersion(c)
				return nil
			}},
		},
	}
	// A flag a command cannot parse is a usage error too (exit 2):
	// urfave/cli does not pass the App's handler down.
	for _, cmd := range app.Commands {
		cmd.OnUsageError = app.OnUsageError
	}
	return app
}

// reorderArgs puts the subcommand first and the flags before the positional
// arguments, so that "btstream MAGNET --no-player" and "btstream --no-dht ls
// MAGNET" both work: urfave/cli stops at the first positional argument, and
// flags before a subcommand would otherwise be dropped, not applied.
func reorderArgs(args []string) []string {
	if len(args) < 2 || args[1] == completeCommand { // its words stay in order
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
	case "ls", "info", "demo", "completion", "help", "version", "man":
		return true
	}
	return false
}
