// Package torrenttest stands up what btstream's tests need to stream from a
// swarm in process, in the spirit of net/http/httptest: deterministic payload
// bytes and files, moov-at-end MP4s, metainfo built from files, a loopback-only
// configuration of the torrent library and a seeder made with the library
// alone, whose storage a test can wrap to misbehave.
//
// It is imported by tests only. It does not import torrentutil, so that the
// tests inside torrentutil can use it too; the leecher under test is always
// torrentutil's own.
package torrenttest
