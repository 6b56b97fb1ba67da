package player

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// fakeSystem is a platform described by maps: what PATH holds, which files exist, the environment.
type fakeSystem struct {
	goos  string
	path  map[string]string      // name -> resolved path
	files map[string]fs.FileMode // path -> mode
	env   map[string]string
}

func (s fakeSystem) finder() Finder {
	return Finder{
		GOOS: s.goos,
		LookPath: func(file string) (string, error) {
			if p, ok := s.path[file]; ok {
				return p, nil
			}
			return "", &exec.Error{Name: file, Err: exec.ErrNotFound}
		},
		Stat: func(name string) (fs.FileInfo, error) {
			if mode, ok := s.files[name]; ok {
				return fakeInfo{name: name, mode: mode}, nil
			}
			return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
		},
		Getenv: func(key string) string { return s.env[key] },
	}
}

type fakeInfo struct {
	name string
	mode fs.FileMode
}

func (i fakeInfo) Name() string       { return i.name }
func (i fakeInfo) Size() int64        { return 1 }
func (i fakeInfo) Mode() fs.FileMode  { return i.mode }
func (i fakeInfo) ModTime() time.Time { return time.Time{} }
func (i fakeInfo) IsDir() bool        { return i.mode.IsDir() }
func (i fakeInfo) Sys() any           { return nil }

const exe = 0o755

var windowsEnv = map[string]string{
	"ProgramFiles":      `C:\Program Files`,
	"ProgramFiles(x86)": `C:\Program Files (x86)`,
	"USERPROFILE":       `C:\Users\ann`,
	"ProgramData":       `C:\ProgramData`,
}

