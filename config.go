package main

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/urfave/cli/v2"

	"github.com/btstream/btstream/torrentutil"
)

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
	AddrFallback    bool // Addr's port is the default: another when taken
	DataDir         string
	Port            int
	NoDHT, NoUPnP   bool
	NoUpload, Seed  bool
	Trackers, Peers []string
	DownloadRate    int64
	UploadRate      int64
	Playlist        bool
	FromStart       bool
	Subtitles       []string
	Quiet, Verbose  bool
	Debug           bool
}

// parseConfig turns the parsed flags into a config and refuses flags that
// do not go together.
func parseConfig(c *cli.Context) (config, error) {
	cfg := config{
		Player:          c.String("player"),
		PlayerArgs:      c.StringSlice("player-arg"),
		NoPlayer:        c.Bool("no-player"),
		Stdout:          c.Bool("stdout"),
		JSON:            c.Bool("json"),
		File:            c.String("file"),
		MetadataTimeout: durationFlag(c, "metadata-timeout"),
		DataDir:         c.String("data-dir"),
		Port:            c.Int("port"),
		NoDHT:           c.Bool("no-dht"),
		NoUPnP:          c.Bool("no-upnp"),
		NoUpload:        c.Bool("no-upload"),
		Seed:            c.Bool("seed"),
		FromStart:       c.Bool("from-start"),
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
	if cfg.Addr, cfg.AddrFallback, err = parseAddr(c.String("addr"), c.IsSet("addr")); err != nil {
		return cfg, err
	}
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

// httpPort is the default HTTP port. A port that is the same on every run
// makes a URL that is too, and mpv and VLC key resume on the URL. It is
// above the registered ports players and media servers commonly use and
// below Linux's ephemeral range (32768-60999), where it would clash with
// outgoing connections.
const httpPort = 8768

// defaultAddr is --addr's default: loopback, httpPort.
const defaultAddr = "127.0.0.1:8768"

// parseAddr reads --addr: HOST:PORT is taken as it is (port 0: any free
// one); HOST alone, or --addr not given, gets httpPort with a fallback to
// the next free port when it is taken.
func parseAddr(s string, set bool) (addr string, fallback bool, err error) {
	if !set {
		return defaultAddr, true, nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil { // no port: "0.0.0.0", "::", "[::]", "localhost"
		host, port = s, ""
		if h, ok := strings.CutPrefix(s, "["); ok {
			host, _ = strings.CutSuffix(h, "]")
			if host == h {
				host = "[" // unbalanced: refused below
			}
		}
	}
	if host == "" && port == "" || strings.ContainsAny(host, "[]/ ") {
		return "", false, usagef("--addr %q: want HOST or HOST:PORT, like 127.0.0.1 or 0.0.0.0:8768", s)
	}
	if port == "" {
		return net.JoinHostPort(host, strconv.Itoa(httpPort)), true, nil
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", false, usagef("--addr %q: %q is not a port", s, port)
	}
	return net.JoinHostPort(host, port), false, nil
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

// parseBuffer reads --buffer: a percent of the file, or a size.
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

// parseRate reads a --download-rate or --upload-rate: a size per second.
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
