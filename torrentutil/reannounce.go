package torrentutil

import (
	"net/url"
	"strconv"
	"strings"
)

// Re-announcing after an outage. v1.61.0 has no "announce now": its
// dispatcher (client-tracker-announcer.go) announces to a tracker again
// when the interval the tracker gave has passed, or a minute after a
// failed attempt, keyed by the URL string, and that state survives
// ModifyTrackers (its Stop does nothing) and AddTrackers of the same
// URLs. A URL string it has not seen is a new key, announced to at once
// ("started"). So a re-announce adds each tracker again under a fragment
// of its own: the fragment is not sent over HTTP and not part of a UDP
// tracker's URL data, so the tracker sees the same announce URL. The
// cost: the library keeps announcing under each added key at the
// tracker's interval for the torrent's life, which is why reannounceEvery
// spaces them.

// reannounceTag starts the fragment of a re-announce's URLs.
const reannounceTag = "btstream-reannounce-"

// reannounceList returns the trackers of list (the torrent's announce
// list) under the fragment of the nth re-announce, tier by tier, leaving
// out the URLs of earlier re-announces and those the library could not
// take again: not HTTP(S) or UDP, with user info (v1.61.0 panics on it),
// or whose text does not survive a parse (it panics on that too). Empty
// tiers are left out.
func reannounceList(list [][]string, n int) [][]string {
	var out [][]string
	for _, tier := range list {
		var urls []string
		for _, s := range tier {
			u, err := url.Parse(s)
			if err != nil || u.User != nil || strings.HasPrefix(u.Fragment, reannounceTag) {
				continue
			}
			switch u.Scheme {
			case "http", "https", "udp", "udp4", "udp6":
			default:
				continue
			}
			u.Fragment = reannounceTag + strconv.Itoa(n)
			u.RawFragment = ""
			a := u.String()
			if v, err := url.Parse(a); err != nil || v.String() != a {
				continue
			}
			urls = append(urls, a)
		}
		if len(urls) > 0 {
			out = append(out, urls)
		}
	}
	return out
}
