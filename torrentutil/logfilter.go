package torrentutil

import (
	"context"
	"errors"
	"log/slog"
	"strings"
)

// quietNoise is a log handler for the library's records that demotes to
// Debug the errors that are routine for btstream, so that they show with
// --debug only:
//   - reads that ended because their context did: v1.61.0 logs "initial
//     read failed" and two more errors each time a player closes a
//     connection that waits for bytes, which players do at every seek and
//     when they quit;
//   - the DHT finding no node to start from, which it logs every few
//     seconds, twice, while the machine is offline.
type quietNoise struct{ slog.Handler }

// noise are parts of the messages of the records quietNoise demotes.
var noise = []string{
	"error bootstrapping during bucket refresh", // anacrolix/dht v2.23.0 server.go
	"to DHT: getting starting nodes",            // torrent.go, announcing while offline
}

func (h quietNoise) Handle(ctx context.Context, r slog.Record) error {
	if r.Level > slog.LevelDebug && routine(r) {
		if !h.Handler.Enabled(ctx, slog.LevelDebug) {
			return nil
		}
		r.Level = slog.LevelDebug
	}
	return h.Handler.Handle(ctx, r)
}

// routine reports whether r is one of the errors quietNoise demotes.
func routine(r slog.Record) bool {
	for _, n := range noise {
		if strings.Contains(r.Message, n) {
			return true
		}
	}
	cancelled := false
	r.Attrs(func(a slog.Attr) bool {
		if err, ok := a.Value.Any().(error); ok && errors.Is(err, context.Canceled) {
			cancelled = true
		}
		return !cancelled
	})
	return cancelled
}

func (h quietNoise) WithAttrs(as []slog.Attr) slog.Handler {
	return quietNoise{h.Handler.WithAttrs(as)}
}

func (h quietNoise) WithGroup(name string) slog.Handler {
	return quietNoise{h.Handler.WithGroup(name)}
}
