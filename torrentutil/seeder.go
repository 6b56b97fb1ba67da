package torrentutil

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/storage"
)

// Seeder serves one complete local file to peers. The demo uses it on
// loopback with the bundled clip; tests and benchmarks use it as a swarm.
type Seeder struct {
	cl  *torrent.Client
	sto storage.ClientImplCloser
	mi  *metainfo.MetaInfo
}

// NewSeeder hashes the file at path into a torrent with pieces of pieceLen
// bytes (0 picks a length for the size) and seeds it. cfg.Offline keeps it
// on loopback; cfg.UploadRate caps it; DataDir and Persist are ignored: the
// file is read where it is.
func NewSeeder(path string, pieceLen int64, cfg Config) (*Seeder, error) {
	info := metainfo.Info{PieceLength: pieceLen}
	if pieceLen == 0 {
		info.PieceLength = 256 << 10
	}
	if err := info.BuildFromFilePath(path); err != nil {
		return nil, fmt.Errorf("hash %s: %w", path, err)
	}
	ib, err := bencode.Marshal(info)
	if err != nil {
		return nil, fmt.Errorf("encode info: %w", err)
	}
	mi := &metainfo.MetaInfo{InfoBytes: ib}
	tc := clientConfig(cfg, nil)
	sto := storage.NewFileOpts(storage.NewFileClientOpts{ClientBaseDir: filepath.Dir(path), Logger: tc.Slogger})
	tc.DefaultStorage = sto
	tc.Seed = true
	tc.NoUpload = false
	tc.DataDir = filepath.Dir(path)
	// v1.61.0's connection writer can miss a wake-up and sleep with a
	// peer's requests queued until its keep-alive timer fires
	// (peer-conn-msg-writer.go takes writeCond.Signaled() after filling
	// the buffer; fixed in v1.62.0). As a leecher btstream keeps the
	// library's polite one-minute keep-alive and drops and redials a
	// connection that sleeps (rescue.go); this seeder serves only the demo
	// and the tests, whose one leecher is btstream, so it wakes its
	// writers every half second instead. Measured: with the default and
	// without the rescue's rule for a lone sleeping seeder, four runs in
	// 800 of TestAdoptReusesGoodPieces under load (eight at once) had the
	// seeder send nothing, or a chunk now and then, for a minute; with
	// either, none did.
	tc.KeepAliveTimeout = 500 * time.Millisecond
	cl, err := torrent.NewClient(tc)
	if err != nil {
		sto.Close()
		return nil, fmt.Errorf("start seeder: %w", err)
	}
	s := &Seeder{cl: cl, sto: sto, mi: mi}
	t, err := cl.AddTorrent(mi)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("seed %s: %w", path, err)
	}
	if !t.Complete().Bool() {
		// Not the file that was hashed: a seeder without the data is useless.
		if err := t.VerifyDataContext(context.Background()); err != nil || !t.Complete().Bool() {
			s.Close()
			return nil, fmt.Errorf("seed %s: data incomplete", path)
		}
	}
	return s, nil
}

// Addr is the seeder's address on loopback, host:port.
func (s *Seeder) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.cl.LocalPort()) }

// InfoHash is the seeded torrent's infohash in hex.
func (s *Seeder) InfoHash() string { return s.mi.HashInfoBytes().HexString() }

// Magnet is a magnet link to the seeded torrent that names the seeder as
// its peer (x.pe), so no DHT or tracker is needed to find it.
func (s *Seeder) Magnet() string {
	info, _ := s.mi.UnmarshalInfo()
	m := metainfo.Magnet{
		InfoHash:    s.mi.HashInfoBytes(),
		DisplayName: info.BestName(),
		Params:      url.Values{"x.pe": {s.Addr()}},
	}
	return m.String()
}

// TorrentFile returns the .torrent file's bytes.
func (s *Seeder) TorrentFile() ([]byte, error) { return bencode.Marshal(s.mi) }

// Uploaded is the payload bytes the seeder has sent to peers so far.
func (s *Seeder) Uploaded() int64 {
	st := s.cl.ConnStats()
	return st.BytesWrittenData.Int64()
}

// Close stops seeding.
func (s *Seeder) Close() error {
	errs := s.cl.Close()
	return errors.Join(append(errs, s.sto.Close())...)
}
