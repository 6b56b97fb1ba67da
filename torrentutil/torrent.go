package torrentutil

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anacrolix/torrent"

	"github.com/btstream/btstream/torrentutil/plan"
	"github.com/btstream/btstream/torrentutil/source"
)

// ErrNoMetadata means no peer delivered the torrent's metadata in time.
var ErrNoMetadata = errors.New("no metadata")

// Torrent is one torrent added to a Client. Its scheduler (Schedule) steers
// every piece priority of it, for all its opened files.
type Torrent struct {
	c     *Client
	t     *torrent.Torrent
	tried string                // where peers were looked for, for errors
	werr  atomic.Pointer[error] // the first storage write error
	rate  plan.RateMeter
	peers peerBook // fed by the client's callbacks
	check *checker // hash-checks the data found on disk (adopt.go)
	desc  atomic.Pointer[source.Info]
	// infoChecked: the info came with the source, which Parse validated.
	infoChecked bool

	mu        sync.Mutex
	files     map[int]*File // opened with File, by index
	scheduled atomic.Bool   // Schedule runs: readers leave their windows to it
	wake      chan struct{} // a head moved, appeared or went: re-plan now
}

// poke wakes the scheduler without blocking.
func (t *Torrent) poke() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// opened returns the files opened with File.
func (t *Torrent) opened() []*File {
	t.mu.Lock()
	defer t.mu.Unlock()
	fs := make([]*File, 0, len(t.files))
	for _, f := range t.files {
		fs = append(fs, f)
	}
	return fs
}

func (t *Torrent) setWriteErr(err error) {
	err = fmt.Errorf("write to data folder: %w", err)
	t.werr.CompareAndSwap(nil, &err)
}

// writeErr is the first storage write error, or nil.
func (t *Torrent) writeErr() error {
	if p := t.werr.Load(); p != nil {
		return *p
	}
	return nil
}

func (c *Client) addSpec(spec *torrent.TorrentSpec) (*Torrent, error) {
	spec.DisableInitialPieceCheck = true // the checker checks, in the player's order
	t, isNew, err := c.cl.AddTorrentSpec(spec)
	if err != nil {
		return nil, fmt.Errorf("add torrent: %w", err)
	}
	// The default handler stops all downloads silently; fail the reads instead.
	// A write error ends the torrent: it is dropped, which wakes every blocked
	// reader, and they and WaitReady then return the error. Dropping rather
	// than DisallowDataDownload: with downloads disallowed while pieces are
	// wanted, v1.61.0's piece request order disagrees with its pending pieces,
	// which its internal checks turn into a panic (with the client lock held)
	// in test binaries.
	if !isNew {
		if tt, ok := c.torrents.Load(t); ok {
			return tt.(*Torrent), nil
		}
	}
	tt := &Torrent{c: c, t: t, wake: make(chan struct{}, 1)}
	tt.startCheck()
	c.torrents.Store(t, tt)
	t.SetOnWriteChunkError(func(err error) {
		c.log.Error("write failed", "err", err)
		tt.setWriteErr(err)
		tt.stopCheck()
		t.Drop()
	})
	return tt, nil
}

// MetaStatus is reported while waiting for metadata.
type MetaStatus struct {
	Elapsed time.Duration
	Peers   int // connected peers
	Known   int // peer addresses known, connected or not
}

// WaitInfo waits until the metadata is known and valid. It reports about
// once a second. After timeout (0: no limit) it fails with ErrNoMetadata.
func (t *Torrent) WaitInfo(ctx context.Context, timeout time.Duration, report func(MetaStatus)) error {
	start := time.Now()
	var expire <-chan time.Time
	if timeout > 0 {
		tm := time.NewTimer(timeout)
		defer tm.Stop()
		expire = tm.C
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-t.t.GotInfo():
			return t.checkInfo()
		case <-ctx.Done():
			return ctx.Err()
		case <-expire:
			s := t.t.Stats()
			return fmt.Errorf("%w after %s from %d peers (%d known; tried %s)", ErrNoMetadata, timeout, s.ActivePeers, s.TotalPeers, t.tried)
		case <-tick.C:
			if report != nil {
				s := t.t.Stats()
				report(MetaStatus{Elapsed: time.Since(start), Peers: s.ActivePeers, Known: s.TotalPeers})
			}
		}
	}
}

// infoHash is the v1 infohash in lower-case hex.
func (t *Torrent) infoHash() string { return t.t.InfoHash().HexString() }

// Info describes the torrent; it needs the metadata (WaitInfo). The
// description is made once, as it lists every file; callers share its
// Files and must not change them.
func (t *Torrent) Info() source.Info {
	if d := t.desc.Load(); d != nil {
		return *d
	}
	mi := t.t.Metainfo()
	d := source.Describe(t.t.Info(), t.t.InfoHash(), mi.UpvertedAnnounceList())
	t.desc.Store(&d)
	return d
}

// Files lists the torrent's files; it needs the metadata (WaitInfo).
func (t *Torrent) Files() []source.FileEntry { return t.Info().Files }

// checkInfo validates metadata that came from peers; a .torrent's was
// validated when it was parsed.
func (t *Torrent) checkInfo() error {
	if t.infoChecked {
		return nil
	}
	return source.ValidateInfo(t.t.Info())
}

// addPeers adds peers to dial, as host:port, while the torrent runs: a
// peer that came back on a new port, or one the user names late. Like the
// peers of a magnet's x.pe, they are trusted: a failed hash check alone does
// not ban them. The library still bans by IP a peer proven to have sent a
// bad block once the piece verifies from another peer (smart ban), and it
// ignores addresses on a banned IP: one liar bans every peer behind its IP.
func (t *Torrent) addPeers(addrs ...string) {
	t.peers.know(true, addrs...)
	peers := make([]torrent.PeerInfo, len(addrs))
	for i, a := range addrs {
		peers[i] = torrent.PeerInfo{Addr: torrent.StringAddr(a), Source: torrent.PeerSourceDirect, Trusted: true}
	}
	t.t.AddPeers(peers)
}

// stats is a snapshot of the torrent's transfer.
type stats struct {
	BytesRead    int64 // useful payload bytes received so far
	BytesWritten int64 // payload bytes uploaded so far
	Peers        int   // connected peers
	Seeds        int   // connected peers that have everything
	Wasted       int64 // chunks received that were not needed
	HashFailures int64 // pieces that failed their hash check
}

// stats returns the current counters.
func (t *Torrent) stats() stats {
	s := t.t.Stats()
	return stats{
		BytesRead:    s.BytesReadUsefulData.Int64(),
		BytesWritten: s.BytesWrittenData.Int64(),
		Peers:        s.ActivePeers,
		Seeds:        s.ConnectedSeeders,
		Wasted:       s.ChunksReadWasted.Int64(),
		HashFailures: s.PiecesDirtiedBad.Int64(),
	}
}
