package torrentutil

import (
	"context"
	"errors"
	"log/slog"
)

// quietCancels is a log handler that drops the library's records about
// reads that ended because their context did: v1.61.0 logs "initial read
// failed" and two more errors each time a player closes a connection that
// waits for bytes, which players do at every seek.
type quietCancels struct{ slog.Handler }

func (h quietCancels) Handle(ctx context.Context, r slog.Record) error {
	cancelled := false
	r.Attrs(func(a slog.Attr) bool {
		if err, ok := a.Value.Any().(error); ok && errors.Is(err, context.Canceled) {
			cancelled = true
		}
		return !cancelled
	})
	if cancelled {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h quietCancels) WithAttrs(as []slog.Attr) slog.Handler {
	return quietCancels{h.Handler.WithAttrs(as)}
}

func (h quietCancels) WithGroup(name string) slog.Handler {
	return quietCancels{h.Handler.WithGroup(name)}
}
