//go:build unix

package player

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// interopTimeout bounds a real player's run; it is a failure guard, not a timing assertion.
const interopTimeout = time.Minute

// TestInteropPlayers plays tiny generated media, served over loopback HTTP, with the real mpv
// and VLC through Find and Run, in each dialect as btstream builds it: a hostile title, two
// subtitles (a local path and a URL), and an M3U playlist whose entries keep their titles.
func TestInteropPlayers(t *testing.T) {
	if testing.Short() {
		t.Skip("interop: -short")
	}
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		skipUnlessCI(t, "interop: ffmpeg not installed, cannot make test media")
	}
	// Readable by nobody, who plays VLC's local subtitle when the test runs as root.
	dir := sharedDir(t)
	for _, name := range []string{"a.mkv", "b.mkv"} {
		out, err := exec.Command(ffmpeg, "-nostdin", "-loglevel", "error", "-f", "lavfi",
			"-i", "testsrc=duration=0.3:size=64x48:rate=10", "-c:v", "mpeg4", filepath.Join(dir, name)).CombinedOutput()
		if err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, out)
		}
	}
	srt := "1\n00:00:00,000 --> 00:00:00,300\nhi\n"
	for _, name := range []string{"local #1.srt", "remote.srt"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(srt), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv, served := serve(t, dir)
	playlist := "#EXTM3U\n#EXTINF:-1,First\n" + srv.URL + "/a.mkv\n#EXTINF:-1,Second\n" + srv.URL + "/b.mkv\n"
	if err := os.WriteFile(filepath.Join(dir, "list.m3u"), []byte(playlist), 0o644); err != nil {
		t.Fatal(err)
	}

	players := []struct {
		want     string
		args     []string // headless, no user config, and enough output to check
		subsSeen []string // in the output when both subtitles were loaded
	}{
		{
			want:     MPV,
			args:     []string{"--no-config", "--vo=null", "--ao=null", "--term-playing-msg=title=${media-title}"},
			subsSeen: []string{"'local #1.srt' (subrip) (external)", "'remote.srt' (subrip) (external)"},
		},
		{
			want: VLC,
			args: []string{"--intf=dummy", "--vout=dummy", "--aout=dummy", "-vv"},
			subsSeen: []string{"forced subtitle: " + filepath.Join(dir, "local #1.srt"),
				"loading spu-es slave: " + srv.URL + "/remote.srt"},
		},
	}
	for _, pl := range players {
		t.Run(pl.want, func(t *testing.T) {
			p, err := Find(pl.want)
			if errors.Is(err, ErrNotFound) {
				skipUnlessCI(t, "interop: "+err.Error())
			}
			if err != nil {
				t.Fatal(err)
			}
			p.Args = pl.args
			cases := []struct {
				name     string
				media    Media
				wantGets []string
				wantOut  []string // in the player's output
			}{
				{
					name: "file with title and subtitles",
					media: Media{URL: srv.URL + "/a.mkv", Title: hostileTitle,
						Subtitles: []string{filepath.Join(dir, "local #1.srt"), srv.URL + "/remote.srt"}},
					wantGets: []string{"/a.mkv", "/remote.srt"},
					wantOut:  pl.subsSeen,
				},
				{
					name:     "playlist",
					media:    Media{URL: srv.URL + "/list.m3u", Title: "not forced", Playlist: true},
					wantGets: []string{"/list.m3u", "/a.mkv", "/b.mkv"},
				},
			}
			if p.Name == MPV { // only mpv can be told to print the title it shows
				cases[0].wantOut = append(cases[0].wantOut, "title="+hostileTitle)
				cases[1].wantOut = []string{"title=First", "title=Second"}
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					served.reset()
					ctx, cancel := context.WithTimeout(context.Background(), interopTimeout)
					defer cancel()
					var out bytes.Buffer
					w := &lockedWriter{w: &out}
					if err := runPlayer(t, ctx, p, tc.media, Stdio{Stdout: w, Stderr: w}); err != nil {
						t.Fatalf("Run: %v\n%s", err, w)
					}
					for _, path := range tc.wantGets {
						if !slices.Contains(served.paths(), path) {
							t.Errorf("player never fetched %s (fetched %q)\n%s", path, served.paths(), w)
						}
					}
					for _, s := range tc.wantOut {
						if !strings.Contains(w.String(), s) {
							t.Errorf("output lacks %q:\n%s", s, w)
						}
					}
				})
			}
		})
	}
}

// skipUnlessCI skips the test with msg, or fails it under CI=true, where .ci/run has
// installed every program and an interop test must never be skipped.
func skipUnlessCI(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; CI=true forbids skipping")
	}
	t.Skip(msg)
}

// nobody is the unprivileged account VLC runs as when the test runs as root.
const nobody = 65534

// runPlayer plays m with p and waits, as p.Run does. VLC refuses to run as root, so then
// it runs p's Command (what Run starts) as nobody instead, with a HOME it can write.
func runPlayer(t *testing.T, ctx context.Context, p Player, m Media, stdio Stdio) error {
	t.Helper()
	if p.Name != VLC || os.Geteuid() != 0 {
		return p.Run(ctx, m, stdio)
	}
	home := filepath.Join(sharedDir(t), "home")
	if err := os.Mkdir(home, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(home, 0o777); err != nil { // past the umask
		t.Fatal(err)
	}
	cmd := p.Command(ctx, m)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdio.Stdin, stdio.Stdout, stdio.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	cmd.Dir = home
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "XDG_DATA_HOME="+filepath.Join(home, ".local", "share"),
		"XDG_RUNTIME_DIR="+home)
	return cmd.Run()
}

// sharedDir returns a fresh directory that every user may read and write (mode
// 0777), removed at cleanup. t.TempDir's parent is private to the test's user, so
// an unprivileged player could not reach anything under it.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "player-interop-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	return dir
}

// served records the paths requested from a test server.
type served struct {
	mu   sync.Mutex
	list []string
}

func (s *served) add(p string) { s.mu.Lock(); s.list = append(s.list, p); s.mu.Unlock() }
func (s *served) reset()       { s.mu.Lock(); s.list = nil; s.mu.Unlock() }
func (s *served) paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.list)
}

// serve serves dir on loopback and records the requested paths.
func serve(t *testing.T, dir string) (*httptest.Server, *served) {
	s := &served{}
	files := http.FileServer(http.Dir(dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.add(r.URL.Path)
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, s
}

// lockedWriter lets the player's stdout and stderr copiers share one buffer.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}
