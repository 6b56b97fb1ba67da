package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/btstream/btstream/player"
	"github.com/btstream/btstream/torrentutil"
)

// demoClip is a 12-second test pattern with a beep, made once with ffmpeg
// (H.264 + AAC, moov at the end, so tail-first matters even here).
//
//go:embed testdata/demo.mp4
var demoClip []byte

// demo plays the bundled clip through the whole pipeline: an in-process
// seeder on loopback, the leecher, the HTTP server and the player. Both
// clients stay on loopback: no DHT, tracker, UPnP or LSD packet leaves the
// machine. Without a player it says so and serves the URL.
func (c *command) demo(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "btstream-")
	if err != nil {
		return fmt.Errorf("temporary folder: %w", err)
	}
	defer os.RemoveAll(dir)
	clip := filepath.Join(dir, "seed", "btstream-demo.mp4")
	if err := os.MkdirAll(filepath.Dir(clip), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(clip, demoClip, 0o644); err != nil {
		return err
	}
	seeder, err := torrentutil.NewSeeder(clip, 64<<10, torrentutil.Config{Offline: true, Logger: c.logger(), LibraryLogger: c.libLogger()})
	if err != nil {
		return err
	}
	defer seeder.Close()

	c.cfg.Source = seeder.Magnet()
	tune := c.d.tune
	c.d.tune = func(tc *torrentutil.Config) {
		tc.Offline = true
		if tune != nil {
			tune(tc)
		}
	}
	if _, err := c.consumer(); errors.Is(err, player.ErrNotFound) {
		c.ui.warn("no player found (install mpv or VLC, or pass --player PATH); serving the demo until Ctrl-C")
		c.cfg.NoPlayer = true
	}
	return c.play(ctx)
}
