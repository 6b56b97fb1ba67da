package player

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// The tail keeps lines as a terminal shows them, within its bounds.
func TestTail(t *testing.T) {
	long := strings.Repeat("x", 2*tailLineMax)
	tests := []struct {
		name   string
		writes []string
		want   []string
	}{
		{"lines", []string{"a\nb\n"}, []string{"a", "b"}},
		{"split across writes", []string{"ab", "c\nd", "e\n"}, []string{"abc", "de"}},
		{"unfinished last line", []string{"a\nlast words"}, []string{"a", "last words"}},
		{"blank lines skipped", []string{"\n\na\n  \n\nExiting\n\n"}, []string{"a", "Exiting"}},
		{"CRLF", []string{"a\r\nb\r", "\nc\r\n"}, []string{"a", "b", "c"}},
		{"status redrawn", []string{"AV: 1\rAV: 2\r", "AV: 3\nFailed\n"}, []string{"AV: 3", "Failed"}},
		{"status at exit", []string{"Playing\nAV: 1\rAV: 2\r"}, []string{"Playing", "AV: 2"}},
		{"long line cut", []string{long + "\n"}, []string{long[:tailLineMax]}},
		{"ring", []string{"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n"}, []string{"3", "4", "5", "6", "7", "8", "9", "10"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tl tail
			var pass bytes.Buffer
			w := tl.writer(&pass)
			for _, s := range tt.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if got := tl.last(); !slices.Equal(got, tt.want) {
				t.Errorf("last() = %q, want %q", got, tt.want)
			}
			if pass.String() != strings.Join(tt.writes, "") {
				t.Errorf("passed on %q", pass.String())
			}
		})
	}
}

// Two streams keep their own partial lines; finished lines share one ring in order.
func TestTailTwoStreams(t *testing.T) {
	var tl tail
	out, errw := tl.writer(nil), tl.writer(nil)
	out.Write([]byte("out "))
	errw.Write([]byte("err 1\n"))
	out.Write([]byte("1\n"))
	errw.Write([]byte("err 2"))
	if got, want := tl.last(), []string{"err 1", "out 1", "err 2"}; !slices.Equal(got, want) {
		t.Errorf("last() = %q, want %q", got, want)
	}
}
