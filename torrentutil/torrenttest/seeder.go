package torrenttest

import (
	"net"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/storage"
	"golang.org/x/time/rate"
)

// SeederOptions configures NewSeeder. The zero value seeds on 127.0.0.1
// from plain files.
type SeederOptions struct {
	// Host is the loopback IP to listen on; "" is 127.0.0.1. The library
	// bans peers by IP, so a seeder that must survive another's ban needs
	// an IP of its own (127.0.0.2).
	Host string
	// Storage, if set, wraps the file storage the seeder reads from: a
	// test's way to make it misbehave.
	Storage func(storage.ClientImplCloser) storage.ClientImplCloser
	// MetaInfo, if set, is the torrent seeded instead of one hashed from
	// path: a test's way to seed a torrent whose data is partly missing
	// (a file deleted after hashing) or never existed (fake hashes).
	MetaInfo *metainfo.MetaInfo
	// UploadRate caps the seeder's upload in bytes per second; 0 is
	// unlimited.
	UploadRate int64
	// Port is the port to listen on; 0 picks a free one. A seeder that
	// comes back after an outage listens where it did.
	Port int
}

// Seeder seeds one file or folder with the torrent library alone. It never
// downloads: pieces its storage says it lacks stay missing.
type Seeder struct {
	Client   *torrent.Client
	MetaInfo *metainfo.MetaInfo
	host     string
	sto      storage.ClientImplCloser
}

// NewSeeder seeds the file or folder at path (see MetaInfo) until the test
// ends. It skips the test when opts.Host cannot be listened on.
func NewSeeder(tb testing.TB, path string, pieceLen int64, opts SeederOptions) *Seeder {
	tb.Helper()
	mi := opts.MetaInfo
	if mi == nil {
		mi = MetaInfo(tb, path, pieceLen)
	}
	cfg := ClientConfig(tb)
	var sto storage.ClientImplCloser = storage.NewFileOpts(storage.NewFileClientOpts{ClientBaseDir: filepath.Dir(path), Logger: cfg.Slogger})
	if opts.Storage != nil {
		sto = opts.Storage(sto)
	}
	cfg.DefaultStorage = sto
	cfg.DataDir = filepath.Dir(path)
	cfg.Seed = true
	cfg.ListenPort = opts.Port
	if opts.UploadRate > 0 {
		cfg.UploadRateLimiter = rate.NewLimiter(rate.Limit(opts.UploadRate), int(max(opts.UploadRate, 1<<16)))
	}
	s := &Seeder{MetaInfo: mi, host: "127.0.0.1", sto: sto}
	if opts.Host != "" {
		s.host = opts.Host
		cfg.ListenHost = func(string) string { return opts.Host }
	}
	cl, err := torrent.NewClient(cfg)
	if err != nil {
		sto.Close()
		if opts.Host != "" {
			tb.Skipf("cannot listen on %s: %v", opts.Host, err)
		}
		tb.Fatal(err)
	}
	s.Client = cl
	tb.Cleanup(s.Close)
	t, err := cl.AddTorrent(mi)
	if err != nil {
		tb.Fatal(err)
	}
	t.DisallowDataDownload()
	return s
}

// Addr is the seeder's address, host:port, on the IP it listens on.
func (s *Seeder) Addr() string {
	return net.JoinHostPort(s.host, strconv.Itoa(s.Client.LocalPort()))
}

// InfoHash is the seeded torrent's v1 infohash in hex.
func (s *Seeder) InfoHash() string { return s.MetaInfo.HashInfoBytes().HexString() }

// Close stops seeding. It may be called more than once.
func (s *Seeder) Close() {
	s.Client.Close()
	s.sto.Close()
}

// Dial has the seeder connect to the peer at addr (host:port): a seeder
// that comes back on a new port reaches its leecher that way, as a
// tracker or the DHT would have it do.
func (s *Seeder) Dial(addr string) {
	if t, ok := s.Client.Torrent(s.MetaInfo.HashInfoBytes()); ok {
		t.AddPeers([]torrent.PeerInfo{{Addr: torrent.StringAddr(addr), Source: torrent.PeerSourceDirect}})
	}
}
