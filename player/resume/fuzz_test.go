package resume

import (
	"strings"
	"testing"
)

// FuzzDecode: any bytes decode without a panic to at most MaxEntries valid positions under
// canonical keys, or to ErrCorrupt; and what decodes, encodes and decodes back the same.
func FuzzDecode(f *testing.F) {
	good := `{"version":1,"positions":{"` + key(0xabc, 2) + `":{"time":"1m0.5s","offset":10,"duration":"2h0m0s","saved":"2026-01-01T00:00:00Z"}}}`
	for _, seed := range []string{
		good, "", "null", "[]", `{"version":1}`, `{"version":1,"positions":null}`, `{"version":2,"positions":{}}`,
		strings.ToUpper(good), strings.Replace(good, "1m0.5s", "-1s", 1), good[:40],
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decode(data)
		if err != nil {
			if !isCorrupt(err) {
				t.Fatalf("decode error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		if len(m) > MaxEntries {
			t.Fatalf("%d positions", len(m))
		}
		for k, p := range m {
			if c, ok := canonKey(k); !ok || c != k || !p.valid() {
				t.Fatalf("decoded %q: %+v", k, p)
			}
		}
		enc, err := encode(m)
		if err != nil {
			t.Fatal(err)
		}
		back, err := decode(enc)
		if err != nil || len(back) != len(m) {
			t.Fatalf("round trip: %d positions, %v; want %d", len(back), err, len(m))
		}
		for k, p := range m {
			q := back[k]
			if q.Time != p.Time || q.Offset != p.Offset || q.Duration != p.Duration || !q.Saved.Equal(p.Saved) {
				t.Fatalf("round trip of %s: %+v, want %+v", k, q, p)
			}
		}
	})
}
