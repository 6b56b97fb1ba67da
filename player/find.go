package player

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// Finder resolves which player to run. Its fields are the lookups it makes, so that tests can
// describe any platform's filesystem; the package-level Find uses the real ones. All fields must
// be set.
type Finder struct {
	GOOS     string                                 // runtime.GOOS: selects the install locations and path syntax
	LookPath func(file string) (string, error)      // exec.LookPath
	Stat     func(name string) (fs.FileInfo, error) // os.Stat
	Getenv   func(key string) string                // os.Getenv
}

// Find resolves want with the real PATH, filesystem and environment; see Finder.Find.
func Find(want string) (Player, error) {
	return Finder{GOOS: runtime.GOOS, LookPath: exec.LookPath, Stat: os.Stat, Getenv: os.Getenv}.Find(want)
}

// Find resolves want to a Player with no Args:
//   - "" tries mpv, then VLC;
//   - "mpv" or "vlc" (any case) tries only that player;
//   - anything else names one program: a path (it contains a path separator) must be an
//     existing executable file, a bare name is looked up on PATH. Its dialect comes from its
//     base name: one containing "mpv" gets the mpv dialect, "vlc" the VLC one, any other the
//     generic one.
//
// A player is looked up on PATH first, then in the usual install locations of the platform
// (macOS app bundles and Homebrew, Windows Program Files, Scoop and Chocolatey, Linux snap and
// flatpak exports), which matter when PATH is short, as for an app started from a desktop.
// When nothing is found, the error wraps ErrNotFound and lists the places tried.
func (f Finder) Find(want string) (Player, error) {
	switch strings.ToLower(want) {
	case "":
		return f.findFirst(MPV, VLC)
	case MPV:
		return f.findFirst(MPV)
	case VLC:
		return f.findFirst(VLC)
	}
	return f.findProgram(want)
}

// findFirst returns the first of names found, in order.
func (f Finder) findFirst(names ...string) (Player, error) {
	var tried []string
	for _, name := range names {
		if path, err := f.LookPath(f.exe(name)); err == nil {
			return Player{Name: name, Path: path}, nil
		}
		tried = append(tried, f.exe(name)+" on PATH")
		for _, path := range f.locations(name) {
			if f.isExecutable(path) {
				return Player{Name: name, Path: path}, nil
			}
			tried = append(tried, path)
		}
	}
	return Player{}, fmt.Errorf("%w (tried %s)", ErrNotFound, strings.Join(tried, ", "))
}

// findProgram resolves a program named explicitly, by path or by name on PATH.
func (f Finder) findProgram(want string) (Player, error) {
	p := Player{Name: dialect(f.base(want)), Path: want}
	if !f.hasSeparator(want) {
		path, err := f.LookPath(want)
		if err != nil {
			return Player{}, fmt.Errorf("%w: %w", ErrNotFound, err)
		}
		p.Path = path
		return p, nil
	}
	info, err := f.Stat(want)
	switch {
	case err != nil:
		return Player{}, fmt.Errorf("%w: %w", ErrNotFound, err)
	case !info.Mode().IsRegular():
		return Player{}, fmt.Errorf("%w: %s is not a regular file", ErrNotFound, want)
	case f.GOOS != "windows" && info.Mode().Perm()&0o111 == 0:
		return Player{}, fmt.Errorf("%w: %s is not executable", ErrNotFound, want)
	}
	return p, nil
}

// dialect picks the argument dialect from a program's base name.
func dialect(base string) string {
	base = strings.ToLower(base)
	switch {
	case strings.Contains(base, MPV):
		return MPV
	case strings.Contains(base, VLC):
		return VLC
	}
	return ""
}

// isExecutable reports whether path is a file the player could be run from.
func (f Finder) isExecutable(path string) bool {
	info, err := f.Stat(path)
	if err != nil || !info.Mode().IsRegular() {
		return false
	}
	return f.GOOS == "windows" || info.Mode().Perm()&0o111 != 0
}

// exe is name as an executable file name on the platform.
func (f Finder) exe(name string) string {
	if f.GOOS == "windows" {
		return name + ".exe"
	}
	return name
}

// hasSeparator reports whether s is a path rather than a bare program name.
func (f Finder) hasSeparator(s string) bool {
	if f.GOOS == "windows" {
		return strings.ContainsAny(s, `/\:`)
	}
	return strings.Contains(s, "/")
}

// base is the last element of path, in the platform's syntax.
func (f Finder) base(path string) string {
	seps := "/"
	if f.GOOS == "windows" {
		seps = `/\:`
	}
	return path[strings.LastIndexAny(path, seps)+1:]
}