func TestFind(t *testing.T) {
	tests := []struct {
		name     string
		sys      fakeSystem
		want     string
		wantName string
		wantPath string
		wantErr  []string // substrings of the error; nil means success
		errIs    error    // also matched, besides ErrNotFound
	}{
		{
			name:     "only mpv on PATH",
			sys:      fakeSystem{goos: "linux", path: map[string]string{"mpv": "/usr/bin/mpv"}},
			wantName: MPV, wantPath: "/usr/bin/mpv",
		},
		{
			name:     "only vlc on PATH",
			sys:      fakeSystem{goos: "linux", path: map[string]string{"vlc": "/usr/bin/vlc"}},
			wantName: VLC, wantPath: "/usr/bin/vlc",
		},
		{
			name:     "both: mpv wins",
			sys:      fakeSystem{goos: "linux", path: map[string]string{"vlc": "/usr/bin/vlc", "mpv": "/usr/bin/mpv"}},
			wantName: MPV, wantPath: "/usr/bin/mpv",
		},
		{
			name:     "want vlc with both",
			sys:      fakeSystem{goos: "linux", path: map[string]string{"vlc": "/usr/bin/vlc", "mpv": "/usr/bin/mpv"}},
			want:     "VLC",
			wantName: VLC, wantPath: "/usr/bin/vlc",
		},
		{
			name:    "want mpv does not fall back to vlc",
			sys:     fakeSystem{goos: "linux", path: map[string]string{"vlc": "/usr/bin/vlc"}},
			want:    "mpv",
			wantErr: []string{"mpv on PATH", "/snap/bin/mpv"},
		},
		{
			name:     "mpv on PATH beats the mpv app bundle",
			sys:      fakeSystem{goos: "darwin", path: map[string]string{"mpv": "/usr/local/bin/mpv"}, files: map[string]fs.FileMode{"/Applications/mpv.app/Contents/MacOS/mpv": exe}},
			wantName: MPV, wantPath: "/usr/local/bin/mpv",
		},
		{
			name:     "explicit path exists",
			sys:      fakeSystem{goos: "linux", files: map[string]fs.FileMode{"/opt/My Players/mpv-git": exe}},
			want:     "/opt/My Players/mpv-git",
			wantName: MPV, wantPath: "/opt/My Players/mpv-git",
		},
		{
			name:     "explicit path, vlc dialect from base name",
			sys:      fakeSystem{goos: "linux", files: map[string]fs.FileMode{"/mpv/bin/cvlc": exe}},
			want:     "/mpv/bin/cvlc",
			wantName: VLC, wantPath: "/mpv/bin/cvlc",
		},
		{
			name:     "explicit path, unknown program is generic",
			sys:      fakeSystem{goos: "linux", files: map[string]fs.FileMode{"./celluloid": exe}},
			want:     "./celluloid",
			wantName: "", wantPath: "./celluloid",
		},
		{
			name:    "explicit path missing",
			sys:     fakeSystem{goos: "linux", path: map[string]string{"mpv": "/usr/bin/mpv"}},
			want:    "/opt/mpv",
			wantErr: []string{"/opt/mpv"},
			errIs:   fs.ErrNotExist,
		},
		{
			name:    "explicit path not executable",
			sys:     fakeSystem{goos: "linux", files: map[string]fs.FileMode{"/tmp/mpv": 0o644}},
			want:    "/tmp/mpv",
			wantErr: []string{"/tmp/mpv", "not executable"},
		},
		{
			name:    "explicit path is a directory",
			sys:     fakeSystem{goos: "linux", files: map[string]fs.FileMode{"/Applications/mpv.app": fs.ModeDir | exe}},
			want:    "/Applications/mpv.app",
			wantErr: []string{"/Applications/mpv.app", "not a regular file"},
		},
		{
			name:     "bare program name is looked up on PATH",
			sys:      fakeSystem{goos: "linux", path: map[string]string{"celluloid": "/usr/bin/celluloid"}},
			want:     "celluloid",
			wantName: "", wantPath: "/usr/bin/celluloid",
		},
		{
			name:    "bare program name missing",
			sys:     fakeSystem{goos: "linux"},
			want:    "celluloid",
			wantErr: []string{`"celluloid"`},
			errIs:   exec.ErrNotFound,
		},
		{
			name:     "linux snap",
			sys:      fakeSystem{goos: "linux", files: map[string]fs.FileMode{"/snap/bin/vlc": exe}},
			wantName: VLC, wantPath: "/snap/bin/vlc",
		},
		{
			name:     "linux user flatpak",
			sys:      fakeSystem{goos: "linux", env: map[string]string{"HOME": "/home/ann"}, files: map[string]fs.FileMode{"/home/ann/.local/share/flatpak/exports/bin/io.mpv.Mpv": exe}},
			wantName: MPV, wantPath: "/home/ann/.local/share/flatpak/exports/bin/io.mpv.Mpv",
		},
		{
			name:     "macOS mpv app bundle",
			sys:      fakeSystem{goos: "darwin", files: map[string]fs.FileMode{"/Applications/mpv.app/Contents/MacOS/mpv": exe}},
			wantName: MPV, wantPath: "/Applications/mpv.app/Contents/MacOS/mpv",
		},
		{
			name:     "macOS VLC app bundle",
			sys:      fakeSystem{goos: "darwin", files: map[string]fs.FileMode{"/Applications/VLC.app/Contents/MacOS/VLC": exe}},
			wantName: VLC, wantPath: "/Applications/VLC.app/Contents/MacOS/VLC",
		},
		{
			name:     "macOS per-user VLC bundle",
			sys:      fakeSystem{goos: "darwin", env: map[string]string{"HOME": "/Users/ann"}, files: map[string]fs.FileMode{"/Users/ann/Applications/VLC.app/Contents/MacOS/VLC": exe}},
			wantName: VLC, wantPath: "/Users/ann/Applications/VLC.app/Contents/MacOS/VLC",
		},
		{
			name:     "macOS Homebrew on Apple silicon, off PATH",
			sys:      fakeSystem{goos: "darwin", files: map[string]fs.FileMode{"/opt/homebrew/bin/mpv": exe, "/Applications/VLC.app/Contents/MacOS/VLC": exe}},
			wantName: MPV, wantPath: "/opt/homebrew/bin/mpv",
		},
		{
			name:     "macOS Homebrew on Intel",
			sys:      fakeSystem{goos: "darwin", files: map[string]fs.FileMode{"/usr/local/bin/vlc": exe}},
			wantName: VLC, wantPath: "/usr/local/bin/vlc",
		},
		{
			name:     "windows PATH lookup uses .exe",
			sys:      fakeSystem{goos: "windows", path: map[string]string{"vlc.exe": `C:\Tools\vlc.exe`}},
			wantName: VLC, wantPath: `C:\Tools\vlc.exe`,
		},
		{
			name:     "windows VLC in Program Files",
			sys:      fakeSystem{goos: "windows", env: windowsEnv, files: map[string]fs.FileMode{`C:\Program Files\VideoLAN\VLC\vlc.exe`: 0o666}},
			wantName: VLC, wantPath: `C:\Program Files\VideoLAN\VLC\vlc.exe`,
		},
		{
			name:     "windows 32-bit VLC",
			sys:      fakeSystem{goos: "windows", env: windowsEnv, files: map[string]fs.FileMode{`C:\Program Files (x86)\VideoLAN\VLC\vlc.exe`: 0o666}},
			wantName: VLC, wantPath: `C:\Program Files (x86)\VideoLAN\VLC\vlc.exe`,
		},
		{
			name:     "windows mpv in Program Files",
			sys:      fakeSystem{goos: "windows", env: windowsEnv, files: map[string]fs.FileMode{`C:\Program Files\mpv\mpv.exe`: 0o666, `C:\Program Files\VideoLAN\VLC\vlc.exe`: 0o666}},
			wantName: MPV, wantPath: `C:\Program Files\mpv\mpv.exe`,
		},
		{
			name:     "windows scoop shim",
			sys:      fakeSystem{goos: "windows", env: windowsEnv, files: map[string]fs.FileMode{`C:\Users\ann\scoop\shims\mpv.exe`: 0o666}},
			wantName: MPV, wantPath: `C:\Users\ann\scoop\shims\mpv.exe`,
		},
		{
			name:     "windows scoop elsewhere",
			sys:      fakeSystem{goos: "windows", env: map[string]string{"SCOOP": `D:\scoop\`}, files: map[string]fs.FileMode{`D:\scoop\shims\vlc.exe`: 0o666}},
			wantName: VLC, wantPath: `D:\scoop\shims\vlc.exe`,
		},
		{
			name:     "windows chocolatey shim",
			sys:      fakeSystem{goos: "windows", env: windowsEnv, files: map[string]fs.FileMode{`C:\ProgramData\chocolatey\bin\mpv.exe`: 0o666}},
			wantName: MPV, wantPath: `C:\ProgramData\chocolatey\bin\mpv.exe`,
		},
		{
			name:     "windows explicit path",
			sys:      fakeSystem{goos: "windows", files: map[string]fs.FileMode{`D:\apps\mpv.net\mpvnet.exe`: 0o666}},
			want:     `D:\apps\mpv.net\mpvnet.exe`,
			wantName: MPV, wantPath: `D:\apps\mpv.net\mpvnet.exe`,
		},
		{
			name:     "windows dialect from the base name only",
			sys:      fakeSystem{goos: "windows", files: map[string]fs.FileMode{`C:\vlc\tools\mpc-hc64.exe`: 0o666}},
			want:     `C:\vlc\tools\mpc-hc64.exe`,
			wantName: "", wantPath: `C:\vlc\tools\mpc-hc64.exe`,
		},
		{
			name:    "none on linux",
			sys:     fakeSystem{goos: "linux", env: map[string]string{"HOME": "/home/ann"}},
			wantErr: []string{"mpv on PATH", "vlc on PATH", "/snap/bin/vlc", "/var/lib/flatpak/exports/bin/org.videolan.VLC", "/home/ann/.local/share/flatpak/exports/bin/io.mpv.Mpv"},
		},
		{
			name:    "none on macOS, a non-executable file does not count",
			sys:     fakeSystem{goos: "darwin", files: map[string]fs.FileMode{"/opt/homebrew/bin/mpv": 0o644}},
			wantErr: []string{"/Applications/mpv.app/Contents/MacOS/mpv", "/Applications/VLC.app/Contents/MacOS/VLC", "/opt/homebrew/bin/mpv", "/usr/local/bin/vlc"},
		},
		{
			name:    "none on windows, unset variables skipped",
			sys:     fakeSystem{goos: "windows", env: map[string]string{"ProgramFiles": `C:\Program Files`}},
			wantErr: []string{"mpv.exe on PATH", `C:\Program Files\mpv\mpv.exe`, `C:\Program Files\VideoLAN\VLC\vlc.exe`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.sys.finder().Find(tt.want)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Find(%q): %v", tt.want, err)
				}
				want := Player{Name: tt.wantName, Path: tt.wantPath}
				if got.Name != want.Name || got.Path != want.Path || got.Args != nil {
					t.Errorf("Find(%q) = %+v, want %+v", tt.want, got, want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Find(%q) = %+v, want an error", tt.want, got)
			}
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("error %q does not wrap ErrNotFound", err)
			}
			if tt.errIs != nil && !errors.Is(err, tt.errIs) {
				t.Errorf("error %q does not wrap %v", err, tt.errIs)
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			if strings.Contains(err.Error(), `\\`) || strings.Contains(err.Error(), "//") {
				t.Errorf("error %q has a doubled separator", err)
			}
		})
	}
}

// The package-level Find works against the real system: it resolves the test binary itself,
// by path, to the generic dialect.
func TestFindRealPath(t *testing.T) {
	p, err := Find(os.Args[0])
	if err != nil {
		t.Fatalf("Find(%q): %v", os.Args[0], err)
	}
	if p.Path != os.Args[0] || p.Name != "" {
		t.Errorf("Find(%q) = %+v, want the generic dialect", os.Args[0], p)
	}
}
