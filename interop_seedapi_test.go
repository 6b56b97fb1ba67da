package main

// The control APIs of the seeders startShapedSeeders runs: aria2's JSON-RPC
// and qBittorrent's WebUI API, both on the seed namespace's loopback, reached
// by sockets made inside that namespace.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// shapedSeeders are the seeders startShapedSeeders runs on the seed side of a
// link: the magnet that names them, and a client for their control APIs.
type shapedSeeders struct {
	magnet string
	api    *http.Client
}

const (
	aria2RPC = "http://127.0.0.1:6800/jsonrpc" // secret "harness"
	qbtAPI   = "http://127.0.0.1:8080/api/v2/" // no login from localhost
)

// limitQbittorrent sets qBittorrent's global upload limit through its
// preferences API and fails the test unless qBittorrent reports it back,
// applied to peers on the LAN as the link's peers are.
func (s shapedSeeders) limitQbittorrent(t testing.TB, limit int64) {
	t.Helper()
	set := url.Values{"json": {fmt.Sprintf(`{"up_limit":%d,"limit_lan_peers":true}`, limit)}}
	err := call(t.Context(), s.api, "POST", qbtAPI+"app/setPreferences",
		"application/x-www-form-urlencoded", strings.NewReader(set.Encode()), nil)
	if err != nil {
		t.Fatalf("qbittorrent setPreferences: %v", err)
	}
	var prefs struct {
		UpLimit       int64 `json:"up_limit"`
		LimitLANPeers bool  `json:"limit_lan_peers"`
	}
	if err := call(t.Context(), s.api, "GET", qbtAPI+"app/preferences", "", nil, &prefs); err != nil {
		t.Fatalf("qbittorrent preferences: %v", err)
	}
	if prefs.UpLimit != limit || !prefs.LimitLANPeers {
		t.Fatalf("qbittorrent upload limit %d B/s (on the LAN: %v), want %d", prefs.UpLimit, prefs.LimitLANPeers, limit)
	}
}

// uploaded returns how many bytes of data each seeder has sent, by its own
// counter: aria2's uploadLength, qBittorrent's up_info_data (which qBittorrent
// refreshes about every 1.5 s).
func (s shapedSeeders) uploaded(ctx context.Context) (aria2, qbt int64, err error) {
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": "h", "method": "aria2.tellActive",
		"params": []any{"token:harness", []string{"uploadLength"}}})
	if err != nil {
		return 0, 0, err
	}
	var a struct {
		Result []struct {
			UploadLength int64 `json:"uploadLength,string"`
		}
	}
	if err := call(ctx, s.api, "POST", aria2RPC, "application/json", bytes.NewReader(body), &a); err != nil {
		return 0, 0, fmt.Errorf("aria2 tellActive: %w", err)
	}
	if len(a.Result) != 1 {
		return 0, 0, fmt.Errorf("aria2 tellActive: %d downloads, want 1", len(a.Result))
	}
	var q struct {
		UpInfoData int64 `json:"up_info_data"`
	}
	if err := call(ctx, s.api, "GET", qbtAPI+"transfer/info", "", nil, &q); err != nil {
		return 0, 0, fmt.Errorf("qbittorrent transfer/info: %w", err)
	}
	return a.Result[0].UploadLength, q.UpInfoData, nil
}

// call sends a request through c and decodes its JSON reply into out, unless
// out is nil.
func call(ctx context.Context, c *http.Client, method, u, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s", method, u, resp.Status)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// netnsClient returns an HTTP client whose connections are made from inside
// the network namespace ns: a socket stays in the namespace it was made in.
func netnsClient(ns string) *http.Client {
	dial := func(ctx context.Context, network, addr string) (c net.Conn, err error) {
		err = inNetns(ns, func() (err error) {
			c, err = (&net.Dialer{}).DialContext(ctx, network, addr)
			return err
		})
		return c, err
	}
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: dial, DisableKeepAlives: true}}
}
