package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// help and version are commands; each command's help lists its own flags.
func TestBinaryHelpAndVersion(t *testing.T) {
	bin := binary(t)
	run := func(args ...string) (int, string, string) {
		cmd := exec.Command(bin, args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		return exitCode(cmd.Run()), stdout.String(), stderr.String()
	}
	code, v, stderr := run("--version")
	if code != exitOK || !strings.HasPrefix(v, "btstream ") || v == "btstream dev\n" || strings.TrimSpace(v) == "btstream" {
		t.Fatalf("--version: exit %d, %q %s", code, v, stderr)
	}
	if code, out, stderr := run("version"); code != exitOK || out != v {
		t.Errorf("version: exit %d, %q, want %q; %s", code, out, v, stderr)
	}
	tests := []struct {
		args          []string
		code          int
		want, notWant []string // in stdout
	}{
		{[]string{"help"}, exitOK, []string{"USAGE:", "COMMANDS:", "help ", "version ", "--player PLAYER"}, nil},
		{[]string{"help", "ls"}, exitOK, []string{"btstream ls", "--metadata-timeout", "--json"}, []string{"--player", "--buffer", "--stdout"}},
		{[]string{"ls", "--help"}, exitOK, []string{"btstream ls", "--peer", "--help"}, []string{"--player", "--buffer", "--stdout", "--seed"}},
		{[]string{"info", "-h"}, exitOK, []string{"btstream info", "--file"}, []string{"--player-arg", "--addr"}},
		{[]string{"demo", "--help"}, exitOK, []string{"--player", "--no-player"}, []string{"--tracker", "--peer", "--file", "--seed"}},
		{[]string{"help", "nope"}, exitUsage, nil, []string{"USAGE:"}},
	}
	for _, tt := range tests {
		code, out, stderr := run(tt.args...)
		if code != tt.code {
			t.Errorf("%q: exit %d, want %d; %s", tt.args, code, tt.code, stderr)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%q: stdout lacks %q:\n%s", tt.args, w, out)
			}
		}
		for _, w := range tt.notWant {
			if strings.Contains(out, w) {
				t.Errorf("%q: stdout has %q:\n%s", tt.args, w, out)
			}
		}
	}
}

// A bare number of seconds is a duration.
func TestBinaryMetadataTimeoutSeconds(t *testing.T) {
	tmp := t.TempDir()
	cmd := btstreamCmd(t, tmp, "--no-player", "--metadata-timeout", "1", strings.Repeat("ef", 20))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	guard(t, cmd)
	if code := exitCode(cmd.Run()); code != exitNoMetadata {
		t.Fatalf("exit %d, want %d; stderr: %s", code, exitNoMetadata, stderr.String())
	}
	if !strings.Contains(stderr.String(), "after 1s") {
		t.Errorf("stderr %q does not say 1s", stderr.String())
	}
	noLeftovers(t, tmp)
}

// Under --json a refused command line still ends the events with one exit
// event; ls and info print their one document, and nothing after it.
func TestBinaryJSONExitOnUsageError(t *testing.T) {
	tests := []struct {
		args   []string
		env    []string
		events bool
	}{
		{[]string{"--json", "--bogus", "x"}, nil, true},
		{[]string{"--json", "--stdout", "x"}, nil, true},
		{[]string{"--json=true", "--buffer", "lots", "x"}, nil, true},
		{[]string{"--json", "a", "b"}, nil, true},
		{[]string{"--buffer", "lots", "x"}, []string{"BTSTREAM_JSON=1"}, true},
		{[]string{"demo", "--json", "x"}, nil, true},
		{[]string{"--json=false", "--bogus", "x"}, nil, false},
		{[]string{"--bogus", "x"}, nil, false},
		{[]string{"ls", "--json", "--bogus", "x"}, nil, false},
		{[]string{"--player-arg", "--json", "--bogus", "x"}, nil, false},
	}
	for _, tt := range tests {
		cmd := btstreamCmd(t, t.TempDir(), tt.args...)
		cmd.Env = append(cmd.Env, tt.env...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if code := exitCode(cmd.Run()); code != exitUsage {
			t.Errorf("%q: exit %d, want %d; %s", tt.args, code, exitUsage, stderr.String())
			continue
		}
		if !tt.events {
			if stdout.Len() != 0 {
				t.Errorf("%q: stdout %q, want nothing", tt.args, stdout.String())
			}
			continue
		}
		var ev exitEvent
		lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
		if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &ev) != nil {
			t.Errorf("%q: stdout %q, want one exit event", tt.args, stdout.String())
			continue
		}
		if ev.Event != "exit" || ev.Code != exitUsage || ev.Error == "" || !strings.Contains(stderr.String(), ev.Error) {
			t.Errorf("%q: event %+v; stderr %s", tt.args, ev, stderr.String())
		}
	}
}

