package torrentutil

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/storage"
	"golang.org/x/time/rate"

	"github.com/btstream/btstream/torrentutil/filestore"
)

// Config configures a Client. The zero value plus a DataDir is a normal
// client: DHT, trackers, PEX and UPnP on, uploading while it downloads.
type Config struct {
	// DataDir holds the pieces. Required; the caller owns its lifetime.
	DataDir string
	// Persist keeps piece completion in DataDir so that a later run on the
	// same folder reuses verified pieces instead of fetching them again.
	Persist bool
	// ListenPort is the BitTorrent port; 0 picks a free one. When the port
	// is taken, NewClient falls back to a free one and sets PortFallback.
	ListenPort int
	// Offline keeps the client on loopback: it listens on 127.0.0.1 only and
	// uses no DHT, trackers, PEX, UPnP, webseeds or WebTorrent. The demo and
	// the tests use it; nothing then leaves the machine.
	Offline bool
	NoDHT   bool // no DHT
	NoUPnP  bool // no UPnP/NAT-PMP port forwarding
	// NoUpload never uploads; Seed keeps uploading after the file is complete.
	NoUpload, Seed bool
	// DownloadRate and UploadRate cap the transfer in bytes per second; 0 is unlimited.
	DownloadRate, UploadRate int64
	// Logger receives torrentutil's own logs (a failed write, a peer the
	// rescue dropped); nil discards them.
	Logger *slog.Logger
	// LibraryLogger receives the torrent library's logs, with its routine
	// errors (reads cancelled by their callers, the DHT failing to
	// bootstrap offline) demoted to Debug; nil discards them.
	LibraryLogger *slog.Logger
}

// Client is one BitTorrent client. It is safe for concurrent use.
type Client struct {
	cl           *torrent.Client
	sto          storage.ClientImplCloser
	log          *slog.Logger
	portFallback bool
	noDHT        bool // for error messages: where peers were looked for
	noTrackers   bool
	// torrents maps the library's torrents to ours, for the callbacks
	// that feed each torrent's peer book.
	torrents sync.Map // *torrent.Torrent -> *Torrent
}

// NewClient starts a client that listens for peers.
func NewClient(cfg Config) (*Client, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("new client: no data folder")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sto, err := filestore.New(cfg.DataDir, cfg.Persist)
	if err != nil {
		return nil, err
	}
	tcfg := clientConfig(cfg, sto)
	c := &Client{sto: sto, log: log, noDHT: tcfg.NoDHT, noTrackers: tcfg.DisableTrackers}
	c.watchPeers(&tcfg.Callbacks)
	c.cl, err = torrent.NewClient(tcfg)
	if err != nil && isAddrInUse(err) && tcfg.ListenPort != 0 {
		tcfg.ListenPort = 0
		c.portFallback = true
		c.cl, err = torrent.NewClient(tcfg)
	}
	if err != nil && strings.Contains(err.Error(), "tcp6") && !tcfg.DisableIPv6 {
		// v1.61.0 fails on hosts without IPv6 (anacrolix/torrent#900).
		tcfg.DisableIPv6 = true
		c.cl, err = torrent.NewClient(tcfg)
	}
	if err != nil {
		sto.Close()
		return nil, fmt.Errorf("start torrent client: %w", err)
	}
	return c, nil
}

func clientConfig(cfg Config, sto storage.ClientImpl) *torrent.ClientConfig {
	tc := torrent.NewDefaultClientConfig()
	tc.DataDir = cfg.DataDir
	tc.DefaultStorage = sto
	tc.ListenPort = cfg.ListenPort
	tc.NoDHT = cfg.NoDHT
	tc.NoDefaultPortForwarding = cfg.NoUPnP
	tc.NoUpload = cfg.NoUpload
	tc.Seed = cfg.Seed
	tc.DisableWebtorrent = true // less CPU and no STUN traffic; webseeds stay on
	tc.HTTPUserAgent = "btstream"
	// The keep-alive stays the library's: one after a minute of silence.
	// Real clients drop a peer that sends more (aria2: two within 5 s is a
	// flood). v1.61.0's connection writer can miss a wake-up and sleep
	// until that timer fires; the rescue wakes such a connection instead
	// (plan.Culprit).
	lib := slog.DiscardHandler
	if cfg.LibraryLogger != nil {
		lib = cfg.LibraryLogger.Handler()
	}
	tc.Slogger = slog.New(quietNoise{lib})
	if cfg.DownloadRate > 0 {
		tc.DownloadRateLimiter = rate.NewLimiter(rate.Limit(cfg.DownloadRate), int(max(cfg.DownloadRate, 1<<16)))
	}
	if cfg.UploadRate > 0 {
		tc.UploadRateLimiter = rate.NewLimiter(rate.Limit(cfg.UploadRate), int(max(cfg.UploadRate, 1<<16)))
	}
	if cfg.Offline {
		tc.ListenHost = func(network string) string {
			if network == "tcp6" || network == "udp6" {
				return "::1"
			}
			return "127.0.0.1"
		}
		tc.ListenPort = 0
		tc.NoDHT = true
		tc.DisableTrackers = true
		tc.DisablePEX = true
		tc.NoDefaultPortForwarding = true
		tc.DisableWebseeds = true
		tc.DisableIPv6 = true
		tc.DisableUTP = true
		tc.DropMutuallyCompletePeers = false
	}
	return tc
}

func isAddrInUse(err error) bool {
	return strings.Contains(err.Error(), "address already in use")
}

// PortFallback reports whether the configured listen port was taken and a
// free one was used instead.
func (c *Client) PortFallback() bool { return c.portFallback }

// ListenPort is the port the client accepts peers on.
func (c *Client) ListenPort() int { return c.cl.LocalPort() }

// closeTimeout bounds Close: btstream promises to stop within 3 s of
// Ctrl-C, whatever a peer connection inside the library is doing.
const closeTimeout = 2 * time.Second

// Close stops the client and closes its storage. Data on disk stays. If the
// library has not stopped after closeTimeout, Close returns an error and
// leaves it to the process's exit.
func (c *Client) Close() error {
	done := make(chan error, 1)
	go func() {
		c.torrents.Range(func(_, tt any) bool {
			tt.(*Torrent).stopCheck()
			return true
		})
		errs := c.cl.Close()
		done <- errors.Join(append(errs, c.sto.Close())...)
	}()
	tm := time.NewTimer(closeTimeout)
	defer tm.Stop()
	select {
	case err := <-done:
		return err
	case <-tm.C:
		return fmt.Errorf("torrent client did not stop within %s", closeTimeout)
	}
}
