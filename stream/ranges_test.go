package stream

import (
	"net/http"
	"testing"
)

// TestCanonicalRange pins the Range policy documented in ranges.go, for a
// 1000-byte source, independently of ServeContent.
func TestCanonicalRange(t *testing.T) {
	const size = 1000
	const unsatisfiable = "bytes=1000-"
	cases := []struct {
		name   string
		method string
		values []string
		want   string // "" means the header is removed (ignored)
	}{
		{"absent", "GET", nil, ""},
		{"head ignores range", "HEAD", []string{"bytes=0-9"}, ""},
		{"single", "GET", []string{"bytes=0-9"}, "bytes=0-9"},
		{"open end", "GET", []string{"bytes=10-"}, "bytes=10-999"},
		{"suffix", "GET", []string{"bytes=-10"}, "bytes=990-999"},
		{"suffix longer than source", "GET", []string{"bytes=-5000"}, "bytes=0-999"},
		{"suffix zero", "GET", []string{"bytes=-0"}, unsatisfiable},
		{"last clamped", "GET", []string{"bytes=990-5000"}, "bytes=990-999"},
		{"huge numbers saturate", "GET", []string{"bytes=5-999999999999999999999999"}, "bytes=5-999"},
		{"huge first unsatisfiable", "GET", []string{"bytes=999999999999999999999999-"}, unsatisfiable},
		{"first at eof", "GET", []string{"bytes=1000-"}, unsatisfiable},
		{"unit case-insensitive", "GET", []string{"BYTES=1-2"}, "bytes=1-2"},
		{"unknown unit", "GET", []string{"items=1-2"}, ""},
		{"unknown unit with junk", "GET", []string{"x-custom=anything at all"}, ""},
		{"no equals", "GET", []string{"bytes 1-2"}, invalidRange},
		{"empty unit", "GET", []string{"=1-2"}, invalidRange},
		{"reversed", "GET", []string{"bytes=9-1"}, invalidRange},
		{"signed", "GET", []string{"bytes=+1-2"}, invalidRange},
		{"negative", "GET", []string{"bytes=-1-2"}, invalidRange},
		{"space inside", "GET", []string{"bytes=1 - 2"}, invalidRange},
		{"no spec", "GET", []string{"bytes="}, invalidRange},
		{"only commas", "GET", []string{"bytes=,,"}, invalidRange},
		{"invalid among valid", "GET", []string{"bytes=0-9,x"}, invalidRange},
		{"two fields", "GET", []string{"bytes=0-9", "bytes=10-19"}, invalidRange},
		{"empty elements and spaces", "GET", []string{"bytes= ,0-9 ,\t"}, "bytes=0-9"},
		{"multi adjacent coalesced", "GET", []string{"bytes=10-19,0-9"}, "bytes=0-19"},
		{"multi overlapping coalesced", "GET", []string{"bytes=0-50,10-20,-950"}, "bytes=0-999"},
		{"multi disjoint ignored", "GET", []string{"bytes=0-9,20-29"}, ""},
		{"multi first and last byte ignored", "GET", []string{"bytes=0-0,-1"}, ""},
		{"multi one satisfiable", "GET", []string{"bytes=5000-,0-9"}, "bytes=0-9"},
		{"multi none satisfiable", "GET", []string{"bytes=5000-,1000-1001"}, unsatisfiable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, keep := canonicalRange(tc.method, tc.values, size)
			if !keep {
				got = ""
			}
			if got != tc.want {
				t.Errorf("canonicalRange(%s, %q) = %q, want %q", tc.method, tc.values, got, tc.want)
			}
		})
	}
}

func TestCanonicalRangeEmptySource(t *testing.T) {
	for _, v := range []string{"bytes=0-", "bytes=-5", "bytes=0-0,-1"} {
		got, keep := canonicalRange(http.MethodGet, []string{v}, 0)
		if !keep || got != "bytes=0-" {
			t.Errorf("canonicalRange(%q) on an empty source = %q, %v; want unsatisfiable %q", v, got, keep, "bytes=0-")
		}
	}
}
