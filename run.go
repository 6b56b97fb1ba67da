package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/btstream/btstream/player"
	"github.com/btstream/btstream/player/resume"
	"github.com/btstream/btstream/stream"
	"github.com/btstream/btstream/torrentutil"
	"github.com/btstream/btstream/torrentutil/filestore"
	"github.com/btstream/btstream/torrentutil/media"
	"github.com/btstream/btstream/torrentutil/pick"
	"github.com/btstream/btstream/torrentutil/source"
)

// command is one invocation: what to do, and the world to do it in.
type command struct {
	name string // "", "ls", "info" or "demo"
	cfg  config
	d    deps
	ui   *ui
}

// errDone ends the errgroup when playback is over; it is not a failure.
var errDone = errors.New("done")

func (c *command) run(ctx context.Context) error {
	// ls and info print one JSON document of their own, not events.
	c.ui = newUI(c.cfg, c.d, c.cfg.JSON && c.name != "ls" && c.name != "info")
	defer c.ui.close()
	switch c.name {
	case "ls", "info":
		return c.inspect(ctx)
	case "demo":
		return c.demo(ctx)
	}
	return c.play(ctx)
}

// session is a torrent being fetched, with the client and the data folder it
// lives in. close undoes all of it, in order.
type session struct {
	client  *torrentutil.Client
	torrent *torrentutil.Torrent
	dataDir string
	temp    bool // dataDir is ours: remove it on close
}

func (s *session) close() error {
	var errs []error
	if s.client != nil {
		errs = append(errs, s.client.Close())
	}
	if s.temp {
		errs = append(errs, os.RemoveAll(s.dataDir))
	}
	return errors.Join(errs...)
}

// logger returns btstream's own logger: errors by default, warnings with
// -v, everything with --debug.
func (c *command) logger() *slog.Logger {
	lvl := slog.LevelError
	switch {
	case c.cfg.Debug:
		lvl = slog.LevelDebug
	case c.cfg.Verbose:
		lvl = slog.LevelWarn
	}
	return slog.New(slog.NewTextHandler(c.ui.logLines(), &slog.HandlerOptions{Level: lvl}))
}

// libLogger returns the torrent library's logger: nothing by default (nil),
// warnings with -v, everything with --debug.
func (c *command) libLogger() *slog.Logger {
	if !c.cfg.Verbose && !c.cfg.Debug {
		return nil
	}
	return c.logger()
}

// open parses the source, starts a client in the data folder, adds the
// torrent and waits for its metadata.
func (c *command) open(ctx context.Context) (*session, error) {
	src, err := source.Parse(ctx, c.cfg.Source, source.Options{Stdin: c.d.stdin})
	if err != nil {
		return nil, err
	}
	s := &session{dataDir: c.cfg.DataDir}
	if s.dataDir == "" {
		if s.dataDir, err = os.MkdirTemp("", "btstream-"); err != nil {
			return nil, fmt.Errorf("temporary folder: %w", err)
		}
		s.temp = true
	}
	tcfg := torrentutil.Config{
		DataDir:      s.dataDir,
		Persist:      !s.temp,
		ListenPort:   c.cfg.Port,
		NoDHT:        c.cfg.NoDHT,
		NoUPnP:       c.cfg.NoUPnP,
		NoUpload:     c.cfg.NoUpload,
		Seed:         c.cfg.Seed,
		DownloadRate: c.cfg.DownloadRate,
		UploadRate:   c.cfg.UploadRate,
		Logger:       c.logger(),
	}
	tcfg.LibraryLogger = c.libLogger()
	if c.d.tune != nil {
		c.d.tune(&tcfg)
	}
	if s.client, err = torrentutil.NewClient(tcfg); err != nil {
		s.close()
		return nil, err
	}
	if s.client.PortFallback() {
		c.ui.note("port %d is taken; listening for peers on %d", c.cfg.Port, s.client.ListenPort())
	}
	if s.torrent, err = s.client.Add(src, torrentutil.AddOptions{Trackers: c.cfg.Trackers, Peers: c.cfg.Peers}); err != nil {
		s.close()
		return nil, err
	}
	if err := s.torrent.WaitInfo(ctx, c.cfg.MetadataTimeout, c.ui.waitingMetadata); err != nil {
		s.close()
		return nil, err
	}
	c.ui.metadata(s.torrent.Info())
	return s, nil
}

// play is the main job: stream the chosen file to its consumer (a player,
// stdout, or a printed URL) and return when playback is over.
func (c *command) play(ctx context.Context) error {
	// Before any download: a missing player is known now.
	cons, err := c.consumer()
	if err != nil {
		return err
	}
	s, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer s.close()
	return c.stream(ctx, s, cons)
}

