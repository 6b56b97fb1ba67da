package torrentutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestQuietCancels(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(quietCancels{slog.NewTextHandler(&buf, nil)}).With("torrent", "t")
	log.Error("initial read failed", "err", context.Canceled)
	log.Error("read failed after reader reset", "err", fmt.Errorf("wrapped: %w", context.Canceled))
	log.Error("write failed", "err", errors.New("no space left on device"))
	out := buf.String()
	if strings.Contains(out, "read failed") || !strings.Contains(out, "no space left") {
		t.Fatalf("logged:\n%s\nwant only the write failure", out)
	}
}
