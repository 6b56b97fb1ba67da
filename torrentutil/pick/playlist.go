package pick

import (
	"cmp"
	"slices"
	"strings"

	"github.com/btstream/btstream/torrentutil/source"
)

// Playlist returns the playable videos, samples and empty files left out,
// in natural order of their paths: digit runs compare as numbers, so
// S01E02 comes before S01E10; other text compares case-insensitively.
func Playlist(files []source.FileEntry) []source.FileEntry {
	var out []source.FileEntry
	for _, f := range files {
		if playable(f) && !isSample(f.Path) {
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b source.FileEntry) int {
		return cmp.Or(natural(a.Path, b.Path), cmp.Compare(a.Path, b.Path), cmp.Compare(a.Index, b.Index))
	})
	return out
}

// natural compares a and b with digit runs as numbers.
func natural(a, b string) int {
	for a != "" && b != "" {
		ad, bd := isDigit(a[0]), isDigit(b[0])
		if ad && bd {
			na, ra := splitRun(a, true)
			nb, rb := splitRun(b, true)
			na, nb = strings.TrimLeft(na, "0"), strings.TrimLeft(nb, "0")
			if c := cmp.Or(cmp.Compare(len(na), len(nb)), strings.Compare(na, nb)); c != 0 {
				return c
			}
			a, b = ra, rb
			continue
		}
		if ad != bd {
			return strings.Compare(strings.ToLower(a[:1]), strings.ToLower(b[:1]))
		}
		ta, ra := splitRun(a, false)
		tb, rb := splitRun(b, false)
		if c := strings.Compare(strings.ToLower(ta), strings.ToLower(tb)); c != 0 {
			return c
		}
		a, b = ra, rb
	}
	return cmp.Compare(len(a), len(b))
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// splitRun splits s after its leading run of digits (or of non-digits).
func splitRun(s string, digits bool) (run, rest string) {
	i := 0
	for i < len(s) && isDigit(s[i]) == digits {
		i++
	}
	return s[:i], s[i:]
}
