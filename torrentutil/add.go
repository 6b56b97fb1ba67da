package torrentutil

import (
	"fmt"
	"strings"

	"github.com/anacrolix/torrent"

	"github.com/btstream/btstream/torrentutil/source"
)

// AddOptions adds trackers and peers to what the source names.
type AddOptions struct {
	Trackers []string // announce URLs, one extra tier
	Peers    []string // host:port of peers to dial
}

// Add adds src to the client. Nothing downloads until a file is streamed.
func (c *Client) Add(src *source.Source, opts AddOptions) (*Torrent, error) {
	spec := src.Spec()
	if len(opts.Trackers) > 0 {
		spec.Trackers = append(spec.Trackers, opts.Trackers)
	}
	spec.PeerAddrs = append(spec.PeerAddrs, opts.Peers...)
	// src is not used past this point, so that its decoded info (tens of
	// megabytes for 100,000 files) can go while the library decodes its own.
	checked := src.HasInfo()
	t, err := c.addSpec(spec)
	if err != nil {
		return nil, err
	}
	t.tried = c.tried(spec)
	t.infoChecked = checked
	// The peers the user named are dialled again whenever they drop.
	t.peers.know(true, spec.PeerAddrs...)
	return t, nil
}

// tried says where the client looks for peers of spec, for error messages.
func (c *Client) tried(spec *torrent.TorrentSpec) string {
	var where []string
	if !c.noDHT {
		where = append(where, "the DHT")
	}
	n := 0
	for _, tier := range spec.Trackers {
		n += len(tier)
	}
	if c.noTrackers {
		n = 0
	}
	where = append(where, fmt.Sprintf("%d trackers", n), fmt.Sprintf("%d direct peers", len(spec.PeerAddrs)))
	return strings.Join(where, ", ")
}
