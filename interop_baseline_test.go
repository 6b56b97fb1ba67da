package main

// The baseline arm of BenchmarkInteropStream: what btstream would be without
// its scheduler. The same client settings as btstream with --no-dht
// --no-upnp, the same storage (filestore) and the same HTTP serving (stream,
// one reader per request, closed with the request); but each request's
// reader is the library's own, responsive, with a fixed read-ahead of
// baselineReadahead, and nothing else is fetched: no index first, no window
// planned around the play head, no rescue of late pieces, no background
// fetch of the rest (as anacrolix/confluence serves a torrent).
//
// The start rule is btstream's default buffer alone: the first 1% of the
// file, verified, read through by a reader at 0 with the same read-ahead.
// btstream waits for that and the index (an MP4's moov), or starts earlier
// when the measured rate proves it safe; the baseline knows neither index
// nor rate, so mpv fetches the moov itself after the start, as it does from
// any plain HTTP server.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"syscall"
	"testing"
	"time"

	"github.com/anacrolix/torrent"
	"golang.org/x/sync/errgroup"

	"github.com/btstream/btstream/stream"
	"github.com/btstream/btstream/torrentutil/filestore"
	"github.com/btstream/btstream/torrentutil/media"
)

const (
	// baselineReadahead is each reader's fixed read-ahead: 32 s of the
	// benchmark's 4 Mbit/s video.
	baselineReadahead = 16 << 20
	// baselineBuffer is the start rule's share of the file, btstream's
	// default --buffer 1%.
	baselineBuffer = 0.01
	// baselineEnv carries the magnet to the helper process.
	baselineEnv = "BTSTREAM_BENCH_BASELINE"
)

// baselineCmd runs the baseline server (TestHelperBaselineServer) on magnet:
// the test binary itself, with a private TMPDIR for its data. Like
// `btstream --no-player --json`, it prints a listening event with the URL
// and a ready event when the player may start, then serves until killed.
func baselineCmd(t testing.TB, tmp, magnet string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestHelperBaselineServer$", "-test.timeout=0")
	cmd.Env = append(offlineEnv(tmp), baselineEnv+"="+magnet)
	return cmd
}

// TestHelperBaselineServer is not a test: it is the baseline server that
// BenchmarkInteropStream runs in the leech namespace, as a process of its
// own so that every socket the library opens is made there.
func TestHelperBaselineServer(t *testing.T) {
	magnet := os.Getenv(baselineEnv)
	if magnet == "" {
		t.Skip("helper process")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serveBaseline(ctx, t.TempDir(), os.Stdout, magnet); err != nil && ctx.Err() == nil {
		t.Fatal(err)
	}
}

// serveBaseline fetches magnet's only file into dir and serves it over HTTP
// on loopback, writing btstream's listening and ready events as JSON lines
// to out, until ctx ends.
func serveBaseline(ctx context.Context, dir string, out io.Writer, magnet string) error {
	began := time.Now()
	enc := json.NewEncoder(out)
	emit := func(event string, url string) error {
		return enc.Encode(struct {
			Event   string  `json:"event"`
			Elapsed float64 `json:"elapsed"`
			URL     string  `json:"url,omitempty"`
		}{event, time.Since(began).Seconds(), url})
	}
	sto, err := filestore.New(dir, false)
	if err != nil {
		return err
	}
	defer sto.Close()
	// btstream's client settings (torrentutil.clientConfig) with --no-dht
	// --no-upnp --port 0, the library's keep-alive included; no IPv6, as
	// the link has none.
	cfg := torrent.NewDefaultClientConfig()
	cfg.DataDir, cfg.DefaultStorage, cfg.ListenPort = dir, sto, 0
	cfg.NoDHT, cfg.NoDefaultPortForwarding, cfg.DisableWebtorrent, cfg.DisableIPv6 = true, true, true, true
	cfg.HTTPUserAgent = "btstream"
	cfg.Slogger = slog.New(slog.DiscardHandler)
	cl, err := torrent.NewClient(cfg)
	if err != nil {
		return fmt.Errorf("new client: %w", err)
	}
	defer cl.Close()
	tor, err := cl.AddMagnet(magnet)
	if err != nil {
		return fmt.Errorf("add magnet: %w", err)
	}
	select {
	case <-tor.GotInfo():
	case <-ctx.Done():
		return ctx.Err()
	}
	if len(tor.Files()) != 1 {
		return fmt.Errorf("torrent has %d files, want 1", len(tor.Files()))
	}
	f := tor.Files()[0]
	srv, err := stream.Listen(stream.Config{ShutdownTimeout: time.Second}, readaheadSource{f})
	if err != nil {
		return err
	}
	if err := emit("listening", srv.URL(0)); err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return srv.Serve(gctx) })
	g.Go(func() error {
		if err := readStart(gctx, f, int64(baselineBuffer*float64(f.Length()))); err != nil {
			return err
		}
		return emit("ready", "")
	})
	err = g.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// readStart fetches the start buffer, the first want bytes of f, as the
// baseline's readers fetch: a reader at 0 with the same read-ahead reads it
// through. It is not responsive, so what it read is verified.
func readStart(ctx context.Context, f *torrent.File, want int64) error {
	r := f.NewReader()
	defer r.Close()
	r.SetContext(ctx)
	r.SetReadahead(baselineReadahead)
	if _, err := io.CopyN(io.Discard, r, want); err != nil {
		return fmt.Errorf("start buffer: %w", err)
	}
	return nil
}

// readaheadSource serves a torrent's file through the library's readers, one
// per request, each responsive (data returns as soon as it is in) with a
// fixed read-ahead.
type readaheadSource struct{ f *torrent.File }

var _ stream.Source = readaheadSource{}

func (s readaheadSource) Name() string        { return path.Base(s.f.DisplayPath()) }
func (s readaheadSource) ContentType() string { return media.ContentType(s.Name()) }
func (s readaheadSource) Size() int64         { return s.f.Length() }
func (s readaheadSource) ETag() string {
	return fmt.Sprintf(`"%s-0"`, s.f.Torrent().InfoHash().HexString())
}

func (s readaheadSource) Open(ctx context.Context) (io.ReadSeekCloser, error) {
	r := s.f.NewReader()
	r.SetContext(ctx)
	r.SetResponsive()
	r.SetReadahead(baselineReadahead)
	return r, nil
}
