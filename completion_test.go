package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// candidates runs "btstream __complete words..." in-process.
func candidates(t *testing.T, words ...string) []string {
	t.Helper()
	var out, errOut bytes.Buffer
	code := realMain(t.Context(), append([]string{"btstream", completeCommand}, words...), deps{stdout: &out, stderr: &errOut})
	if code != exitOK || errOut.Len() != 0 {
		t.Fatalf("__complete %q: exit %d, stderr %q", words, code, errOut.String())
	}
	return strings.Fields(out.String())
}

// Every flag's names, as typed.
func flagNames() []string {
	var names []string
	for _, f := range newFlags() {
		for _, n := range f.Names() {
			if len(n) == 1 {
				names = append(names, "-"+n)
			} else {
				names = append(names, "--"+n)
			}
		}
	}
	return names
}

func TestComplete(t *testing.T) {
	var commands []string
	for _, c := range newApp(deps{}, nil).VisibleCommands() {
		commands = append(commands, c.Name)
	}
	if !slices.Contains(commands, "man") || slices.Contains(commands, completeCommand) {
		t.Fatalf("commands %q: want man, and not the hidden %s", commands, completeCommand)
	}
	tests := []struct {
		words []string
		want  []string // exactly, in order; nil: nothing
		has   []string // at least these
	}{
		{words: []string{"--"}, has: []string{"--no-player", "--player", "--player-arg", "--help", "--version"}},
		{words: []string{"--pl"}, want: []string{"--player", "--player-arg", "--playlist"}},
		{words: []string{"-"}, has: []string{"-f", "-q", "-v", "-h", "-V", "--data-dir"}},
		{words: []string{""}, want: append(slices.Clone(commands), ":torrent")},
		{words: []string{"i"}, want: []string{"info", ":torrent"}},
		{words: []string{"completion", ""}, want: []string{"bash", "zsh", "fish"}},
		{words: []string{"completion", "z"}, want: []string{"zsh"}},
		{words: []string{"completion", "bash", ""}},
		{words: []string{"help", "c"}, want: []string{"completion"}},
		{words: []string{"--player", ""}, want: []string{"mpv", "vlc"}},
		{words: []string{"--player", "v"}, want: []string{"vlc"}},
		{words: []string{"--player", "/usr/b"}, want: []string{":files"}},
		{words: []string{"--player=m"}, want: []string{"--player=mpv"}},
		{words: []string{"--player", "=", "m"}, want: []string{"mpv"}}, // bash splits at "="
		{words: []string{"--player", "="}, want: []string{"mpv", "vlc"}},
		{words: []string{"--player", "mpv", ""}, want: append(slices.Clone(commands), ":torrent")},
		{words: []string{"--player", "=", "mpv", ""}, want: append(slices.Clone(commands), ":torrent")},
		{words: []string{"--no-dht", ""}, want: append(slices.Clone(commands), ":torrent")},
		{words: []string{"--subtitles", ""}, want: []string{":files"}},
		{words: []string{"--data-dir", ""}, want: []string{":dirs"}},
		{words: []string{"--port", ""}},
		{words: []string{"ls", ""}, want: []string{":torrent"}},
		{words: []string{"--json", "info", ""}, want: []string{":torrent"}},
		{words: []string{"ls", "--j"}, want: []string{"--json"}},
		{words: []string{"ls", "--he"}, want: []string{"--help"}},
		{words: []string{"ls", "a.torrent", ""}},
		{words: []string{"a.torrent", ""}},
		{words: []string{"demo", ""}},
		{words: []string{"--", ""}, want: []string{":torrent"}},
		{words: []string{"--", "-"}, want: []string{":torrent"}},
	}
	for _, tt := range tests {
		got := candidates(t, tt.words...)
		if tt.has != nil {
			for _, w := range tt.has {
				if !slices.Contains(got, w) {
					t.Errorf("%q: %q lacks %s", tt.words, got, w)
				}
			}
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%q: got %q, want %q", tt.words, got, tt.want)
		}
	}
	// --<TAB> offers every flag.
	got := candidates(t, "--")
	for _, n := range flagNames() {
		if strings.HasPrefix(n, "--") && !slices.Contains(got, n) {
			t.Errorf("--<TAB> lacks %s", n)
		}
	}
}

// completionDir is a folder with a .torrent, another file and a folder,
// and a PATH whose btstream is the real binary.
func completionDir(t *testing.T) (dir string, env []string) {
	dir = t.TempDir()
	for _, f := range []string{"movie.torrent", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "shows"), 0o755); err != nil {
		t.Fatal(err)
	}
	bin := binary(t)
	return dir, append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"), "HOME="+t.TempDir())
}

// shellCase is a command line up to the cursor, as words, and what
// completing its last word must and must not offer.
type shellCase struct {
	words   []string
	has     []string
	hasNot  []string
	exactly bool // has is all of it
}

var shellCases = []shellCase{
	{words: []string{"btstream", "--pl"}, has: []string{"--player", "--player-arg", "--playlist"}, exactly: true},
	{words: []string{"btstream", "--"}, has: []string{"--no-player", "--json", "--help"}},
	{words: []string{"btstream", "completion", ""}, has: []string{"bash", "zsh", "fish"}, exactly: true},
	{words: []string{"btstream", "--player", ""}, has: []string{"mpv", "vlc"}, exactly: true},
	{words: []string{"btstream", ""}, has: []string{"ls", "info", "demo", "movie.torrent", "shows"}, hasNot: []string{"notes.txt", "h"}},
	{words: []string{"btstream", "ls", "m"}, has: []string{"movie.torrent"}, exactly: true},
	{words: []string{"btstream", "--subtitles", "n"}, has: []string{"notes.txt"}, exactly: true},
}

