package main

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/btstream/btstream/player"
)

// The flags choose the consumer once; only stdout reads without HTTP.
func TestConsumerFromFlags(t *testing.T) {
	play := func(context.Context, player.Player, player.Media) error { return nil }
	tests := []struct {
		name     string
		cfg      config
		want     consumer
		overHTTP bool
	}{
		{"--stdout", config{Stdout: true}, stdoutConsumer{}, false},
		{"--no-player", config{NoPlayer: true}, urlConsumer{}, true},
		{"a player", config{}, &playerConsumer{}, true},
	}
	for _, tc := range tests {
		c := &command{cfg: tc.cfg, d: deps{stdout: io.Discard, stdin: eofReader{}, play: play, terminal: func(any) bool { return false }}}
		got, err := c.consumer()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if gotT, wantT := fmt.Sprintf("%T", got), fmt.Sprintf("%T", tc.want); gotT != wantT || got.overHTTP() != tc.overHTTP {
			t.Errorf("%s: consumer %s (over HTTP %v), want %s (%v)", tc.name, gotT, got.overHTTP(), wantT, tc.overHTTP)
		}
	}
}
