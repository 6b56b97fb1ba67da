package stream

import (
	"flag"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in ../testdata/golden/stream")

const goldenDir = "../testdata/golden/stream"

// maxGoldenBody is the largest body written out in full in a golden file;
// larger ones are recorded by length (tests compare them byte by byte).
const maxGoldenBody = 512

// formatExchange renders a request and its response for a golden file:
// request line and headers, status, sorted response headers without Date,
// and the body if small. host is replaced by "HOST".
func formatExchange(req *http.Request, resp *http.Response, body []byte, host string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", req.Method, req.URL.RequestURI())
	for _, k := range slices.Sorted(maps.Keys(req.Header)) {
		for _, v := range req.Header[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	fmt.Fprintf(&b, "\n%s\n", resp.Status)
	for _, k := range slices.Sorted(maps.Keys(resp.Header)) {
		if k == "Date" {
			continue
		}
		for _, v := range resp.Header[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	b.WriteString("\n")
	if len(body) <= maxGoldenBody {
		b.Write(body)
	} else {
		fmt.Fprintf(&b, "[%d bytes]\n", len(body))
	}
	return strings.ReplaceAll(b.String(), host, "HOST")
}

// checkGolden compares got with the golden file name, or rewrites it
// under -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(goldenDir, name+".txt")
	if *update {
		if err := os.MkdirAll(goldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("response differs from %s (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
