package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// completeCommand is the hidden subcommand the completion scripts run:
// "btstream __complete WORD... CURRENT" prints the candidates for CURRENT,
// the word being typed ("" for a new one), one a line. A line that starts
// with ":" asks the shell for names from the disk instead: ":torrent"
// (folders and .torrent files), ":files", ":dirs". The candidates come from
// the same definitions as the flags and the commands, so the scripts never
// go stale; they hold no list of their own.
const completeCommand = "__complete"

// valueCandidates are the values offered after a flag that takes one; a
// flag not listed gets none.
var valueCandidates = map[string][]string{
	"player":    {"mpv", "vlc"},
	"subtitles": {":files"},
	"data-dir":  {":dirs"},
}

// argCandidates are the arguments of the commands that take words rather
// than a source.
var argCandidates = map[string][]string{
	"completion": {"bash", "zsh", "fish"},
}

// takesSource reports whether the command (or nil, btstream itself) takes
// a SOURCE argument.
func takesSource(cmd *cli.Command) bool { return cmd == nil || cmd.ArgsUsage == "SOURCE" }

// complete returns the candidates for the last of words, the command line
// after "btstream" up to the cursor.
func complete(app *cli.App, words []string) []string {
	if len(words) == 0 {
		words = []string{""}
	}
	cur, before := words[len(words)-1], words[:len(words)-1]
	flags := app.VisibleFlags()
	var cmd *cli.Command // nil: btstream itself
	positional, afterDashes := 0, false
	for i := 0; i < len(before); i++ {
		w := before[i]
		switch {
		case afterDashes || w == "-" || !strings.HasPrefix(w, "-"):
			if c := app.Command(w); c != nil && !c.Hidden && cmd == nil && positional == 0 && !afterDashes {
				cmd, flags = c, c.VisibleFlags()
				if !c.HideHelp && lookup(flags, "--help") == nil { // added when it runs
					flags = append(slices.Clone(flags), cli.HelpFlag)
				}
				continue
			}
			positional++
		case w == "--":
			afterDashes = true
		case !strings.Contains(w, "=") && takesValue(flags, w):
			// Skip its value, and the "=" bash splits "--player=mpv" at.
			i++
			if i+1 < len(before) && before[i] == "=" {
				i++
			}
		}
	}

	// The value of a flag: "--player m", "--player=m", bash's "--player = m".
	if !afterDashes {
		if name, val, ok := strings.Cut(cur, "="); ok && strings.HasPrefix(name, "-") {
			return prefixed(name+"=", values(flags, name, val))
		}
		if n := len(before); n > 0 {
			prev := before[n-1]
			if prev == "=" && n > 1 {
				prev = before[n-2]
			}
			if cur == "=" { // bash, cursor just after "--player="
				prev, cur = before[n-1], ""
			}
			if strings.HasPrefix(prev, "-") && !strings.Contains(prev, "=") && takesValue(flags, prev) {
				return values(flags, prev, cur)
			}
		}
	}

	if strings.HasPrefix(cur, "-") && !afterDashes {
		var names []string
		for _, f := range flags {
			for _, n := range f.Names() {
				if len(n) == 1 {
					n = "-" + n
				} else {
					n = "--" + n
				}
				if strings.HasPrefix(n, cur) {
					names = append(names, n)
				}
			}
		}
		return names
	}

	var out []string
	if cmd == nil && positional == 0 && !afterDashes {
		for _, c := range app.VisibleCommands() {
			if strings.HasPrefix(c.Name, cur) {
				out = append(out, c.Name)
			}
		}
	}
	switch {
	case positional > 0:
	case takesSource(cmd):
		out = append(out, ":torrent")
	case cmd != nil && cmd.Name == "help":
		for _, c := range app.VisibleCommands() {
			if strings.HasPrefix(c.Name, cur) {
				out = append(out, c.Name)
			}
		}
	case cmd != nil:
		out = append(out, withPrefix(argCandidates[cmd.Name], cur)...)
	}
	return out
}

// takesValue reports whether the flag written w ("--port", "-f") is one of
// flags and takes a value.
func takesValue(flags []cli.Flag, w string) bool {
	f := lookup(flags, w)
	df, ok := f.(cli.DocGenerationFlag)
	return ok && df.TakesValue()
}

