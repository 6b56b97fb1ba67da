package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"testing"
	"time"

	"github.com/btstream/btstream/torrentutil/source"
)

// parse runs the command line through newApp and returns the command the
// action would get.
func parse(t *testing.T, env map[string]string, args ...string) (*command, error) {
	t.Helper()
	var got *command
	d := deps{getenv: func(k string) string { return env[k] }}
	for k, v := range env {
		t.Setenv(k, v) // urfave/cli reads the process environment
	}
	var out bytes.Buffer
	d.stdout, d.stderr = &out, &out
	err := newApp(d, func(_ context.Context, c *command) error {
		got = c
		return nil
	}).RunContext(context.Background(), reorderArgs(append([]string{"btstream"}, args...)))
	return got, err
}

func TestFlags(t *testing.T) {
	def := func(mod func(*config)) config {
		c := config{Buffer: bufferRule{Fraction: 0.01}, MetadataTimeout: 2 * time.Minute, Addr: "127.0.0.1:8768", AddrFallback: true, Port: 42069, Source: "SRC"}
		mod(&c)
		return c
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want config
		cmd  string
	}{
		{"defaults", nil, []string{"SRC"}, def(func(*config) {}), ""},
		{"flags after the source", nil, []string{"SRC", "--no-player", "--buffer", "20MB"},
			def(func(c *config) { c.NoPlayer = true; c.Buffer = bufferRule{Bytes: 20_000_000, Explicit: true} }), ""},
		{"repeatable", nil, []string{"--peer", "a:1", "--peer", "b:2", "--tracker", "http://t/a", "--player-arg=--vo=null", "SRC"},
			def(func(c *config) {
				c.Peers = []string{"a:1", "b:2"}
				c.Trackers = []string{"http://t/a"}
				c.PlayerArgs = []string{"--vo=null"}
			}), ""},
		{"rates and percent", nil, []string{"--download-rate", "2MB", "--upload-rate", "500KiB", "--buffer", "2.5%", "SRC"},
			def(func(c *config) {
				c.DownloadRate = 2_000_000
				c.UploadRate = 500 << 10
				c.Buffer = bufferRule{Fraction: 0.025, Explicit: true}
			}), ""},
		{"environment", map[string]string{"BTSTREAM_NO_DHT": "true", "BTSTREAM_PORT": "6881", "BTSTREAM_PLAYER": "vlc"}, []string{"SRC"},
			def(func(c *config) { c.NoDHT = true; c.Port = 6881; c.Player = "vlc" }), ""},
		{"flag beats environment", map[string]string{"BTSTREAM_PORT": "6881"}, []string{"--port", "7000", "SRC"},
			def(func(c *config) { c.Port = 7000 }), ""},
		{"short flags", nil, []string{"-q", "-v", "-f", "*E02*", "SRC"},
			def(func(c *config) { c.Quiet = true; c.Verbose = true; c.File = "*E02*" }), ""},
		{"ls subcommand", nil, []string{"ls", "--json", "SRC"}, def(func(c *config) { c.JSON = true }), "ls"},
		{"flags before the subcommand", nil, []string{"--no-dht", "--port", "7", "ls", "SRC", "--json"},
			def(func(c *config) { c.NoDHT = true; c.Port = 7; c.JSON = true }), "ls"},
		{"a source that starts with a dash", nil, []string{"--", "-"}, def(func(c *config) { c.Source = "-" }), ""},
		{"a bare number of seconds", nil, []string{"--metadata-timeout", "5", "SRC"}, def(func(c *config) { c.MetadataTimeout = 5 * time.Second }), ""},
		{"fractional seconds", nil, []string{"--metadata-timeout=1.5", "SRC"}, def(func(c *config) { c.MetadataTimeout = 1500 * time.Millisecond }), ""},
		{"a duration", nil, []string{"--metadata-timeout", "1m30s", "SRC"}, def(func(c *config) { c.MetadataTimeout = 90 * time.Second }), ""},
		{"seconds from the environment", map[string]string{"BTSTREAM_METADATA_TIMEOUT": "7"}, []string{"SRC"},
			def(func(c *config) { c.MetadataTimeout = 7 * time.Second }), ""},
		{"ls takes its own flags", nil, []string{"ls", "--metadata-timeout", "3", "--peer", "a:1", "-f", "2", "SRC"},
			def(func(c *config) { c.MetadataTimeout = 3 * time.Second; c.Peers = []string{"a:1"}; c.File = "2" }), "ls"},
		{"addr with a port", nil, []string{"--addr", "0.0.0.0:9000", "SRC"},
			def(func(c *config) { c.Addr = "0.0.0.0:9000"; c.AddrFallback = false }), ""},
		{"addr without a port", map[string]string{"BTSTREAM_ADDR": "::"}, []string{"SRC"},
			def(func(c *config) { c.Addr = "[::]:8768" }), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse(t, tt.env, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if c.name != tt.cmd || !reflect.DeepEqual(c.cfg, tt.want) {
				t.Errorf("got %q %+v\nwant %q %+v", c.name, c.cfg, tt.cmd, tt.want)
			}
		})
	}
}

func TestFlagErrorsAreUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--bogus", "SRC"},
		{"--buffer", "101%", "SRC"},
		{"--download-rate", "fast", "SRC"},
		{"--port", "70000", "SRC"},
		{"--addr", "127.0.0.1:http", "SRC"},
		{"--addr", "", "SRC"},
		{"--stdout", "--no-player", "SRC"},
		{"--stdout", "--json", "SRC"},
		{},
		{"demo", "SRC"},
		{"--metadata-timeout", "soon", "SRC"},
		{"--metadata-timeout", "NaN", "SRC"},
		{"--metadata-timeout", "1e300", "SRC"},
		{"--metadata-timeout", "-5", "SRC"},
		{"ls", "--player", "vlc", "SRC"}, // a playback flag is not ls's
		{"info", "--buffer", "5%", "SRC"},
		{"demo", "--tracker", "http://t/a"},
		{"help", "nope"},
		{"help", "ls", "info"},
		{"version", "x"},
	} {
		_, err := parse(t, nil, args...)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("%q: error %v, want a usage error", args, err)
		}
	}
}

// --addr: a port given is kept (0 too), a host alone gets the default
// port with its fallback.
func TestParseAddr(t *testing.T) {
	tests := []struct {
		in       string
		addr     string
		fallback bool
	}{
		{"127.0.0.1:0", "127.0.0.1:0", false},
		{"127.0.0.1:8768", "127.0.0.1:8768", false},
		{"0.0.0.0", "0.0.0.0:8768", true},
		{"0.0.0.0:", "0.0.0.0:8768", true},
		{"::", "[::]:8768", true},
		{"[::]", "[::]:8768", true},
		{"[::]:9000", "[::]:9000", false},
		{":9000", ":9000", false},
		{"localhost", "localhost:8768", true},
	}
	for _, tt := range tests {
		addr, fallback, err := parseAddr(tt.in, true)
		if err != nil || addr != tt.addr || fallback != tt.fallback {
			t.Errorf("parseAddr(%q) = %q, %v, %v; want %q, %v", tt.in, addr, fallback, err, tt.addr, tt.fallback)
		}
	}
	for _, bad := range []string{"", "127.0.0.1:x", "127.0.0.1:70000", "[::1", "a b:80"} {
		if _, _, err := parseAddr(bad, true); err == nil {
			t.Errorf("parseAddr(%q): no error", bad)
		}
	}
}

func TestBufferRule(t *testing.T) {
	tests := []struct {
		in   string
		size int64
		want int64
	}{
		{"1%", 1000, 10},
		{"0%", 1000, 0},
		{"100%", 1000, 1000},
		{"20MB", 1 << 30, 20_000_000},
		{"20MiB", 1 << 30, 20 << 20},
		{"20MB", 1000, 1000}, // never more than the file
		{"4096", 1 << 20, 4096},
	}
	for _, tt := range tests {
		r, err := parseBuffer(tt.in)
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		if got := r.want(tt.size); got != tt.want {
			t.Errorf("%q of %d = %d, want %d", tt.in, tt.size, got, tt.want)
		}
	}
}

func TestSafeText(t *testing.T) {
	tests := map[string]string{
		"plain.mkv":          "plain.mkv",
		"Amélie (2001).mkv":  "Amélie (2001).mkv",
		"evil\x1b[2J.mkv":    `evil\x1b[2J.mkv`,
		"two\nlines":         `two\x0alines`,
		"bell\a\r":           `bell\x07\x0d`,
		"c1\u009bcontrol":    `c1\x9bcontrol`,
		"bad utf8 \xff here": `bad utf8 \xfffd here`,
	}
	for in, want := range tests {
		if got := safeText(in); got != want {
			t.Errorf("safeText(%q) = %q, want %q", in, got, want)
		}
	}
}

