package player

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ipcOptions are mpv's names for its IPC socket option: input-unix-socket is the old one,
// which mpv 0.35 still takes as input-ipc-server.
var ipcOptions = []string{"input-ipc-server", "input-unix-socket"}

// mpvGlobalConfigDir is where Debian's mpv (and mpv's default build) reads its system-wide
// configuration: MPV_CONFDIR, $sysconfdir/mpv. A variable for tests.
var mpvGlobalConfigDir = "/etc/mpv"

// LinkBlocked reports whether btstream may start mpv with its own socket (Media.IPC): "" when
// it may; otherwise why not, as data:
//
//	not mpv                                    the player is VLC or another program
//	input-ipc-server=PATH (--player-arg)       Player.Args set it (PATH may be empty)
//	input-ipc-server=PATH (FILE:LINE)          the mpv.conf that mpv would read sets it
//
// The user's own socket must be left alone: Args come after Media.IPC and would replace it,
// and an mpv.conf setting would be replaced by it, leaving the user's scripts without their
// socket. getenv (os.Getenv) gives MPV_HOME, XDG_CONFIG_HOME and HOME.
//
// It reads the configuration files as mpv 0.35 finds them (options/path.c): none with
// --no-config (or --config=no); only the directory of --config-dir=D, else only $MPV_HOME
// when set; else /etc/mpv, ~/.mpv and $XDG_CONFIG_HOME/mpv (default ~/.config/mpv), in that
// order, later ones overriding earlier ones, each directory's legacy "config" file before its
// mpv.conf. In a file only the lines outside a profile, or in [default], count; mpv applies
// other profiles only when asked. Not followed: include=, a --profile or --include in Args,
// and auto profiles. A file that cannot be read is one mpv cannot read either: it counts as
// absent.
func (p Player) LinkBlocked(getenv func(string) string) string {
	if p.Name != MPV {
		return "not mpv"
	}
	a := scanMPVArgs(p.Args)
	if a.ipcSet {
		return "input-ipc-server=" + a.ipc + " (--player-arg)"
	}
	if a.noConfig {
		return ""
	}
	value, where := "", ""
	for _, dir := range mpvConfigDirs(a.configDir, getenv) {
		for _, name := range []string{"config", "mpv.conf"} {
			file := filepath.Join(dir, name)
			if v, line, ok := confIPC(file); ok {
				value, where = v, file+":"+strconv.Itoa(line)
			}
		}
	}
	if value == "" { // unset, or set to none, which our socket may replace
		return ""
	}
	return "input-ipc-server=" + value + " (" + where + ")"
}

// mpvArgs is what LinkBlocked needs from the user's arguments.
type mpvArgs struct {
	ipc       string // the last --input-ipc-server's value
	ipcSet    bool
	noConfig  bool   // --no-config or --config=no, the last one winning
	configDir string // the last --config-dir's value
}

// scanMPVArgs reads args as mpv's command line parser does, up to a "--" that ends options:
// "--name=value", "-name=value", "-name value", and also "--name value", which mpv refuses
// (it exits, so nothing is lost by counting it).
func scanMPVArgs(args []string) mpvArgs {
	var a mpvArgs
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			break
		}
		if len(arg) < 2 || arg[0] != '-' {
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(arg[1:], "-"), "=")
		next := func() string { // the value in the next argument
			if hasValue || i+1 >= len(args) {
				return value
			}
			i++
			return args[i]
		}
		switch {
		case isIPCOption(name):
			a.ipc, a.ipcSet = next(), true
		case name == "config-dir":
			a.configDir = next()
		case name == "no-config" && !hasValue:
			a.noConfig = true
		case name == "config":
			a.noConfig = value == "no"
		}
	}
	return a
}

func isIPCOption(name string) bool {
	for _, o := range ipcOptions {
		if name == o {
			return true
		}
	}
	return false
}

