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

// The library's routine errors (cancelled reads, the DHT offline) show at
// Debug only; its other errors pass at their level.
func TestQuietNoise(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelWarn, slog.LevelDebug} {
		var buf bytes.Buffer
		log := slog.New(quietNoise{slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level})}).With("torrent", "t")
		log.Error("initial read failed", "err", context.Canceled)
		log.Error("read failed after reader reset", "err", fmt.Errorf("wrapped: %w", context.Canceled))
		log.Error("error bootstrapping during bucket refresh: getting starting nodes: nothing resolved")
		log.Warn(`abab: error announcing "\"infohash:abab\"" to DHT: getting starting nodes: nothing resolved`)
		log.Error("write failed", "err", errors.New("no space left on device"))
		out := buf.String()
		if !strings.Contains(out, "level=ERROR msg=\"write failed\"") {
			t.Errorf("at %v logged:\n%s\nwant the write failure as an error", level, out)
		}
		quiet := !strings.Contains(out, "read failed") && !strings.Contains(out, "DHT") && !strings.Contains(out, "bootstrapping")
		if level == slog.LevelDebug {
			if strings.Count(out, "level=DEBUG") != 4 {
				t.Errorf("at %v logged:\n%s\nwant the routine errors at DEBUG", level, out)
			}
		} else if !quiet {
			t.Errorf("at %v logged:\n%s\nwant only the write failure", level, out)
		}
	}
}
