package stream

import (
	"cmp"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// The Range policy. http.ServeContent evaluates Range after the
// preconditions (If-None-Match, If-Match, If-Range), which is the order RFC
// 9110 section 13.2.2 requires, so stream does not answer Range requests
// itself: it rewrites the Range header into one of three canonical forms
// that ServeContent handles exactly as decided here:
//
//   - absent: serve 200 with the whole representation;
//   - "bytes=FIRST-LAST": one satisfiable span, served as a single-part 206;
//   - "bytes=SIZE-": nothing satisfiable, 416;
//   - "bytes=-" (invalidRange): an invalid specifier, 416.
//
// Every 416 carries "Content-Range: bytes */SIZE" (see response).
//
// Decisions, by RFC 9110 section 14:
//
//   - Range on any method but GET is ignored (14.2: GET is the only method
//     with range handling; others MUST ignore it). A HEAD therefore answers
//     what a plain GET would: 200 and the full Content-Length.
//   - A range unit other than "bytes" is ignored, 200 (14.2: MUST ignore
//     a unit it does not understand). Units are case-insensitive (14.1), so
//     "Bytes=0-9" is a byte range.
//   - An invalid ranges-specifier (bad syntax, LAST < FIRST, no range-spec,
//     or several Range fields) is rejected with 416 (14.2: MAY ignore or
//     reject). Rejecting is cheap and explicit; ignoring would start a full
//     read from offset 0, which for a torrent means waiting for piece 0.
//   - Satisfiable means FIRST < SIZE, or a non-zero suffix length (14.1.1).
//     Unsatisfiable specs in a list are dropped; if none is left, 416.
//     LAST past the end is clamped; numbers too big for int64 saturate.
//   - Several satisfiable ranges are coalesced when they overlap or touch
//     (15.3.7.2 allows coalescing) and served as that one span. If they
//     still form more than one span, the Range header is ignored and the
//     whole representation is sent, 200 (14.2: MAY ignore). No player sends
//     multi-range requests, and ServeContent's multipart/byteranges path
//     reads the source from a goroutine it does not wait for, which would
//     race with closing the reader when the handler returns.
//   - An empty source answers 200 to any valid Range, as ServeContent does
//     for clients that add a Range to every request.

// invalidRange is a Range value that ServeContent rejects as invalid.
const invalidRange = "bytes=-"

// byteRange is an inclusive span of bytes [first, last].
type byteRange struct{ first, last int64 }

// canonicalRange returns the Range header value ServeContent should see for
// the request's Range field values, and false when the header is to be
// removed. See the policy above.
func canonicalRange(method string, values []string, size int64) (string, bool) {
	if len(values) == 0 || method != http.MethodGet {
		return "", false
	}
	if len(values) > 1 {
		return invalidRange, true
	}
	unit, set, ok := strings.Cut(values[0], "=")
	if !ok || !isToken(unit) {
		return invalidRange, true
	}
	if !strings.EqualFold(unit, "bytes") {
		return "", false
	}
	ranges, ok := parseRangeSet(set, size)
	if !ok {
		return invalidRange, true
	}
	if len(ranges) == 0 {
		return "bytes=" + strconv.FormatInt(size, 10) + "-", true
	}
	ranges = coalesce(ranges)
	if len(ranges) > 1 {
		return "", false
	}
	return "bytes=" + strconv.FormatInt(ranges[0].first, 10) + "-" + strconv.FormatInt(ranges[0].last, 10), true
}

// parseRangeSet parses a bytes range-set (RFC 9110 section 14.1.2) against
// size and returns its satisfiable ranges, resolved and clamped, in the order
// given. It reports false if the set is invalid.
func parseRangeSet(set string, size int64) ([]byteRange, bool) {
	var ranges []byteRange
	specs := 0
	for spec := range strings.SplitSeq(set, ",") {
		spec = strings.Trim(spec, " \t")
		if spec == "" {
			continue // empty list elements are allowed (RFC 9110 section 5.6.1)
		}
		specs++
		firstText, lastText, ok := strings.Cut(spec, "-")
		if !ok {
			return nil, false
		}
		if firstText == "" { // suffix-range: the last N bytes
			n, ok := parseDigits(lastText)
			if !ok {
				return nil, false
			}
			if n > 0 && size > 0 {
				ranges = append(ranges, byteRange{size - min(n, size), size - 1})
			}
			continue
		}
		first, ok := parseDigits(firstText)
		if !ok {
			return nil, false
		}
		last := int64(math.MaxInt64)
		if lastText != "" {
			if last, ok = parseDigits(lastText); !ok || last < first {
				return nil, false
			}
		}
		if first < size {
			ranges = append(ranges, byteRange{first, min(last, size-1)})
		}
	}
	return ranges, specs > 0
}

// parseDigits parses 1*DIGIT, saturating at math.MaxInt64.
func parseDigits(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			n = math.MaxInt64
			continue
		}
		n = n*10 + d
	}
	return n, true
}

// coalesce sorts ranges in place and merges those that overlap or touch.
func coalesce(ranges []byteRange) []byteRange {
	slices.SortFunc(ranges, func(a, b byteRange) int {
		return cmp.Or(cmp.Compare(a.first, b.first), cmp.Compare(a.last, b.last))
	})
	out := ranges[:1]
	for _, r := range ranges[1:] {
		cur := &out[len(out)-1]
		if r.first <= cur.last+1 {
			cur.last = max(cur.last, r.last)
			continue
		}
		out = append(out, r)
	}
	return out
}

// isToken reports whether s is an RFC 9110 token (1*tchar).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