// lookup finds the flag written w ("--port", "-f") in flags.
func lookup(flags []cli.Flag, w string) cli.Flag {
	name := strings.TrimLeft(w, "-")
	for _, f := range flags {
		if slices.Contains(f.Names(), name) {
			return f
		}
	}
	return nil
}

// values are the candidates for the value of the flag written w that
// start with cur.
func values(flags []cli.Flag, w, cur string) []string {
	f := lookup(flags, w)
	if f == nil {
		return nil
	}
	out := withPrefix(valueCandidates[f.Names()[0]], cur)
	if f.Names()[0] == "player" && strings.Contains(cur, "/") {
		out = append(out, ":files") // a path to a player
	}
	return out
}

// withPrefix keeps the candidates that start with cur, and the requests
// for names from the disk, which the shell matches itself.
func withPrefix(cands []string, cur string) []string {
	var out []string
	for _, c := range cands {
		if strings.HasPrefix(c, ":") || strings.HasPrefix(c, cur) {
			out = append(out, c)
		}
	}
	return out
}

// prefixed puts p before every candidate but the requests for names from
// the disk, which zsh and fish match against the value alone.
func prefixed(p string, cands []string) []string {
	out := make([]string, len(cands))
	for i, c := range cands {
		if !strings.HasPrefix(c, ":") {
			c = p + c
		}
		out[i] = c
	}
	return out
}

// printCandidates is "btstream __complete WORD...".
func printCandidates(w io.Writer, app *cli.App, words []string) {
	for _, c := range complete(app, words) {
		fmt.Fprintln(w, c)
	}
}

// The scripts ask "btstream __complete" for the words and fill in names
// from the disk where it says so.
const bashCompletion = `# bash completion for btstream; install: btstream completion bash > ~/.local/share/bash-completion/completions/btstream
_btstream() {
  local cur=${COMP_WORDS[COMP_CWORD]} w IFS=$'\n'
  [[ $cur == = ]] && cur=
  COMPREPLY=()
  for w in $(btstream __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null); do
    case $w in
      :torrent) compopt -o filenames 2>/dev/null
        COMPREPLY+=($(compgen -d -- "$cur") $(compgen -f -X '!*.torrent' -- "$cur")) ;;
      :files) compopt -o filenames 2>/dev/null; COMPREPLY+=($(compgen -f -- "$cur")) ;;
      :dirs) compopt -o filenames 2>/dev/null; COMPREPLY+=($(compgen -d -- "$cur")) ;;
      *) COMPREPLY+=("$w") ;;
    esac
  done
}
complete -F _btstream btstream
`

const zshCompletion = `#compdef btstream
# zsh completion for btstream; install: btstream completion zsh > "${fpath[1]}/_btstream"
_btstream() {
  local -a cands
  local w
  for w in "${(@f)$(btstream __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}"; do
    case $w in
      :torrent) _files -g '*.torrent' ;;
      :files) _files ;;
      :dirs) _files -/ ;;
      ?*) cands+=("$w") ;;
    esac
  done
  (( ${#cands} )) && compadd -- "${cands[@]}"
  return 0
}
if [[ "${funcstack[1]}" == _btstream ]]; then _btstream "$@"; else compdef _btstream btstream; fi
`

const fishCompletion = `# fish completion for btstream; install: btstream completion fish > ~/.config/fish/completions/btstream.fish
function __btstream_complete
    set -l words (commandline -opc)
    set -e words[1]
    set -l cur (commandline -ct)
    for w in (btstream __complete $words "$cur" 2>/dev/null)
        switch $w
            case :torrent
                # __fish_complete_path adds a tab and a description
                for f in (__fish_complete_path "$cur")
                    set -l name (string split -f1 \t -- $f)
                    if string match -q -- '*.torrent' $name; or string match -q -- '*/' $name
                        echo $f
                    end
                end
            case :files
                __fish_complete_path "$cur"
            case :dirs
                __fish_complete_directories "$cur"
            case '*'
                echo $w
        end
    end
end
complete -c btstream -f -a '(__btstream_complete)'
`

func printCompletion(c *cli.Context) error {
	scripts := map[string]string{"bash": bashCompletion, "zsh": zshCompletion, "fish": fishCompletion}
	script, ok := scripts[c.Args().First()]
	if !ok || c.NArg() != 1 {
		return usagef("completion: want bash, zsh or fish")
	}
	fmt.Fprint(c.App.Writer, script)
	return nil
}