// stream picks the file, serves it and hands it to its consumer. The order
// of shutdown is the order of the errgroup unwinding: the player first, then
// the HTTP server (bounded), then the caller closes the client and the data.
func (c *command) stream(ctx context.Context, s *session, cons consumer) error {
	cfg := c.cfg
	files := s.torrent.Files()
	entry, err := c.choose(files)
	if err != nil {
		return err
	}
	videos := []source.FileEntry{entry}
	if cfg.Playlist {
		videos = playlistFrom(pick.Playlist(files), entry, cfg.File != "")
	}
	var subs []source.FileEntry
	var subsOf [][]int   // per video, its subtitles' positions in subs
	if cons.overHTTP() { // subtitles go over HTTP; a pipe carries one file
		subs, subsOf = subtitlesOf(files, videos)
	}
	// The sources the server offers: the videos, then the subtitles.
	var srcs []stream.Source
	var opened []*torrentutil.File
	ih := s.torrent.Info().InfoHash
	for _, e := range append(append([]source.FileEntry{}, videos...), subs...) {
		f, err := s.torrent.File(e.Index)
		if err != nil {
			return err
		}
		srcs = append(srcs, served{f, ih + "/" + strconv.Itoa(e.Index)})
		opened = append(opened, f)
	}
	f := opened[0]
	rule := cfg.Buffer.rule(f.Size())
	rule.NoIndex = !cons.overHTTP() // a pipe is read in order: no index first
	pb := playback{videos: opened[:len(videos)], store: c.resumeStore(cons)}
	for _, e := range videos {
		pb.indexes = append(pb.indexes, e.Index)
		pb.keys = append(pb.keys, resume.Key(ih, e.Index))
	}
	pb.rule = func(v *torrentutil.File) torrentutil.StartRule { return cfg.Buffer.rule(v.Size()) }
	from, resumed := c.resumeAt(pb.store, pb.keys[0], f.Size())
	if resumed {
		rule.From = from.Offset
	}
	c.ui.file(videos[0], rule.Want)
	if resumed {
		c.ui.resumed(videos[0], from)
	}
	c.warnSpace(s, f)
	f.Prioritize(rule)
	subFiles := opened[len(videos):]
	subRule := func(sf *torrentutil.File) torrentutil.StartRule {
		return torrentutil.StartRule{Want: sf.Size(), Exact: true} // small, and the player reads them at once
	}
	for _, sf := range subFiles {
		sf.Prioritize(subRule(sf))
	}
	// The player starts once the first video's subtitles are in, or
	// subtitleWait after the video is ready without those still missing; a
	// later episode's come in while the first plays.
	var firstSubs []*torrentutil.File
	if len(subsOf) > 0 {
		for _, j := range subsOf[0] {
			firstSubs = append(firstSubs, subFiles[j])
		}
	}
	subURLs := make([]string, len(subFiles)) // by position in subFiles

	g, gctx := errgroup.WithContext(ctx)
	m := player.Media{Title: f.Name(), Playlist: cfg.Playlist, Subtitles: append([]string{}, cfg.Subtitles...)}
	if resumed {
		m.Start = from.Time
	}
	if cons.overHTTP() {
		srv, err := stream.Listen(stream.Config{Addr: cfg.Addr, Fallback: cfg.AddrFallback, ShutdownTimeout: time.Second, Logger: c.logger(), Listed: len(videos)}, srcs...)
		if err != nil {
			return fmt.Errorf("serve HTTP: %w", err)
		}
		if srv.Fallback() && (cfg.Verbose || cfg.Debug) {
			c.ui.note("HTTP port %d is taken; serving on %s, so players will not resume what they played on the usual URL", httpPort, srv.Addr())
		}
		if !stream.IsLoopback(srv.Addr()) {
			c.ui.warn("serving on %s: anyone who can reach that address can read the stream", srv.Addr())
		}
		m.URL = srv.URL(0)
		if cfg.Playlist {
			m.URL, m.Title = srv.PlaylistURL(), ""
			for i := range videos {
				e := player.Entry{URL: srv.URL(i), Title: opened[i].Name()}
				for _, j := range subsOf[i] {
					e.Subtitles = append(e.Subtitles, srv.URL(len(videos)+j))
				}
				m.Entries = append(m.Entries, e)
			}
		} else {
			for i := range subFiles {
				m.Subtitles = append(m.Subtitles, srv.URL(len(videos)+i))
			}
		}
		for i := range subFiles {
			subURLs[i] = srv.URL(len(videos) + i)
		}
		lan := srv.LANURLs(m.URL)
		c.ui.listening(m.URL, lan, s.client.ListenPort())
		if _, printed := cons.(urlConsumer); !printed {
			for _, u := range lan {
				c.ui.note("other machines can play it at %s", u)
			}
		}
		g.Go(func() error { return srv.Serve(gctx) })
	}
	// One scheduler serves every file: a playlist's next episode gets a
	// window at its read head as soon as the player opens it.
	g.Go(func() error { return s.torrent.Schedule(gctx) })
	ready := make(chan struct{})
	g.Go(func() error { return c.ui.progressLoop(gctx, f, rule, ready) })
	g.Go(func() error {
		start := time.Now()
		if err := f.WaitReady(gctx, rule); err != nil {
			return err
		}
		if f.Progress(rule).IndexSkipped {
			c.ui.indexSkipped(f.Name(), torrentutil.GuessWait)
		}
		late, err := awaitSubtitles(gctx, firstSubs, subRule, subtitleWait)
		if err != nil {
			return err
		}
		if len(late) > 0 {
			drop := make(map[string]bool)
			for _, k := range late {
				j := subsOf[0][k]
				drop[subURLs[j]] = true
				c.ui.subtitleSkipped(subs[j].Path, subtitleWait)
				pb.late = append(pb.late, lateSubtitle{file: subFiles[j], rule: subRule(subFiles[j]), url: subURLs[j], path: subs[j].Path, first: k == 0})
			}
			m.Subtitles = without(m.Subtitles, drop)
			if len(m.Entries) > 0 {
				m.Entries[0].Subtitles = without(m.Entries[0].Subtitles, drop)
			}
		}
		close(ready)
		c.ui.ready(time.Since(start))
		pb.media = m
		if err := cons.consume(gctx, pb); err != nil {
			return err
		}
		if cfg.Seed {
			c.ui.note("seeding; press Ctrl-C to stop")
			<-gctx.Done()
			return gctx.Err()
		}
		return errDone
	})
	err = g.Wait()
	if errors.Is(err, errDone) {
		return nil
	}
	return err
}

