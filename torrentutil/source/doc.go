// Package source turns what the user names (a magnet URI, a .torrent file,
// URL or standard input, or a bare infohash) into a validated Source, and
// describes a torrent's metainfo as plain data (Info, FileEntry).
//
// Metainfo from strangers is checked here, by ValidateInfo, before the
// torrent library, the storage or the file picker sees it; every failure the
// input causes wraps ErrBadSource. The package adds nothing to a client and
// fetches no metadata from peers: that is torrentutil's.
package source
