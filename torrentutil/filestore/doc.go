// Package filestore is the torrent library's storage for btstream: a
// torrent's files kept as plain files under one data folder and written with
// pwrite, so a full disk is an ordinary write error and not a SIGBUS, with
// every path confined to the folder whatever the torrent's names say. Piece
// completion lives in memory, or in the folder to outlive the process; a
// piece whose bytes are on disk without a record of completion (another
// client's download, a run that died) is reported unknown, for a hash check.
// FreeSpace says what the folder's filesystem has left.
//
// It stores what it is given; what to fetch, and when, is not its business.
package filestore
