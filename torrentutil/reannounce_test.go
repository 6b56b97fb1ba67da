package torrentutil

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/anacrolix/torrent/bencode"

	"github.com/btstream/btstream/torrentutil/torrenttest"
)

// A re-announce names each tracker anew under its fragment, tier by tier,
// and leaves out what the library could not take again.
func TestReannounceList(t *testing.T) {
	list := [][]string{
		{"http://tracker.example/announce", "udp://tracker.example:6969/announce", "http://tracker.example/announce#" + reannounceTag + "1"},
		{"wss://tracker.example/ws", "http://user:pw@tracker.example/announce", "://bad"},
		{"https://tracker.example/a?passkey=x"},
	}
	want := [][]string{
		{"http://tracker.example/announce#" + reannounceTag + "2", "udp://tracker.example:6969/announce#" + reannounceTag + "2"},
		{"https://tracker.example/a?passkey=x#" + reannounceTag + "2"},
	}
	if got := reannounceList(list, 2); !reflect.DeepEqual(got, want) {
		t.Errorf("reannounceList = %q, want %q", got, want)
	}
	if got := reannounceList(nil, 1); got != nil {
		t.Errorf("no trackers: %q, want none", got)
	}
}

// After every seeder left and came back, the leecher announces to its
// tracker again as soon as a peer is back, not after the hour the tracker
// asked it to wait.
func TestOutageReannounces(t *testing.T) {
	t.Parallel()
	announces := make(chan url.Values, 16)
	tracker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case announces <- r.URL.Query():
		default:
		}
		w.Write(bencode.MustMarshal(map[string]any{"interval": 3600, "peers": ""}))
	}))
	defer tracker.Close()
	// A client that uses trackers, on loopback all the same: the tracker,
	// the seeders and the listen addresses it is told of are all there,
	// and nothing else is on (no DHT, no UPnP). Its download is capped so
	// that the film cannot complete during the test (a complete torrent
	// dials nobody, and the re-announce answers a connection after none).
	c, err := NewClient(Config{DataDir: t.TempDir(), NoDHT: true, NoUPnP: true, DownloadRate: 32 << 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fm := newFilmOn(t, c, 2, 0.75, 0, false)
	ctx := deadline(t)
	// events counts the announces by event. The library announces under
	// one URL "started" once and "completed" once (and "stopped" when the
	// torrent goes): an event seen twice is a second URL's, the
	// re-announce's.
	events := make(map[string]int)
	announced := func(cond func() bool) bool {
		for !cond() {
			select {
			case q := <-announces:
				events[q.Get("event")]++
			case <-ctx.Done():
				return false
			}
		}
		return true
	}
	fm.tt.t.AddTrackers([][]string{{tracker.URL + "/announce"}})
	if !announced(func() bool { return events["started"] > 0 }) {
		t.Fatal("no first announce")
	}
	fm.f.Prioritize(StartRule{Want: filmBitrate, NoIndex: true})
	sctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stop()
	wg.Go(func() { fm.tt.Schedule(sctx) })

	// The outage: the seeders leave once the leecher is connected, and
	// come back on their ports once it has no connection left.
	conns := func() int {
		b := &fm.tt.peers
		b.mu.Lock()
		defer b.mu.Unlock()
		return len(b.peers)
	}
	if !poll(ctx, func() bool { return conns() > 0 }) {
		t.Fatal("the leecher never connected")
	}
	ports := make([]int, len(fm.honest))
	for i, s := range fm.honest {
		ports[i] = s.Client.LocalPort()
		s.Close()
	}
	if !poll(ctx, func() bool { return conns() == 0 }) {
		t.Fatalf("the leecher kept %d connections to closed seeders", conns())
	}
	for i, port := range ports {
		fm.honest[i] = torrenttest.NewSeeder(t, fm.path, filmPieceLen, torrenttest.SeederOptions{UploadRate: int64(fm.share * filmBitrate), Port: port})
	}
	if !announced(func() bool { return events["started"] > 1 || events["completed"] > 1 }) {
		t.Fatalf("no announce after the outage: %v; %d connections", events, conns())
	}
}

// poll reports whether cond holds, checking every 10 ms until ctx ends. It
// measures nothing.
func poll(ctx context.Context, cond func() bool) bool {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
	return true
}
