package player

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// LinkBlocked finds the user's own IPC socket where mpv would: in the arguments, else in the
// config files of the directory mpv would read.
func TestLinkBlocked(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		env   map[string]string // "TMP" in a value is the test's directory
		files map[string]string // path under TMP -> content
		want  string            // "TMP" is the test's directory
	}{
		{name: "nothing set", env: map[string]string{"HOME": "TMP/home"}},
		{
			name: "arg with =",
			args: []string{"--fs", "--input-ipc-server=/tmp/my sock"},
			want: "input-ipc-server=/tmp/my sock (--player-arg)",
		},
		{
			name: "arg with a space",
			args: []string{"--input-ipc-server", "/tmp/a"},
			want: "input-ipc-server=/tmp/a (--player-arg)",
		},
		{
			name: "single-dash arg with a space",
			args: []string{"-input-ipc-server", "/tmp/a"},
			want: "input-ipc-server=/tmp/a (--player-arg)",
		},
		{
			name: "old name",
			args: []string{"--input-unix-socket=/tmp/old"},
			want: "input-ipc-server=/tmp/old (--player-arg)",
		},
		{
			name: "arg set empty turns ours off too",
			args: []string{"--input-ipc-server="},
			want: "input-ipc-server= (--player-arg)",
		},
		{
			name: "after -- it is a file name",
			args: []string{"--", "--input-ipc-server=/tmp/a"},
		},
		{
			name:  "arg wins over mpv.conf",
			args:  []string{"--input-ipc-server=/tmp/arg"},
			env:   map[string]string{"HOME": "TMP/home"},
			files: map[string]string{"home/.config/mpv/mpv.conf": "input-ipc-server=/tmp/conf\n"},
			want:  "input-ipc-server=/tmp/arg (--player-arg)",
		},
		{
			name:  "HOME/.config/mpv",
			env:   map[string]string{"HOME": "TMP/home"},
			files: map[string]string{"home/.config/mpv/mpv.conf": "fs=yes\n  input-ipc-server = /tmp/mpvsocket  # for my remote\n"},
			want:  "input-ipc-server=/tmp/mpvsocket (TMP/home/.config/mpv/mpv.conf:2)",
		},
		{
			name:  "XDG_CONFIG_HOME replaces HOME/.config",
			env:   map[string]string{"HOME": "TMP/home", "XDG_CONFIG_HOME": "TMP/xdg"},
			files: map[string]string{"home/.config/mpv/mpv.conf": "input-ipc-server=/tmp/ignored\n", "xdg/mpv/mpv.conf": "--input-ipc-server=\"/tmp/x y\"\n"},
			want:  "input-ipc-server=/tmp/x y (TMP/xdg/mpv/mpv.conf:1)",
		},
		{
			name:  "HOME/.mpv",
			env:   map[string]string{"HOME": "TMP/home"},
			files: map[string]string{"home/.mpv/mpv.conf": "input-ipc-server=/tmp/old-home\n"},
			want:  "input-ipc-server=/tmp/old-home (TMP/home/.mpv/mpv.conf:1)",
		},
		{
			name:  "legacy config file",
			env:   map[string]string{"HOME": "TMP/home"},
			files: map[string]string{"home/.config/mpv/config": "input-ipc-server=/tmp/legacy\n"},
			want:  "input-ipc-server=/tmp/legacy (TMP/home/.config/mpv/config:1)",
		},
		{
			name:  "global config",
			env:   map[string]string{"HOME": "TMP/home"},
			files: map[string]string{"etc/mpv/mpv.conf": "input-ipc-server=/run/mpv\n"},
			want:  "input-ipc-server=/run/mpv (TMP/etc/mpv/mpv.conf:1)",
		},
		{
			name: "user's empty value overrides the global one",
			env:  map[string]string{"HOME": "TMP/home"},
			files: map[string]string{"etc/mpv/mpv.conf": "input-ipc-server=/run/mpv\n",
				"home/.config/mpv/mpv.conf": "input-ipc-server=\n"},
		},
		{
			name:  "MPV_HOME is the only directory",
			env:   map[string]string{"HOME": "TMP/home", "MPV_HOME": "TMP/mpvhome"},
			files: map[string]string{"home/.config/mpv/mpv.conf": "input-ipc-server=/tmp/ignored\n", "etc/mpv/mpv.conf": "input-ipc-server=/tmp/ignored\n"},
		},
		{
			name:  "MPV_HOME",
			env:   map[string]string{"HOME": "TMP/home", "MPV_HOME": "TMP/mpvhome"},
			files: map[string]string{"mpvhome/mpv.conf": "input-ipc-server=/tmp/m\n"},
			want:  "input-ipc-server=/tmp/m (TMP/mpvhome/mpv.conf:1)",
		},
		{
			name:  "--config-dir wins over MPV_HOME",
			args:  []string{"--config-dir=TMP/cd"},
			env:   map[string]string{"HOME": "TMP/home", "MPV_HOME": "TMP/mpvhome"},
			files: map[string]string{"mpvhome/mpv.conf": "input-ipc-server=/tmp/m\n", "cd/mpv.conf": "input-ipc-server=/tmp/cd\n"},
			want:  "input-ipc-server=/tmp/cd (TMP/cd/mpv.conf:1)",
		},
		{
			name:  "--no-config reads nothing",
			args:  []string{"--no-config"},
			env:   map[string]string{"HOME": "TMP/home"},
			files: map[string]string{"home/.config/mpv/mpv.conf": "input-ipc-server=/tmp/a\n"},
		},
		{
			name:  "--config=no reads nothing",
			args:  []string{"--config=no"},
			env:   map[string]string{"HOME": "TMP/home"},
			files: map[string]string{"home/.config/mpv/mpv.conf": "input-ipc-server=/tmp/a\n"},
		},
		{
			name:  "--config=yes after --no-config reads again",
			args:  []string{"--no-config", "--config=yes"},
			env:   map[string]string{"HOME": "TMP/home"},
			files: map[string]string{"home/.config/mpv/mpv.conf": "input-ipc-server=/tmp/a\n"},
			want:  "input-ipc-server=/tmp/a (TMP/home/.config/mpv/mpv.conf:1)",
		},
		{
			name: "a profile does not count, [default] does",
			env:  map[string]string{"HOME": "TMP/home"},
			files: map[string]string{"home/.config/mpv/mpv.conf": "" +
				"# input-ipc-server=/tmp/commented\n" +
				"[remote]\n" +
				"input-ipc-server=/tmp/profile\n" +
				"[default]\n" +
				"save-position-on-quit\n" +
				"input-ipc-server='/tmp/default' # quoted\n" +
				"[other]\n" +
				"input-ipc-server=/tmp/other\n"},
			want: "input-ipc-server=/tmp/default (TMP/home/.config/mpv/mpv.conf:6)",
		},
		{
			name:  "only in a profile",
			env:   map[string]string{"HOME": "TMP/home"},
			files: map[string]string{"home/.config/mpv/mpv.conf": "[remote]\r\ninput-ipc-server=/tmp/profile\r\n"},
		},
		{
			name: "lines mpv refuses do not count",
			env:  map[string]string{"HOME": "TMP/home"},
			files: map[string]string{"home/.config/mpv/mpv.conf": "" +
				"input-ipc-server=\"/tmp/unterminated\n" +
				"input-ipc-server=\"/tmp/a\" trailing\n" +
				"[remote] trailing\n" + // refused: the profile does not change
				"input-ipc-server=%6%/tmp/b # c\n" +
				"input-ipc-server=%5%/tmp/bb\n" +
				"input-ipc-server\n"},
			want: "input-ipc-server=/tmp/b (TMP/home/.config/mpv/mpv.conf:4)",
		},
		{
			name:  "input-ipc-server-x is another option",
			env:   map[string]string{"HOME": "TMP/home"},
			files: map[string]string{"home/.config/mpv/mpv.conf": "\ufeffinput-ipc-server-x=/tmp/a\ninput-ipc-serverx=1\n"},
		},
		{
			name:  "a byte order mark",
			env:   map[string]string{"HOME": "TMP/home"},
			files: map[string]string{"home/.config/mpv/mpv.conf": "\ufeffinput-ipc-server=/tmp/bom\n"},
			want:  "input-ipc-server=/tmp/bom (TMP/home/.config/mpv/mpv.conf:1)",
		},
		{
			name:  "a directory where the file should be",
			env:   map[string]string{"HOME": "TMP/home"},
			files: map[string]string{"home/.config/mpv/mpv.conf/x": "input-ipc-server=/tmp/a\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			defer func(old string) { mpvGlobalConfigDir = old }(mpvGlobalConfigDir)
			mpvGlobalConfigDir = filepath.Join(tmp, "etc", "mpv")
			expand := func(s string) string { return strings.ReplaceAll(s, "TMP", tmp) }
			for name, content := range tt.files {
				path := filepath.Join(tmp, name)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var args []string
			for _, a := range tt.args {
				args = append(args, expand(a))
			}
			getenv := func(k string) string { return expand(tt.env[k]) }
			p := Player{Name: MPV, Path: "mpv", Args: args}
			if got, want := p.LinkBlocked(getenv), expand(tt.want); got != want {
				t.Errorf("LinkBlocked = %q, want %q", got, want)
			}
		})
	}
}

func TestLinkBlockedNotMPV(t *testing.T) {
	getenv := func(string) string { return "" }
	for _, p := range []Player{{Name: VLC, Path: "vlc"}, {Path: "/opt/celluloid"}} {
		if got := p.LinkBlocked(getenv); got == "" {
			t.Errorf("%s: LinkBlocked = \"\", want a reason", p.label())
		}
	}
}
