package torrenttest

import (
	"testing"

	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"
)

// MetaInfo hashes the file or folder at path into a v1 torrent with pieces
// of pieceLen bytes, as a user's tool would. Its name is path's base name,
// so the torrent's data folder is path's parent.
func MetaInfo(tb testing.TB, path string, pieceLen int64) *metainfo.MetaInfo {
	tb.Helper()
	info := metainfo.Info{PieceLength: pieceLen}
	if err := info.BuildFromFilePath(path); err != nil {
		tb.Fatalf("build info for %s: %v", path, err)
	}
	return &metainfo.MetaInfo{InfoBytes: bencode.MustMarshal(info)}
}
