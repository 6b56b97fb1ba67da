package torrentutil

import "testing"

func TestReady(t *testing.T) {
	tests := []struct {
		name string
		p    Progress
		want bool
	}{
		{"want buffered", Progress{TailDone: true, Buffered: 100, Want: 100, Size: 1000}, true},
		{"tail missing", Progress{Buffered: 100, Want: 100, Size: 1000, Early: true}, false},
		{"short of want", Progress{TailDone: true, Buffered: 99, Want: 100, Size: 1000}, false},
		{"early start", Progress{TailDone: true, Buffered: 10, Want: 100, Size: 1000, Early: true}, true},
		{"want beyond the file", Progress{TailDone: true, Buffered: 50, Want: 100, Size: 50}, true},
	}
	for _, tc := range tests {
		if got := tc.p.Ready(); got != tc.want {
			t.Errorf("%s: Ready = %v, want %v", tc.name, got, tc.want)
		}
	}
}
