// Package pick chooses among a torrent's files by their names and sizes:
// the video to play (Pick), the episodes in order (Playlist) and the
// subtitles that belong to a video (Subtitles).
//
// It returns data, never sentences: when nothing fits, a *NoVideoError
// carries the reason and the files to choose from, and the caller words it.
// It opens no file and reads no byte of one.
package pick
