package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/btstream/btstream/torrentutil/pick"
	"github.com/btstream/btstream/torrentutil/source"
)

// inspect prints the torrent's files (ls) or its description (info). A
// .torrent needs no network; a magnet waits for the metadata first.
func (c *command) inspect(ctx context.Context) error {
	info, err := c.describe(ctx)
	if err != nil {
		return err
	}
	def := -1
	if e, err := c.choose(info.Files); err == nil {
		def = e.Index
	} else if !errors.Is(err, pick.ErrNoVideo) {
		return err
	}
	if c.name == "ls" {
		return c.printFiles(info, def)
	}
	return c.printInfo(info)
}

func (c *command) describe(ctx context.Context) (source.Info, error) {
	src, err := source.Parse(ctx, c.cfg.Source, source.Options{Stdin: c.d.stdin})
	if err != nil {
		return source.Info{}, err
	}
	if src.HasInfo() {
		return src.Inspect()
	}
	s, err := c.open(ctx)
	if err != nil {
		return source.Info{}, err
	}
	defer s.close()
	return s.torrent.Info(), nil
}

// lsOutput is `btstream ls --json`.
type lsOutput struct {
	Files   []source.FileEntry `json:"files"`
	Default int                `json:"default"` // index btstream would play; -1 when none
}

func (c *command) printFiles(info source.Info, def int) error {
	if c.cfg.JSON {
		return newJSONEncoder(c.d.stdout).Encode(lsOutput{info.Files, def})
	}
	w := c.d.stdout
	for _, f := range info.Files {
		mark := " "
		if f.Index == def {
			mark = "*"
		}
		fmt.Fprintf(w, "%s %3d  %10s  %s\n", mark, f.Index, humanBytes(f.Size), safeText(f.Path))
	}
	if def < 0 {
		c.ui.note("no video file: choose one with --file N")
	}
	return nil
}

func (c *command) printInfo(info source.Info) error {
	if c.cfg.JSON {
		return newJSONEncoder(c.d.stdout).Encode(info)
	}
	w := c.d.stdout
	fmt.Fprintf(w, "name:      %s\n", safeText(info.Name))
	fmt.Fprintf(w, "infohash:  %s\n", info.InfoHash)
	fmt.Fprintf(w, "size:      %s (%d bytes)\n", humanBytes(info.TotalSize), info.TotalSize)
	fmt.Fprintf(w, "pieces:    %d × %s\n", info.Pieces, humanBytes(info.PieceLength))
	fmt.Fprintf(w, "trackers:  %s\n", safeText(strings.Join(info.Trackers, " ")))
	fmt.Fprintf(w, "magnet:    %s\n", info.Magnet)
	fmt.Fprintf(w, "files:     %d\n", len(info.Files))
	for _, f := range info.Files {
		fmt.Fprintf(w, "  %3d  %10s  %s\n", f.Index, humanBytes(f.Size), safeText(f.Path))
	}
	return nil
}
