// Package media knows the files btstream plays: which names are videos and
// subtitles and the media type each is served as (one table), and how long
// an MP4 or Matroska file plays, read from its container through an
// io.ReaderAt.
//
// It knows nothing of torrents, and it does not probe, decode or transcode
// media: a name's extension decides its kind.
package media