// JSON keeps &, < and > as they are: a magnet pasted from info --json works.
func TestBinaryJSONKeepsAmpersand(t *testing.T) {
	cmd := btstreamCmd(t, t.TempDir(), "info", "--json", "testdata/multi-with-sample.torrent")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	var info struct{ Magnet string }
	if err := json.Unmarshal(out, &info); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(info.Magnet, "&") || !bytes.Contains(out, []byte(info.Magnet)) || bytes.Contains(out, []byte(`\u00`)) {
		t.Errorf("info --json: %s", out)
	}
}

// SIGTERM exits 143, SIGINT 130; a --json run's events end with one exit
// event, and names with & < > are written as they are.
func TestBinarySIGTERM(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("signals")
	}
	s := seed(t, "Tom & Jerry <1>.mkv", torrenttest.Pattern(256<<10))
	tests := []struct {
		name  string
		json  bool
		sig   syscall.Signal
		code  int
		ready func(line string) bool // the line after which btstream waits
	}{
		{"SIGTERM after the URL", false, syscall.SIGTERM, exitTerminated, func(l string) bool { return strings.HasPrefix(l, "http://") }},
		{"SIGTERM under --json", true, syscall.SIGTERM, exitTerminated, func(l string) bool { return strings.Contains(l, `"event":"ready"`) }},
		{"SIGINT under --json", true, syscall.SIGINT, exitInterrupted, func(l string) bool { return strings.Contains(l, `"event":"ready"`) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			args := []string{"--no-player", s.Magnet()}
			if tt.json {
				args = append(args, "--json")
			}
			cmd := btstreamCmd(t, tmp, args...)
			out, _ := cmd.StdoutPipe()
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			guard(t, cmd)
			var lines []string
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines = append(lines, sc.Text())
				if tt.ready(sc.Text()) {
					break
				}
			}
			cmd.Process.Signal(tt.sig)
			rest, _ := io.ReadAll(out)
			if code := exitCode(cmd.Wait()); code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.code, stderr.String())
			}
			if r := strings.TrimSuffix(string(rest), "\n"); r != "" {
				lines = append(lines, strings.Split(r, "\n")...)
			}
			if !tt.json {
				return
			}
			all := strings.Join(lines, "\n")
			if !strings.Contains(all, `"path":"Tom & Jerry <1>.mkv"`) {
				t.Errorf("events do not keep & < >:\n%s", all)
			}
			var ev exitEvent
			if strings.Count(all, `"event":"exit"`) != 1 || json.Unmarshal([]byte(lines[len(lines)-1]), &ev) != nil || ev.Event != "exit" || ev.Code != tt.code {
				t.Errorf("events do not end with one exit event of code %d:\n%s", tt.code, all)
			}
			noLeftovers(t, tmp)
		})
	}
}

// --stdout onto /dev/null is not onto a terminal: btstream writes the file
// and exits 0.
func TestBinaryStdoutDevNull(t *testing.T) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	s := seed(t, "movie.mkv", torrenttest.Pattern(1<<20))
	tmp := t.TempDir()
	cmd := btstreamCmd(t, tmp, "--stdout", s.Magnet())
	cmd.Stdout = null
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	guard(t, cmd)
	if code := exitCode(cmd.Run()); code != exitOK {
		t.Fatalf("exit %d, want 0; stderr: %s", code, stderr.String())
	}
	noLeftovers(t, tmp)
}

// A character device is not a terminal; neither is a pipe or a buffer.
func TestIsTerminal(t *testing.T) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for name, f := range map[string]any{"/dev/null": null, "a pipe": w, "a buffer": &bytes.Buffer{}} {
		if isTerminal(f) {
			t.Errorf("%s taken for a terminal", name)
		}
	}
}

// ls and the no-video error spell a size the same way (humanize's IEC).
func TestSizesOneFormat(t *testing.T) {
	h := newHarness(t)
	src := "testdata/no-video.torrent"
	if code := h.run(timeout(t), "ls", src); code != exitOK {
		t.Fatalf("ls exit %d: %s", code, h.stderr.String())
	}
	ls := h.stdout.String()
	h.stderr.Reset()
	if code := h.run(timeout(t), "--no-player", src); code != exitNoFile {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	for _, line := range strings.Split(strings.TrimSpace(ls), "\n") {
		f := strings.Fields(line) // INDEX SIZE UNIT NAME
		if len(f) < 4 {
			t.Fatalf("ls line %q", line)
		}
		size := f[1] + " " + f[2]
		if !strings.Contains(h.stderr.String(), size+"  "+f[3]) {
			t.Errorf("ls says %s for %s; the error says:\n%s", size, f[3], h.stderr.String())
		}
	}
}
