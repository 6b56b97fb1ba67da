package player

import "strings"

// locations lists where the player name (MPV or VLC) is usually installed on f.GOOS, besides
// PATH, most likely first. Locations under an unset environment variable are left out.
func (f Finder) locations(name string) []string {
	switch f.GOOS {
	case "darwin":
		return f.darwinLocations(name)
	case "windows":
		return f.windowsLocations(name)
	}
	return f.unixLocations(name)
}

// darwinLocations: app bundles (system-wide and per user), Homebrew (Apple silicon, then
// Intel) and MacPorts. A desktop-started process often has none of the bin directories on PATH.
func (f Finder) darwinLocations(name string) []string {
	bundle := "mpv.app/Contents/MacOS/mpv"
	if name == VLC {
		bundle = "VLC.app/Contents/MacOS/VLC"
	}
	return f.present(
		[]string{"/Applications", bundle},
		[]string{f.Getenv("HOME"), "Applications", bundle},
		[]string{"/opt/homebrew/bin", name},
		[]string{"/usr/local/bin", name},
		[]string{"/opt/local/bin", name},
	)
}

// windowsLocations: the official installers (64- and 32-bit Program Files), then the Scoop and
// Chocolatey shim directories.
func (f Finder) windowsLocations(name string) []string {
	exe := f.exe(name)
	install := []string{"mpv", exe}
	if name == VLC {
		install = []string{"VideoLAN", "VLC", exe}
	}
	scoop := f.Getenv("SCOOP")
	if scoop == "" && f.Getenv("USERPROFILE") != "" {
		scoop = f.join(f.Getenv("USERPROFILE"), "scoop")
	}
	choco := f.Getenv("ChocolateyInstall")
	if choco == "" && f.Getenv("ProgramData") != "" {
		choco = f.join(f.Getenv("ProgramData"), "chocolatey")
	}
	return f.present(
		append([]string{f.Getenv("ProgramFiles")}, install...),
		append([]string{f.Getenv("ProgramFiles(x86)")}, install...),
		[]string{scoop, "shims", exe},
		[]string{choco, "bin", exe},
	)
}

// unixLocations: snap and flatpak (system-wide and per user), whose bin directories are often
// missing from PATH outside a login shell.
func (f Finder) unixLocations(name string) []string {
	flatpak := "io.mpv.Mpv"
	if name == VLC {
		flatpak = "org.videolan.VLC"
	}
	return f.present(
		[]string{"/snap/bin", name},
		[]string{"/var/lib/flatpak/exports/bin", flatpak},
		[]string{f.Getenv("HOME"), ".local/share/flatpak/exports/bin", flatpak},
	)
}

// present joins each list of path elements whose first element (a root, often from the
// environment) is not empty.
func (f Finder) present(paths ...[]string) []string {
	var out []string
	for _, elems := range paths {
		if elems[0] != "" {
			out = append(out, f.join(elems...))
		}
	}
	return out
}

// join joins path elements with f.GOOS's separator (filepath.Join would use the host's).
func (f Finder) join(elems ...string) string {
	sep := "/"
	if f.GOOS == "windows" {
		sep = `\`
	}
	parts := make([]string, len(elems))
	for i, e := range elems {
		if i > 0 {
			e = strings.TrimLeft(e, `/\`)
		}
		if i < len(elems)-1 && len(e) > 1 {
			e = strings.TrimRight(e, `/\`)
		}
		parts[i] = e
	}
	return strings.Join(parts, sep)
}
