// Package plan is btstream's streaming policy as pure code: where a file's
// pieces lie (Geometry, Span), the claims of a torrent's files (their index
// and the window ahead of every read head) and when each piece is due
// (Needs), which pieces are requestable and at what priority (Admit, Diff),
// when playback may start before its full buffer (Start, Margin), the
// playback bitrate estimate, the download rate meter, and the judgement of
// peers that hold a piece up (Hostages, Culprit, Redial).
//
// It knows nothing of the torrent library beyond its piece-priority type: a
// test drives it without a swarm, and torrentutil applies what it decides.
package plan
