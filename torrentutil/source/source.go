package source

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"
	infohash_v2 "github.com/anacrolix/torrent/types/infohash-v2"
)

// ErrBadSource wraps every failure to parse, fetch or validate the source
// the user gave: the input is at fault, not the network or the program.
var ErrBadSource = errors.New("bad source")

// defaultMax is the default cap on .torrent bodies: the library does
// not accept infos over 16 MiB anyway (maxMetadataSize).
const defaultMax = 16 << 20

// Options configures Parse. The zero value is ready to use.
type Options struct {
	// Stdin is read to EOF (or to the cap) when the source is "-"; ctx
	// cannot interrupt that read. Nil means there is no standard input.
	Stdin io.Reader
	// HTTPClient fetches http(s) sources. Nil means a client with a 30 s
	// overall timeout.
	HTTPClient *http.Client
	// MaxTorrentSize caps a .torrent read from a file, stdin or a URL; no
	// more than MaxTorrentSize+1 bytes are ever read. 0 means 16 MiB.
	MaxTorrentSize int64
}

// Source is a parsed and validated user source: a magnet URI, a .torrent
// (from a file, a URL or stdin), or a bare infohash.
type Source struct {
	mi     *metainfo.MetaInfo // .torrent inputs
	info   *metainfo.Info     // validated info of mi
	magnet string             // magnet inputs
	ih     metainfo.Hash      // v1 infohash, never zero
}

// Parse parses arg, which is one of: a magnet URI (xt=urn:btih: as 40
// hex or 32 base32 characters; tr, ws, x.pe and dn are honoured; a btmh
// beside the btih makes a hybrid, which is fine), an http(s) URL of a
// .torrent, a bare 40-hex infohash in any case, "-" for a .torrent on
// opts.Stdin, or a path to a .torrent file.
//
// A .torrent is checked with ValidateInfo before anything else uses it.
// Every failure caused by the input wraps ErrBadSource and names the
// problem in one line. If ctx ends while a URL is fetched, the error wraps
// ctx.Err() instead. Local inputs never touch the network.
func Parse(ctx context.Context, arg string, opts Options) (*Source, error) {
	max := opts.MaxTorrentSize
	if max <= 0 {
		max = defaultMax
	}
	trimmed := strings.TrimSpace(arg)
	switch kindOf(arg) {
	case kindEmpty:
		return nil, fmt.Errorf("%w: empty source", ErrBadSource)
	case kindStdin:
		if opts.Stdin == nil {
			return nil, bad("standard input", errors.New("no standard input to read"))
		}
		b, err := readCapped(opts.Stdin, max)
		if err != nil {
			return nil, bad("standard input", err)
		}
		return fromTorrent("standard input", b)
	case kindMagnet:
		return fromMagnet(trimmed)
	case kindHash:
		var s Source
		if _, err := hex.Decode(s.ih[:], []byte(trimmed)); err != nil {
			return nil, bad("infohash", err)
		}
		return &s, nil
	case kindURL:
		return fromURL(ctx, trimmed, opts.HTTPClient, max)
	case kindScheme:
		return nil, bad(strconv.Quote(short(trimmed)), errors.New("not a magnet URI, http(s) URL, infohash or .torrent path"))
	}
	return fromFile(arg, max)
}

type kind int

const (
	kindPath kind = iota
	kindEmpty
	kindStdin
	kindMagnet
	kindURL
	kindHash
	kindScheme // some other scheme: refused rather than taken for a path
)

var (
	hexRE    = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)
	schemeRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]+:(//|\?)`)
)

// kindOf classifies arg without touching the filesystem or network.
func kindOf(arg string) kind {
	t := strings.TrimSpace(arg)
	lower := strings.ToLower(t)
	switch {
	case t == "":
		return kindEmpty
	case arg == "-":
		return kindStdin
	case strings.HasPrefix(lower, "magnet:"):
		return kindMagnet
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"):
		return kindURL
	case hexRE.MatchString(t):
		return kindHash
	case schemeRE.MatchString(t):
		return kindScheme
	}
	return kindPath
}

// bad wraps ErrBadSource with what was read (label) and the problem.
func bad(label string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrBadSource, label, err)
}

// short shortens s for an error message.
func short(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

func fromFile(path string, max int64) (*Source, error) {
	label := strconv.Quote(path)
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, bad(label, errors.New("no such file (not a magnet URI, URL or infohash either)"))
	case err != nil:
		return nil, bad(label, err)
	case fi.IsDir():
		return nil, bad(label, errors.New("is a directory, not a .torrent file"))
	case fi.Mode().IsRegular() && fi.Size() > max:
		return nil, bad(label, fmt.Errorf("file is %d bytes, larger than the %d-byte cap for a .torrent", fi.Size(), max))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, bad(label, err)
	}
	defer f.Close()
	b, err := readCapped(f, max)
	if err != nil {
		return nil, bad(label, err)
	}
	return fromTorrent(label, b)
}

// readCapped reads r to the end, but never more than max+1 bytes.
func readCapped(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("larger than the %d-byte cap for a .torrent", max)
	}
	return b, nil
}

