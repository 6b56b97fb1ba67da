// Package plan is btstream's streaming policy as pure code: where a file's
// pieces lie (Geometry, Span), the window ahead of every read head and when
// each piece in it is due (Needs), which of them are requestable and at what
// priority (Admit, Diff), the playback bitrate estimate, the download rate
// meter, and the judgement of slow peers.
//
// It knows nothing of the torrent library beyond its piece-priority type: a
// test drives it without a swarm, and torrentutil applies what it decides.
package plan
