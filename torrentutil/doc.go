// Package torrentutil adapts github.com/anacrolix/torrent to streaming one
// file: it parses sources (magnets, .torrent files and URLs, infohashes),
// chooses the video, steers piece priorities (tail first, then a window at
// every read head) and reports how much is buffered. It is the only package
// of btstream that imports the torrent library; it does no presentation.
package torrentutil
