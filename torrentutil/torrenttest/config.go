package torrenttest

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/anacrolix/torrent"
)

// ClientConfig is a configuration of the torrent library that keeps a client
// on loopback, over TCP and IPv4 only: no DHT, trackers, PEX, UPnP, uTP,
// webseeds or WebTorrent. Its data folder is a temporary folder of the test
// and it logs nothing. Tests change what they need before torrent.NewClient.
func ClientConfig(tb testing.TB) *torrent.ClientConfig {
	cfg := torrent.NewDefaultClientConfig()
	cfg.DataDir = tb.TempDir()
	cfg.ListenHost, cfg.ListenPort = torrent.LoopbackListenHost, 0
	cfg.NoDHT, cfg.DisableTrackers, cfg.DisablePEX = true, true, true
	cfg.NoDefaultPortForwarding, cfg.DisableWebtorrent, cfg.DisableWebseeds = true, true, true
	cfg.DisableUTP, cfg.DisableIPv6 = true, true
	cfg.DropMutuallyCompletePeers = false
	// v1.61.0's peer message writer can lose a wake-up and sleep until the
	// keep-alive timer: btstream's clients use 500 ms too (torrentutil).
	cfg.KeepAliveTimeout = 500 * time.Millisecond
	cfg.Slogger = slog.New(slog.NewTextHandler(io.Discard, nil))
	return cfg
}