// choose picks the file to play by --file (see pick.Pick).
func (c *command) choose(files []source.FileEntry) (source.FileEntry, error) {
	e, err := pick.Pick(files, c.cfg.File)
	if errors.Is(err, path.ErrBadPattern) {
		return e, fmt.Errorf("--file %q: %w", c.cfg.File, path.ErrBadPattern)
	}
	return e, err
}

// served is a torrent's file as the HTTP server offers it, typed by the
// extension of its name, at a key that is the same on every run
// ("INFOHASH/INDEX"): with a port that is too, players resume it.
type served struct {
	*torrentutil.File
	key string
}

// Key is where the file is served: "/INFOHASH/INDEX/NAME".
func (s served) Key() string { return s.key }

// ContentType is the media type of the file's extension.
func (s served) ContentType() string { return media.ContentType(s.Name()) }

// playlistFrom orders the playlist: natural order, starting at the chosen
// file when the user chose one (--file), as a player's "play from here".
func playlistFrom(all []source.FileEntry, chosen source.FileEntry, rotate bool) []source.FileEntry {
	if !rotate {
		return all
	}
	for i, e := range all {
		if e.Index == chosen.Index {
			return append(append([]source.FileEntry{}, all[i:]...), all[:i]...)
		}
	}
	return append([]source.FileEntry{chosen}, all...)
}

// subtitlesOf returns the subtitles of the videos (pick.SubtitlesOf), each
// file once, and for each video the positions of its own in that list.
func subtitlesOf(files, videos []source.FileEntry) (subs []source.FileEntry, of [][]int) {
	at := make(map[int]int) // file index -> position in subs
	of = make([][]int, len(videos))
	for i, own := range pick.SubtitlesOf(files, videos) {
		for _, sub := range own {
			j, ok := at[sub.Index]
			if !ok {
				j = len(subs)
				at[sub.Index] = j
				subs = append(subs, sub)
			}
			of[i] = append(of[i], j)
		}
	}
	return subs, of
}

// warnSpace warns when the file will not fit in the data folder's free
// space: the download would fail part way.
func (c *command) warnSpace(s *session, f *torrentutil.File) {
	free, err := filestore.FreeSpace(s.dataDir)
	if err == nil && free < f.Size()-f.Progress(torrentutil.StartRule{}).Completed {
		c.ui.warn("%s needs %s but %s has %s free", safeText(f.Name()), humanBytes(f.Size()), s.dataDir, humanBytes(free))
	}
}

// resumeStore opens where play positions are remembered, for mpv or VLC:
// the state folder (resume.Dir). It is nil for the other consumers and
// players, which cannot start where the viewer stopped, for a player told
// where to start by the user (--player-arg=--start=…), and when there is
// no state folder.
func (c *command) resumeStore(cons consumer) *resume.Store {
	if pc, ok := cons.(*playerConsumer); !ok || !pc.p.StartsAt() {
		return nil
	}
	dir, err := resume.Dir(c.d.getenv)
	if err != nil {
		if c.cfg.Verbose || c.cfg.Debug {
			c.ui.note("play positions are not remembered: %v", err)
		}
		return nil
	}
	return resume.Open(dir)
}

// resumeAt returns where the viewer stopped the file key of size bytes last
// time, unless --from-start, the film was watched to its end or left in
// its first seconds (resumeMin), or there is no such place.
func (c *command) resumeAt(store *resume.Store, key string, size int64) (resume.Position, bool) {
	if store == nil || c.cfg.FromStart {
		return resume.Position{}, false
	}
	p, ok, err := store.Get(key)
	if err != nil && (c.cfg.Verbose || c.cfg.Debug) {
		c.ui.note("play positions: %v", err)
	}
	if !ok || p.Finished() || p.Time <= resumeMin(p.Duration) || p.Offset < 0 || p.Offset >= size {
		return resume.Position{}, false
	}
	return p, true
}

// resumeMin is how far into a film of length d the viewer must have got
// for the next run to start there: a film left in its first seconds starts
// from the beginning.
func resumeMin(d time.Duration) time.Duration {
	return min(10*time.Second, d/20)
}
