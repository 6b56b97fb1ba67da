package source

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// fetchTimeout bounds the whole request when Options.HTTPClient is nil.
const fetchTimeout = 30 * time.Second

// fromURL downloads a .torrent over http(s) and parses it. The body is
// capped at max bytes and the request ends with ctx. Errors name the URL
// without its query, which often carries a private tracker's passkey.
func fromURL(ctx context.Context, raw string, client *http.Client, max int64) (*Source, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, bad(strconv.Quote(short(raw)), errors.New("not a valid URL"))
	}
	label := strconv.Quote((&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String())
	b, err := fetchTorrent(ctx, u, client, max)
	switch {
	case err == nil:
		return fromTorrent(label, b)
	case ctx.Err() != nil:
		return nil, fmt.Errorf("fetch %s: %w", label, ctx.Err())
	default:
		return nil, bad(label, err)
	}
}

// fetchTorrent GETs u and returns its body: at most max bytes, from a 2xx
// response that is not an HTML page.
func fetchTorrent(ctx context.Context, u *url.URL, client *http.Client, max int64) ([]byte, error) {
	if client == nil {
		client = &http.Client{Timeout: fetchTimeout}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/x-bittorrent, */*;q=0.5")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fetchErr(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("HTTP status %s", resp.Status)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/html" {
		return nil, errors.New("the server sent an HTML page, not a .torrent (a login or error page?)")
	}
	if resp.ContentLength > max {
		return nil, fmt.Errorf("body is %d bytes, larger than the %d-byte cap for a .torrent", resp.ContentLength, max)
	}
	b, err := readCapped(resp.Body, max)
	if err != nil {
		return nil, fetchErr(err)
	}
	return b, nil
}

// fetchErr rewords a transport error in one line, without the URL that
// url.Error repeats.
func fetchErr(err error) error {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return errors.New("timed out")
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("unreachable: %w", ue.Err)
	}
	return err
}