// fromTorrent decodes and validates the bytes of a .torrent.
func fromTorrent(label string, b []byte) (*Source, error) {
	if err := checkBencode(b); err != nil {
		return nil, bad(label, err)
	}
	var mi metainfo.MetaInfo
	if err := bencode.Unmarshal(bytes.TrimRight(b, " \t\r\n"), &mi); err != nil {
		return nil, bad(label, fmt.Errorf("wrong types in .torrent: %w", err))
	}
	if len(mi.InfoBytes) == 0 {
		return nil, bad(label, errors.New("no info dictionary"))
	}
	info, err := mi.UnmarshalInfo()
	if err != nil {
		return nil, bad(label, fmt.Errorf("wrong types in info dictionary: %w", err))
	}
	if err := checkInfo(&info); err != nil {
		return nil, bad(label, err)
	}
	return &Source{mi: &mi, info: &info, ih: mi.HashInfoBytes()}, nil
}

// fromMagnet checks a magnet URI with messages for people, then
// leaves the parsing proper to the library.
func fromMagnet(uri string) (*Source, error) {
	const label = "magnet"
	u, err := url.Parse(uri)
	if err != nil {
		return nil, bad(label, errors.New("not a valid URI"))
	}
	q := u.Query()
	var btih, btmh int
	for _, xt := range q["xt"] {
		if h, ok := strings.CutPrefix(xt, "urn:btih:"); ok {
			btih++
			if err := checkBtih(h); err != nil {
				return nil, bad(label, err)
			}
		} else if strings.HasPrefix(xt, "urn:btmh:") {
			btmh++
		}
	}
	switch {
	case btih == 0 && btmh > 0:
		return nil, bad(label, errV2Only)
	case btih == 0:
		return nil, bad(label, errors.New("no xt=urn:btih: infohash"))
	}
	for _, pe := range q["x.pe"] {
		host, port, err := net.SplitHostPort(pe)
		if n, perr := strconv.ParseUint(port, 10, 16); err != nil || host == "" || perr != nil || n == 0 {
			return nil, bad(label, fmt.Errorf("bad x.pe peer address %q (want host:port)", pe))
		}
	}
	for _, ws := range q["ws"] {
		if w, err := url.Parse(ws); err != nil || (w.Scheme != "http" && w.Scheme != "https") || w.Host == "" {
			return nil, bad(label, fmt.Errorf("bad ws web seed %q (want an http(s) URL)", short(ws)))
		}
	}
	m, err := metainfo.ParseMagnetV2Uri(uri)
	if err != nil {
		return nil, bad(label, err)
	}
	if !m.InfoHash.Ok { // unreachable after the checks above; never hand the library a zero hash
		return nil, bad(label, errors.New("no xt=urn:btih: infohash"))
	}
	return &Source{magnet: uri, ih: m.InfoHash.Value}, nil
}

func checkBtih(h string) error {
	switch len(h) {
	case 40:
		if _, err := hex.DecodeString(h); err != nil {
			return fmt.Errorf("bad hex in btih %q", h)
		}
	case 32:
		if _, err := base32.StdEncoding.DecodeString(h); err != nil {
			return fmt.Errorf("bad base32 in btih %q (want A-Z and 2-7)", h)
		}
	default:
		return fmt.Errorf("btih is %d characters long; want 40 hex or 32 base32", len(h))
	}
	return nil
}

// HasInfo reports whether the metadata is known: true for .torrent inputs,
// false for magnets and infohashes, whose metadata comes from peers.
func (s *Source) HasInfo() bool { return s.info != nil }

// InfoHash is the v1 infohash in lower-case hex.
func (s *Source) InfoHash() string { return s.ih.HexString() }

// Inspect describes a source that HasInfo. Otherwise it fails: the
// metadata must be fetched from peers first.
func (s *Source) Inspect() (Info, error) {
	if s.info == nil {
		return Info{}, errors.New("no metadata yet: a magnet or infohash needs peers to get it")
	}
	return Describe(s.info, s.ih, s.mi.UpvertedAnnounceList()), nil
}

// Spec is what torrentutil's client adds: the info bytes when known, trackers (a
// magnet's tr as one tier), web seeds, x.pe peers and the display name.
// Magnet xs/as sources are dropped: the library would fetch a .torrent over
// HTTP and use it without ValidateInfo. A fresh spec is built per call.
func (s *Source) Spec() *torrent.TorrentSpec {
	var spec *torrent.TorrentSpec
	switch {
	case s.mi != nil:
		// As torrent.TorrentSpecFromMetaInfoErr, from the info Parse decoded
		// already: decoding it again costs as much as the whole Parse (a
		// second or a hundred megabytes of garbage for 100,000 files).
		spec = &torrent.TorrentSpec{
			Trackers:    s.mi.UpvertedAnnounceList(),
			PieceLayers: s.mi.PieceLayers,
			DisplayName: s.info.BestName(),
			Webseeds:    s.mi.UrlList,
		}
		for _, n := range s.mi.Nodes {
			spec.DhtNodes = append(spec.DhtNodes, string(n))
		}
		spec.InfoBytes = s.mi.InfoBytes
		if s.info.HasV2() {
			spec.InfoHashV2.Set(infohash_v2.HashBytes(s.mi.InfoBytes))
		}
	case s.magnet != "":
		if m, err := torrent.TorrentSpecFromMagnetUri(s.magnet); err == nil {
			spec = m
			spec.Sources = nil
			if len(spec.Trackers) == 1 && len(spec.Trackers[0]) == 0 {
				spec.Trackers = nil
			}
		}
	}
	if spec == nil { // a bare infohash (a magnet error was ruled out by Parse)
		spec = &torrent.TorrentSpec{}
	}
	// The caller may append; never let that reach the MetaInfo's arrays.
	spec.Trackers = slices.Clip(spec.Trackers)
	spec.InfoHash = s.ih
	return spec
}