// ls and info read a .torrent without the network, and their JSON decodes.
func TestInspectJSON(t *testing.T) {
	h := newHarness(t)
	src := filepath.Join("testdata", "multi-with-sample.torrent")
	if code := h.run(timeout(t), "ls", "--json", src); code != exitOK {
		t.Fatalf("ls exit %d: %s", code, h.stderr.String())
	}
	var ls lsOutput
	if err := json.Unmarshal(h.stdout.Bytes(), &ls); err != nil {
		t.Fatal(err)
	}
	if len(ls.Files) != 4 || ls.Default < 0 || ls.Files[ls.Default].Path != "Feature.2020.mkv" {
		t.Errorf("ls = %+v, want 4 files with the feature as default", ls)
	}
	h.stdout.Reset()
	if code := h.run(timeout(t), "info", "--json", src); code != exitOK {
		t.Fatalf("info exit %d: %s", code, h.stderr.String())
	}
	var info source.Info
	if err := json.Unmarshal(h.stdout.Bytes(), &info); err != nil {
		t.Fatal(err)
	}
	if len(info.InfoHash) != 40 || info.Pieces == 0 || info.Magnet == "" || len(info.Files) != 4 {
		t.Errorf("info = %+v", info)
	}
}

// Every value of a repeatable flag is one argument, verbatim: commas and
// spaces included, from the command line and from the environment.
func TestRepeatableFlagsVerbatim(t *testing.T) {
	sub := filepath.Join(t.TempDir(), "Movie, The.srt")
	if err := os.WriteFile(sub, []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := parse(t, nil, "--player-arg=--slang=en,eng", "--player-arg", " --vo=null ",
		"--subtitles", sub, "--tracker", "http://t/announce?a=1,2", "--peer", "a,b:1", "SRC")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"--slang=en,eng", " --vo=null "}; !reflect.DeepEqual(c.cfg.PlayerArgs, want) {
		t.Errorf("player args %q, want %q", c.cfg.PlayerArgs, want)
	}
	if want := []string{sub}; !reflect.DeepEqual(c.cfg.Subtitles, want) {
		t.Errorf("subtitles %q, want %q", c.cfg.Subtitles, want)
	}
	if want := []string{"http://t/announce?a=1,2"}; !reflect.DeepEqual(c.cfg.Trackers, want) {
		t.Errorf("trackers %q, want %q", c.cfg.Trackers, want)
	}
	if want := []string{"a,b:1"}; !reflect.DeepEqual(c.cfg.Peers, want) {
		t.Errorf("peers %q, want %q", c.cfg.Peers, want)
	}
	c, err = parse(t, map[string]string{"BTSTREAM_PLAYER_ARG": "--slang=en,eng"}, "SRC")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"--slang=en,eng"}; !reflect.DeepEqual(c.cfg.PlayerArgs, want) {
		t.Errorf("player args from the environment %q, want %q", c.cfg.PlayerArgs, want)
	}
}

// --version says the stamped version, else what the build info knows.
func TestVersionString(t *testing.T) {
	vcs := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	tests := []struct {
		name    string
		stamped string
		info    *debug.BuildInfo
		want    string
	}{
		{"stamped wins", "v1.2.0", &debug.BuildInfo{Main: debug.Module{Version: "v1.1.0"}}, "v1.2.0"},
		{"go install module@version", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.1.0"}}, "v1.1.0"},
		{"a clone: the pseudo-version names the commit", "", &debug.BuildInfo{
			Main:     debug.Module{Version: "v0.0.0-20261129192725-3827f64b1038+dirty"},
			Settings: vcs("vcs.revision", "3827f64b103824e86a41c67881835523a9412cb7", "vcs.time", "2026-11-29T19:27:25Z", "vcs.modified", "true"),
		}, "v0.0.0-20261129192725-3827f64b1038+dirty"},
		{"an older Go: the commit from the settings", "", &debug.BuildInfo{
			Main:     debug.Module{Version: "(devel)"},
			Settings: vcs("vcs.revision", "3827f64b103824e86a41c67881835523a9412cb7", "vcs.time", "2026-11-29T19:27:25Z", "vcs.modified", "true"),
		}, "(devel) (commit 3827f64b1038, 2026-11-29T19:27:25Z, modified)"},
		{"no VCS information", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "(devel)"},
	}
	for _, tt := range tests {
		if got := versionString(tt.stamped, tt.info, true); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := versionString("", nil, false); got != "unknown" {
		t.Errorf("no build info: %q", got)
	}
}
