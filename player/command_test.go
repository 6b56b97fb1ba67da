package player

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// hostile strings must reach the player as single, unchanged argv entries.
const (
	hostileURL   = "http://127.0.0.1:8080/0/My Movie $(rm -rf ~) 'q' \"dq\" `id`;.mkv"
	hostileTitle = `-Title with "quotes", 'single', $(rm -rf ~) & ; | > x`
	dashURL      = "-rf"
)

func TestCommand(t *testing.T) {
	const url = "http://127.0.0.1:8080/0/movie.mkv"
	tests := []struct {
		name   string
		player Player
		media  Media
		want   []string // after Path
	}{
		{
			name:   "mpv bare",
			player: Player{Name: MPV, Path: "/usr/bin/mpv"},
			media:  Media{URL: url},
			want:   []string{"--input-terminal=no", "--", url},
		},
		{
			name:   "mpv full",
			player: Player{Name: MPV, Path: "/usr/bin/mpv", Args: []string{"--fs", "--volume=50"}},
			media:  Media{URL: url, Title: "Big Buck Bunny", Subtitles: []string{"/tmp/a.srt", "http://127.0.0.1:8080/0/b.srt"}},
			want: []string{"--input-terminal=no", "--force-media-title=Big Buck Bunny",
				"--sub-file=/tmp/a.srt", "--sub-file=http://127.0.0.1:8080/0/b.srt",
				"--fs", "--volume=50", "--", url},
		},
		{
			name:   "mpv hostile",
			player: Player{Name: MPV, Path: "/usr/bin/mpv", Args: []string{"--script=$(x)"}},
			media:  Media{URL: hostileURL, Title: hostileTitle, Subtitles: []string{"-x y,z:$(a).srt"}},
			want: []string{"--input-terminal=no", "--force-media-title=" + hostileTitle,
				"--sub-file=-x y,z:$(a).srt", "--script=$(x)", "--", hostileURL},
		},
		{
			name:   "mpv leading dash URL is guarded",
			player: Player{Name: MPV, Path: "mpv"},
			media:  Media{URL: dashURL},
			want:   []string{"--input-terminal=no", "--", dashURL},
		},
		{
			name:   "mpv playlist keeps entry titles",
			player: Player{Name: MPV, Path: "mpv"},
			media:  Media{URL: "http://127.0.0.1:8080/playlist.m3u", Title: "ignored", Playlist: true},
			want:   []string{"--input-terminal=no", "--", "http://127.0.0.1:8080/playlist.m3u"},
		},
		{
			name:   "vlc bare",
			player: Player{Name: VLC, Path: "/usr/bin/vlc"},
			media:  Media{URL: url},
			want:   []string{"--play-and-exit", "--no-one-instance", "--", url},
		},
		{
			name:   "vlc full",
			player: Player{Name: VLC, Path: "/usr/bin/vlc", Args: []string{"--fullscreen"}},
			media:  Media{URL: url, Title: "Big Buck Bunny", Subtitles: []string{"/tmp/a.srt", "/tmp/b.srt", "http://h/c.srt"}},
			want: []string{"--play-and-exit", "--no-one-instance", "--meta-title=Big Buck Bunny",
				"--sub-file=/tmp/a.srt", "--input-slave=/tmp/b.srt#http://h/c.srt",
				"--fullscreen", "--", url},
		},
		{
			name:   "vlc URL subtitle first goes to input-slave",
			player: Player{Name: VLC, Path: "vlc"},
			media:  Media{URL: url, Subtitles: []string{"http://h/c.srt#frag", "/tmp/b.srt"}},
			want:   []string{"--play-and-exit", "--no-one-instance", "--input-slave=http://h/c.srt#/tmp/b.srt", "--", url},
		},
		{
			name:   "vlc hash in a path becomes a file URL",
			player: Player{Name: VLC, Path: "vlc"},
			media:  Media{URL: url, Subtitles: []string{"/tmp/a.srt", "/tmp/Ep #1 50%.srt"}},
			want: []string{"--play-and-exit", "--no-one-instance", "--sub-file=/tmp/a.srt",
				"--input-slave=file:///tmp/Ep%20%231%2050%25.srt", "--", url},
		},
		{
			name:   "vlc hostile",
			player: Player{Name: VLC, Path: "vlc", Args: []string{"--x=$(y)"}},
			media:  Media{URL: hostileURL, Title: hostileTitle, Subtitles: []string{"-a b.srt"}},
			want: []string{"--play-and-exit", "--no-one-instance", "--meta-title=" + hostileTitle,
				"--sub-file=-a b.srt", "--x=$(y)", "--", hostileURL},
		},
		{
			name:   "vlc playlist",
			player: Player{Name: VLC, Path: "vlc"},
			media:  Media{URL: "http://127.0.0.1:8080/playlist.m3u", Title: "ignored", Playlist: true},
			want:   []string{"--play-and-exit", "--no-one-instance", "--", "http://127.0.0.1:8080/playlist.m3u"},
		},
		{
			name:   "mpv playlist entries get their own subtitles",
			player: Player{Name: MPV, Path: "mpv", Args: []string{"--fs"}},
			media: Media{URL: "http://h/playlist.m3u", Playlist: true, Subtitles: []string{"/tmp/all.srt"}, Entries: []Entry{
				{URL: "http://h/0/E01.mkv", Title: "E01.mkv", Subtitles: []string{"http://h/2/E01.srt"}},
				{URL: "http://h/1/E02.mkv", Title: "E02.mkv"},
			}},
			want: []string{"--input-terminal=no", "--sub-file=/tmp/all.srt", "--fs",
				"--{", "--force-media-title=E01.mkv", "--sub-file=http://h/2/E01.srt", "http://h/0/E01.mkv", "--}",
				"--{", "--force-media-title=E02.mkv", "http://h/1/E02.mkv", "--}"},
		},
		{
			name:   "vlc playlist entries get item options",
			player: Player{Name: VLC, Path: "vlc"},
			media: Media{URL: "http://h/playlist.m3u", Playlist: true, Subtitles: []string{"/tmp/all.srt"}, Entries: []Entry{
				{URL: "http://h/0/E01.mkv", Title: "E01.mkv", Subtitles: []string{"http://h/2/E01.srt", "http://h/3/E01.en.srt"}},
				{URL: "http://h/1/E02.mkv", Title: "E02.mkv"},
			}},
			want: []string{"--play-and-exit", "--no-one-instance", "--",
				"http://h/0/E01.mkv", ":meta-title=E01.mkv", ":sub-file=/tmp/all.srt", ":input-slave=http://h/2/E01.srt#http://h/3/E01.en.srt",
				"http://h/1/E02.mkv", ":meta-title=E02.mkv", ":sub-file=/tmp/all.srt"},
		},
		{
			name:   "generic plays the playlist URL",
			player: Player{Path: "/opt/celluloid"},
			media:  Media{URL: "http://h/playlist.m3u", Playlist: true, Entries: []Entry{{URL: "http://h/0/E01.mkv"}}},
			want:   []string{"http://h/playlist.m3u"},
		},
		{
			name:   "generic gets args then URL only",
			player: Player{Path: "/opt/celluloid", Args: []string{"--new-window", "$(x)"}},
			media:  Media{URL: hostileURL, Title: hostileTitle, Subtitles: []string{"/tmp/a.srt"}},
			want:   []string{"--new-window", "$(x)", hostileURL},
		},
		{
			name:   "mpv start and IPC before the user's args",
			player: Player{Name: MPV, Path: "mpv", Args: []string{"--start=10"}},
			media:  Media{URL: url, Title: "T", Start: 754250 * time.Millisecond, IPC: "/tmp/bt/mpv.sock"},
			want: []string{"--input-terminal=no", "--input-ipc-server=/tmp/bt/mpv.sock", "--start=754.250",
				"--force-media-title=T", "--start=10", "--", url},
		},
		{
			name:   "mpv start rounds down to the millisecond",
			player: Player{Name: MPV, Path: "mpv"},
			media:  Media{URL: url, Start: 5*time.Second + 999999*time.Nanosecond},
			want:   []string{"--input-terminal=no", "--start=5.000", "--", url},
		},
		{
			name:   "mpv negative start is none",
			player: Player{Name: MPV, Path: "mpv"},
			media:  Media{URL: url, Start: -time.Second},
			want:   []string{"--input-terminal=no", "--", url},
		},
		{
			name:   "mpv playlist URL ignores start",
			player: Player{Name: MPV, Path: "mpv"},
			media:  Media{URL: "http://h/playlist.m3u", Playlist: true, Start: time.Minute},
			want:   []string{"--input-terminal=no", "--", "http://h/playlist.m3u"},
		},
		{
			name:   "mpv start applies to the first entry only",
			player: Player{Name: MPV, Path: "mpv"},
			media: Media{URL: "http://h/playlist.m3u", Playlist: true, Start: 90 * time.Second, IPC: "/s", Entries: []Entry{
				{URL: "http://h/0/E01.mkv", Title: "E01.mkv"},
				{URL: "http://h/1/E02.mkv"},
			}},
			want: []string{"--input-terminal=no", "--input-ipc-server=/s",
				"--{", "--start=90.000", "--force-media-title=E01.mkv", "http://h/0/E01.mkv", "--}",
				"--{", "http://h/1/E02.mkv", "--}"},
		},
		{
			name:   "mpv user's start wins over the first entry's",
			player: Player{Name: MPV, Path: "mpv", Args: []string{"--start", "5"}},
			media:  Media{URL: "http://h/playlist.m3u", Playlist: true, Start: 90 * time.Second, Entries: []Entry{{URL: "http://h/0/E01.mkv"}}},
			want:   []string{"--input-terminal=no", "--start", "5", "--{", "http://h/0/E01.mkv", "--}"},
		},
		{
			name:   "vlc start, IPC ignored",
			player: Player{Name: VLC, Path: "vlc", Args: []string{"--start-time=3"}},
			media:  Media{URL: url, Start: 61500 * time.Millisecond, IPC: "/tmp/bt/mpv.sock"},
			want:   []string{"--play-and-exit", "--no-one-instance", "--start-time=61.500", "--start-time=3", "--", url},
		},
		{
			name:   "vlc start is the first item's option",
			player: Player{Name: VLC, Path: "vlc"},
			media: Media{URL: "http://h/playlist.m3u", Playlist: true, Start: 90 * time.Second, Entries: []Entry{
				{URL: "http://h/0/E01.mkv", Title: "E01.mkv"},
				{URL: "http://h/1/E02.mkv"},
			}},
			want: []string{"--play-and-exit", "--no-one-instance", "--",
				"http://h/0/E01.mkv", ":start-time=90.000", ":meta-title=E01.mkv", "http://h/1/E02.mkv"},
		},
		{
			name:   "vlc user's start-time wins over the first item's",
			player: Player{Name: VLC, Path: "vlc", Args: []string{"-start-time=7"}},
			media:  Media{URL: "http://h/playlist.m3u", Playlist: true, Start: 90 * time.Second, Entries: []Entry{{URL: "http://h/0/E01.mkv"}}},
			want:   []string{"--play-and-exit", "--no-one-instance", "-start-time=7", "--", "http://h/0/E01.mkv"},
		},
		{
			name:   "generic ignores start and IPC",
			player: Player{Path: "/opt/celluloid"},
			media:  Media{URL: url, Start: time.Minute, IPC: "/s"},
			want:   []string{url},
		},
		{
			name:   "generic has no guard",
			player: Player{Path: "/opt/celluloid"},
			media:  Media{URL: dashURL},
			want:   []string{dashURL},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := tt.player.Command(context.Background(), tt.media)
			want := append([]string{tt.player.Path}, tt.want...)
			if !slices.Equal(cmd.Args, want) {
				t.Errorf("argv:\n got %q\nwant %q", cmd.Args, want)
			}
			if cmd.Cancel == nil || cmd.WaitDelay != waitDelay {
				t.Errorf("Cancel set %v, WaitDelay %v: want an interrupt and %v", cmd.Cancel != nil, cmd.WaitDelay, waitDelay)
			}
			if cmd.Stdin != nil || cmd.Stdout != nil || cmd.Stderr != nil {
				t.Error("stdio set: want the null device")
			}
		})
	}
}