func checkShellCase(t *testing.T, shell string, c shellCase, out string) {
	t.Helper()
	var got []string
	for _, l := range strings.Fields(out) {
		got = append(got, strings.TrimSuffix(l, "/")) // fish and bash mark folders
	}
	for _, w := range c.has {
		if !slices.Contains(got, w) {
			t.Errorf("%s: %q: %q lacks %s", shell, c.words, got, w)
		}
	}
	for _, w := range c.hasNot {
		if slices.Contains(got, w) {
			t.Errorf("%s: %q: %q offers %s", shell, c.words, got, w)
		}
	}
	if c.exactly && len(got) != len(c.has) {
		t.Errorf("%s: %q: got %q, want only %q", shell, c.words, got, c.has)
	}
}

// The bash script, run by bash as readline would: COMP_WORDS and
// COMP_CWORD set, _btstream called, COMPREPLY read.
func TestCompletionBash(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	dir, env := completionDir(t)
	for _, c := range shellCases {
		var quoted []string
		for _, w := range c.words {
			quoted = append(quoted, "'"+w+"'")
		}
		script := `source <(btstream completion bash) || exit 1
COMP_WORDS=(` + strings.Join(quoted, " ") + `); COMP_CWORD=$((${#COMP_WORDS[@]}-1))
_btstream; printf '%s\n' "${COMPREPLY[@]}"`
		cmd := exec.Command("bash", "-c", script)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v: %s", err, out)
		}
		checkShellCase(t, "bash", c, string(out))
	}
}

// The fish script, run by fish: complete -C completes a command line.
func TestCompletionFish(t *testing.T) {
	if _, err := exec.LookPath("fish"); err != nil {
		t.Skip("no fish (.ci/run installs it)")
	}
	dir, env := completionDir(t)
	for _, c := range shellCases {
		cmd := exec.Command("fish", "--no-config", "-c", `btstream completion fish | source; complete -C $argv[1]`, strings.Join(c.words, " "))
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("fish: %v: %s", err, out)
		}
		var names []string // fish prints "candidate<TAB>description"
		for l := range strings.Lines(string(out)) {
			names = append(names, strings.SplitN(strings.TrimSpace(l), "\t", 2)[0])
		}
		checkShellCase(t, "fish", c, strings.Join(names, "\n"))
	}
}

// The zsh script, run by zsh with compadd and _files, which exist only
// inside a completion widget, stood in for by functions that print their
// arguments; _files is then checked for the right pattern.
func TestCompletionZsh(t *testing.T) {
	if _, err := exec.LookPath("zsh"); err != nil {
		t.Skip("no zsh (.ci/run installs it)")
	}
	dir, env := completionDir(t)
	stubs := `compdef() { print -r -- "compdef $*" >&2 }
source <(btstream completion zsh) || exit 1
compadd() { shift; print -rl -- "$@" }
_files() { case "$*" in ("-g *.torrent") print -rl -- *.torrent(N) *(N/) ;; ("-/") print -rl -- *(N/) ;; (*) print -rl -- *(N) ;; esac }
words=("$@"); CURRENT=$#words; _btstream`
	for _, c := range shellCases {
		cmd := exec.Command("zsh", append([]string{"-f", "-c", stubs, "zsh"}, c.words...)...)
		cmd.Dir, cmd.Env = dir, env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil || !strings.Contains(stderr.String(), "compdef _btstream btstream") {
			t.Fatalf("zsh: %v: %s%s", err, out, &stderr)
		}
		// zsh's compadd filters by the word typed; the stand-in does not.
		var got []string
		cur := c.words[len(c.words)-1]
		for _, w := range strings.Fields(string(out)) {
			if strings.HasPrefix(w, cur) {
				got = append(got, w)
			}
		}
		checkShellCase(t, "zsh", c, strings.Join(got, "\n"))
	}
}

// The man page names every flag and command, and groff reads it without a
// warning.
func TestBinaryMan(t *testing.T) {
	out, err := exec.Command(binary(t), "man").Output()
	if err != nil {
		t.Fatal(err)
	}
	page := strings.ReplaceAll(string(out), `\-`, "-")
	for _, n := range append(flagNames(), "--help", "--version", "ls", "info", "completion", "demo", "EXIT STATUS", "BTSTREAM_NO_DHT") {
		if !strings.Contains(page, n) {
			t.Errorf("man page lacks %s", n)
		}
	}
	if strings.Contains(page, completeCommand) {
		t.Errorf("man page shows the hidden %s", completeCommand)
	}
	if _, err := exec.LookPath("groff"); err != nil {
		t.Skip("no groff to check the roff (.ci/run installs groff-base)")
	}
	cmd := exec.Command("groff", "-man", "-ww", "-z", "-Tutf8")
	cmd.Stdin = bytes.NewReader(out)
	if msg, err := cmd.CombinedOutput(); err != nil || len(msg) != 0 {
		t.Errorf("groff: %v: %s", err, msg)
	}
}
