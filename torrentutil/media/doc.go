// Package media knows the files btstream plays: which names are videos and
// subtitles and the media type each is served as (one table), where a
// container keeps the index a player reads first (Locate: an MP4's moov, a
// Matroska file's Cues, an AVI's idx1, found from the file's first bytes),
// how long an MP4 or Matroska file plays, and, from that index, at which
// byte a play time starts (SeekIndex: the key frames of the video track).
//
// It knows nothing of torrents, and it does not probe, decode or transcode
// media: a name's extension decides its kind, and a seek index holds only
// what the container's index says, not the frames between key frames.
package media