// A path without '#' is left relative; one with '#' is made absolute, since a file URL is.
func TestVLCSlaveRelativeHashPath(t *testing.T) {
	t.Chdir(t.TempDir())
	wd, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	got := vlcSlave("subs/a#b.srt")
	dir := filepath.ToSlash(wd)
	if !strings.HasPrefix(dir, "/") {
		dir = "/" + dir // Windows: file:///C:/...
	}
	want := "file://" + dir + "/subs/a%23b.srt"
	if got != want {
		t.Errorf("vlcSlave = %q, want %q", got, want)
	}
	if got := vlcSlave("subs/plain.srt"); got != "subs/plain.srt" {
		t.Errorf("vlcSlave(plain) = %q, want it unchanged", got)
	}
}

// Only mpv and VLC start where they are told, and not when the user's
// arguments say where.
func TestStartsAt(t *testing.T) {
	tests := []struct {
		p    Player
		want bool
	}{
		{Player{Name: MPV}, true},
		{Player{Name: VLC}, true},
		{Player{Path: "/usr/bin/totem"}, false},
		{Player{Name: MPV, Args: []string{"--start=50%"}}, false},
		{Player{Name: MPV, Args: []string{"--start-time=5"}}, true}, // not an mpv option
		{Player{Name: VLC, Args: []string{"--start-time=5"}}, false},
	}
	for _, tc := range tests {
		if got := tc.p.StartsAt(); got != tc.want {
			t.Errorf("%+v.StartsAt() = %v, want %v", tc.p, got, tc.want)
		}
	}
}
