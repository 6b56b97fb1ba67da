package torrentutil

// AddOptions adds trackers and peers to what the source names.
type AddOptions struct {
	Trackers []string // announce URLs, one extra tier
	Peers    []string // host:port of peers to dial
}

// Add adds src to the client. Nothing downloads until a file is streamed.
func (c *Client) Add(src *Source, opts AddOptions) (*Torrent, error) {
	spec := src.spec()
	if len(opts.Trackers) > 0 {
		spec.Trackers = append(spec.Trackers, opts.Trackers)
	}
	spec.PeerAddrs = append(spec.PeerAddrs, opts.Peers...)
	return c.addSpec(spec)
}