// mpvConfigDirs lists the directories mpv reads its configuration from, in the order it
// loads them (the last wins). configDir is --config-dir's value.
func mpvConfigDirs(configDir string, getenv func(string) string) []string {
	if configDir != "" {
		return []string{configDir}
	}
	if d := getenv("MPV_HOME"); d != "" {
		return []string{d}
	}
	dirs := []string{mpvGlobalConfigDir}
	home := getenv("HOME")
	if home != "" {
		dirs = append(dirs, filepath.Join(home, ".mpv"))
	}
	if xdg := getenv("XDG_CONFIG_HOME"); xdg != "" {
		dirs = append(dirs, filepath.Join(xdg, "mpv"))
	} else if home != "" {
		dirs = append(dirs, filepath.Join(home, ".config", "mpv"))
	}
	return dirs
}

// maxConf bounds how much of a config file confIPC reads (mpv reads all of it; a real mpv.conf
// is a few kilobytes).
const maxConf = 1 << 20

// confIPC reads the mpv config file and returns the value of its last input-ipc-server line
// outside a profile (or in [default]), with its line number; ok is false when it has none or
// cannot be read.
func confIPC(file string) (value string, line int, ok bool) {
	f, err := os.Open(file)
	if err != nil {
		return "", 0, false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConf))
	if err != nil {
		return "", 0, false
	}
	inDefault := true
	for n, text := range strings.Split(strings.TrimPrefix(string(data), "\uFEFF"), "\n") {
		name, v, section, kind := parseConfLine(text)
		switch kind {
		case confSection:
			inDefault = section == "" || section == "default"
		case confOption:
			if inDefault && isIPCOption(name) {
				value, line, ok = v, n+1, true
			}
		}
	}
	return value, line, ok
}

// Kinds of a line of mpv.conf.
const (
	confBlank = iota
	confSection
	confOption
)

// parseConfLine reads one line of mpv.conf as mpv 0.35's m_config_parse does: "# comment",
// "[profile]", and "[--]name[=value]" where the value is "quoted", 'quoted', %N%fixed-length,
// or the rest of the line up to a '#', trimmed.
func parseConfLine(s string) (name, value, section string, kind int) {
	if blank(s) {
		return "", "", "", confBlank
	}
	s = strings.TrimLeft(s, " \t\r\n\v\f")
	if rest, ok := strings.CutPrefix(s, "["); ok {
		section, tail, ok := strings.Cut(rest, "]")
		if !ok || !blank(tail) {
			return "", "", "", confBlank // mpv reports it and keeps the current profile
		}
		return "", "", section, confSection
	}
	s = strings.TrimPrefix(s, "--")
	end := strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	})
	if end < 0 {
		end = len(s)
	}
	name, s = s[:end], strings.TrimLeft(s[end:], " \t\r\n\v\f")
	rest, hasValue := strings.CutPrefix(s, "=")
	if !hasValue {
		return "", "", "", confBlank // a flag, or a missing value that mpv refuses
	}
	rest = strings.TrimLeft(rest, " \t\r\n\v\f")
	switch {
	case strings.HasPrefix(rest, `"`) || strings.HasPrefix(rest, "'"):
		v, tail, ok := strings.Cut(rest[1:], rest[:1])
		if !ok || !blank(tail) {
			return "", "", "", confBlank // mpv reports the line and ignores it
		}
		return name, v, "", confOption
	case strings.HasPrefix(rest, "%"):
		n, tail, ok := strings.Cut(rest[1:], "%")
		size, err := strconv.Atoi(n)
		if !ok || err != nil || size < 0 || size > len(tail) || !blank(tail[size:]) {
			return "", "", "", confBlank
		}
		return name, tail[:size], "", confOption
	}
	v, _, _ := strings.Cut(rest, "#")
	return name, strings.TrimSpace(v), "", confOption
}

// blank reports whether s holds only white space, or a comment.
func blank(s string) bool {
	s = strings.TrimLeft(s, " \t\r\n\v\f")
	return s == "" || s[0] == '#'
}
