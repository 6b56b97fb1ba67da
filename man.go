package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
)

// exitStatus is the man page's EXIT STATUS, as the README's table has it.
var exitStatus = []struct {
	code int
	what string
}{
	{exitOK, "the player exited normally, --stdout's reader went away, or ls or info succeeded"},
	{exitError, "a runtime error: network, disk, HTTP server"},
	{exitUsage, "a usage error: unknown flag, missing or extra source, bad value"},
	{exitBadSource, "a bad source: unreadable or invalid .torrent, malformed magnet, unreachable URL, v2-only torrent"},
	{exitNoMetadata, "no metadata arrived within --metadata-timeout"},
	{exitNoFile, "no playable file: no video in the torrent, or --file matched nothing"},
	{exitPlayer, "no player found, or the player failed"},
	{exitInterrupted, "interrupted by SIGINT (Ctrl-C)"},
	{exitTerminated, "terminated by SIGTERM"},
}

// writeMan writes the manual page of app, in roff (man(7)), from the same
// definitions as --help: the commands, the flags, their placeholders,
// defaults and environment variables. urfave/cli's ToMan was not used: it
// sorts the flags, repeats them under every command, and writes
// "--addr=\"\"" for a flag's value.
func writeMan(w io.Writer, app *cli.App) {
	var b strings.Builder
	fmt.Fprintf(&b, ".TH BTSTREAM 1 \"\" \"btstream %s\" \"User Commands\"\n", roff(app.Version))
	fmt.Fprintf(&b, ".SH NAME\nbtstream \\- %s\n", roff(app.Usage))
	b.WriteString(".SH SYNOPSIS\n.nf\n")
	for _, l := range strings.Split(app.UsageText, "\n") {
		b.WriteString(roffLine(l) + "\n")
	}
	b.WriteString(".fi\n.SH DESCRIPTION\n")
	for _, para := range strings.Split(app.Description, "\n\n") {
		if strings.HasPrefix(para, "Examples:") {
			b.WriteString(".PP\nExamples:\n.PP\n.nf\n.RS 4\n")
			for _, l := range strings.Split(para, "\n")[1:] {
				b.WriteString(roffLine(strings.TrimSpace(l)) + "\n")
			}
			b.WriteString(".RE\n.fi\n")
			continue
		}
		b.WriteString(".PP\n" + roffLine(strings.ReplaceAll(para, "\n", " ")) + "\n")
	}
	b.WriteString(".SH COMMANDS\n")
	for _, c := range app.VisibleCommands() {
		fmt.Fprintf(&b, ".TP\n\\fB%s\\fR", roff(c.Name))
		if c.ArgsUsage != "" {
			fmt.Fprintf(&b, " \\fI%s\\fR", roff(c.ArgsUsage))
		}
		fmt.Fprintf(&b, "\n%s\n", roff(c.Usage))
	}
	b.WriteString(".SH OPTIONS\n")
	var env []string
	for _, f := range app.VisibleFlags() {
		df, ok := f.(cli.DocGenerationFlag)
		if !ok {
			continue
		}
		placeholder, usage := unquoteUsage(df.GetUsage())
		var names []string
		for _, n := range f.Names() {
			dash := "\\-\\-"
			if len(n) == 1 {
				dash = "\\-"
			}
			name := "\\fB" + dash + roff(n) + "\\fR"
			if df.TakesValue() {
				name += " \\fI" + roff(placeholder) + "\\fR"
			}
			names = append(names, name)
		}
		fmt.Fprintf(&b, ".TP\n%s\n%s", strings.Join(names, ", "), roff(usage))
		if def := df.GetDefaultText(); df.TakesValue() && def != "" {
			fmt.Fprintf(&b, " (default: %s)", roff(strings.Trim(def, `"`)))
		}
		b.WriteString(".\n")
		for _, e := range df.GetEnvVars() {
			env = append(env, fmt.Sprintf(".TP\n\\fB%s\\fR\nas \\fB\\-\\-%s\\fR", roff(e), roff(f.Names()[0])))
		}
	}
	b.WriteString(".SH ENVIRONMENT\nEvery option can also be set in the environment; an option on the command line wins.\n")
	b.WriteString(strings.Join(env, "\n") + "\n")
	b.WriteString(".SH EXIT STATUS\n")
	for _, e := range exitStatus {
		fmt.Fprintf(&b, ".TP\n%d\n%s\n", e.code, roff(e.what))
	}
	b.WriteString(".SH SEE ALSO\n\\fBmpv\\fR(1), \\fBvlc\\fR(1)\n")
	io.WriteString(w, b.String())
}

// unquoteUsage splits "play with `PLAYER`: mpv" into its placeholder,
// PLAYER, and the text without the quotes, as urfave/cli's help does.
func unquoteUsage(usage string) (placeholder, text string) {
	before, rest, ok := strings.Cut(usage, "`")
	if !ok {
		return "value", usage
	}
	name, after, ok := strings.Cut(rest, "`")
	if !ok {
		return "value", usage
	}
	return name, before + name + after
}

// roff escapes text for a roff line: backslashes, and hyphens as minus
// signs, so that flags copied from the page work.
func roff(s string) string {
	return strings.NewReplacer(`\`, `\e`, "-", `\-`).Replace(s)
}

// roffLine is roff for a whole line: one that starts with . or ' would be a
// request.
func roffLine(s string) string {
	s = roff(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
