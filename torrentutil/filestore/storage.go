package filestore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/segments"
	"github.com/anacrolix/torrent/storage"
)

// fileStorage keeps a torrent's files as plain files under dir/<name>/...,
// written with pwrite. It replaces the library's default storage, which maps
// files into memory in v1.61.0: there a full disk faults the process with
// SIGBUS, here it is an ordinary write error (ENOSPC) that btstream reports.
// Every path is checked to stay inside dir, whatever the torrent's names say.
type fileStorage struct {
	dir string
	pc  storage.PieceCompletion
}

// New opens the storage in dir. With persist, piece completion lives in
// a bolt database in dir, so a later run reuses verified pieces without
// hashing them; without, it lives in memory and dies with the process. A
// record is written as each piece's check ends; the library's bolt database
// does not fsync (NoSync), so a killed process keeps every record and a
// power cut may lose the last ones, whose pieces are then checked again
// (Completion): a lost record costs a hash check, not a download.
func New(dir string, persist bool) (storage.ClientImplCloser, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	pc := storage.NewMapPieceCompletion()
	if persist {
		var err error
		pc, err = storage.NewBoltPieceCompletion(dir)
		if err != nil {
			if strings.Contains(err.Error(), "timeout") {
				return nil, fmt.Errorf("data folder %s is in use by another btstream", dir)
			}
			return nil, fmt.Errorf("data folder: %w", err)
		}
	}
	return &fileStorage{dir: dir, pc: pc}, nil
}

func (s *fileStorage) Close() error { return s.pc.Close() }

func (s *fileStorage) OpenTorrent(_ context.Context, info *metainfo.Info, ih metainfo.Hash) (storage.TorrentImpl, error) {
	// The files are walked, not collected (UpvertedFiles): each copy of
	// the list of a torrent of 100,000 files is megabytes. Nothing is
	// opened or created here.
	n := 0
	for range info.UpvertedFilesIter() {
		n++
	}
	t := &fileTorrent{
		ih:    ih,
		pc:    s.pc,
		index: info.FileSegmentsIndex(),
		paths: make([]string, 0, n),
		lens:  make([]int64, 0, n),
		ends:  make([]int64, 0, n),
		open:  make(map[int]*os.File),
	}
	name := info.BestName()
	for fi := range info.UpvertedFilesIter() {
		p, err := safeJoin(s.dir, append([]string{name}, fi.BestPath()...))
		if err != nil {
			return storage.TorrentImpl{}, fmt.Errorf("file %d: %w", len(t.paths), err)
		}
		t.paths, t.lens = append(t.paths, p), append(t.lens, fi.Length)
		t.ends = append(t.ends, fi.TorrentOffset+fi.Length)
	}
	return storage.TorrentImpl{Piece: t.piece, Close: t.close}, nil
}

// safeJoin joins torrent path components under root and refuses any that
// would leave it or that the filesystem cannot hold.
func safeJoin(root string, comps []string) (string, error) {
	clean := make([]string, 0, len(comps))
	for _, c := range comps {
		switch {
		case c == "" || c == "." || c == "..":
			return "", fmt.Errorf("unsafe path component %q", c)
		case strings.ContainsAny(c, "/\\\x00"):
			return "", fmt.Errorf("unsafe path component %q", c)
		case len(c) > 255:
			return "", fmt.Errorf("path component longer than 255 bytes")
		case len(c) >= 2 && c[1] == ':':
			return "", fmt.Errorf("unsafe path component %q", c)
		}
		clean = append(clean, c)
	}
	p := filepath.Join(append([]string{root}, clean...)...)
	rel, err := filepath.Rel(root, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", fmt.Errorf("path %q leaves the data folder", filepath.Join(comps...))
	}
	return p, nil
}

type fileTorrent struct {
	ih    metainfo.Hash
	pc    storage.PieceCompletion
	index segments.Index
	paths []string
	lens  []int64
	ends  []int64 // each file's end in the torrent

	mu     sync.Mutex
	open   map[int]*os.File
	closed bool     // no file is opened after close: late reads and writes fail
	asked  []uint64 // a bit per piece: its completion was asked for before
	check  []uint64 // a bit per piece: it awaits a hash check (Completion says unknown)
	// absent has a bit per file that a stat found missing, until the file
	// is opened for writing (which bumps opens): the library asks about
	// every piece when a torrent is added, and a folder that holds none of
	// its files then costs a stat per file, not one per piece (819,200 of
	// them for 50 GiB in 64 KiB pieces).
	absent []uint64
	opens  int
}

// stat stats file i, remembering a file found missing (see absent).
func (t *fileTorrent) stat(i int) (os.FileInfo, error) {
	t.mu.Lock()
	w, m := bit(&t.absent, i)
	gone, opens := *w&m != 0, t.opens
	t.mu.Unlock()
	if gone {
		return nil, fs.ErrNotExist
	}
	fi, err := os.Stat(t.paths[i])
	if errors.Is(err, fs.ErrNotExist) {
		t.mu.Lock()
		if t.opens == opens { // no file was created meanwhile
			w, m := bit(&t.absent, i)
			*w |= m
		}
		t.mu.Unlock()
	}
	return fi, err
}

// bit returns the word and mask of bit i in set, growing set to hold it.
func bit(set *[]uint64, i int) (*uint64, uint64) {
	w := i / 64
	if w >= len(*set) {
		*set = append(*set, make([]uint64, w+1-len(*set))...)
	}
	return &(*set)[w], uint64(1) << (i % 64)
}

// firstAsk reports whether piece i's completion is asked for the first
// time, and records that it was.
func (t *fileTorrent) firstAsk(i int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	w, m := bit(&t.asked, i)
	first := *w&m == 0
	*w |= m
	return first
}

// awaitCheck records that piece i awaits a hash check.
func (t *fileTorrent) awaitCheck(i int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	w, m := bit(&t.check, i)
	*w |= m
}

// settle records that piece i has a verdict: it awaits no check, and its
// record, not its first ask, says what it is.
func (t *fileTorrent) settle(i int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	w, m := bit(&t.check, i)
	*w &^= m
	w, m = bit(&t.asked, i)
	*w |= m
}

// awaitsCheck reports whether piece i awaits a hash check.
func (t *fileTorrent) awaitsCheck(i int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	w, m := bit(&t.check, i)
	return *w&m != 0
}

func (t *fileTorrent) piece(p metainfo.Piece) storage.PieceImpl {
	return &filePiece{t: t, p: p}
}

func (t *fileTorrent) close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	var errs []error
	for i, f := range t.open {
		errs = append(errs, f.Close())
		delete(t.open, i)
	}
	return errors.Join(errs...)
}

// file returns the open handle of file i, creating it for writes.
func (t *fileTorrent) file(i int, write bool) (*os.File, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if f, ok := t.open[i]; ok {
		return f, nil
	}
	if t.closed {
		return nil, fmt.Errorf("open %s: %w", t.paths[i], fs.ErrClosed)
	}
	if !write {
		if w, m := bit(&t.absent, i); *w&m != 0 {
			return nil, fmt.Errorf("open %s: %w", t.paths[i], fs.ErrNotExist)
		}
		if _, err := os.Stat(t.paths[i]); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(filepath.Dir(t.paths[i]), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(t.paths[i], os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	t.open[i] = f
	t.opens++
	w, m := bit(&t.absent, i)
	*w &^= m
	return f, nil
}

// readAt reads the torrent-wide extent at off; missing files read as short.
func (t *fileTorrent) readAt(b []byte, off int64) (n int, err error) {
	for i, e := range t.index.LocateIter(segments.Extent{Start: off, Length: int64(len(b))}) {
		f, err := t.file(i, false)
		if errors.Is(err, fs.ErrNotExist) {
			return n, io.EOF
		}
		if err != nil {
			return n, err
		}
		n1, err := f.ReadAt(b[n:n+int(e.Length)], e.Start)
		n += n1
		if int64(n1) != e.Length {
			if err == nil {
				err = io.EOF
			}
			return n, err
		}
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

func (t *fileTorrent) writeAt(b []byte, off int64) (n int, err error) {
	for i, e := range t.index.LocateIter(segments.Extent{Start: off, Length: int64(len(b))}) {
		f, err := t.file(i, true)
		if err != nil {
			return n, err
		}
		n1, err := f.WriteAt(b[n:n+int(e.Length)], e.Start)
		n += n1
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

type filePiece struct {
	t *fileTorrent
	p metainfo.Piece
}

func (p *filePiece) key() metainfo.PieceKey {
	return metainfo.PieceKey{InfoHash: p.t.ih, Index: p.p.Index()}
}

func (p *filePiece) ReadAt(b []byte, off int64) (int, error) {
	if rem := p.p.Length() - off; int64(len(b)) > rem {
		b = b[:max(rem, 0)]
	}
	return p.t.readAt(b, p.p.Offset()+off)
}

func (p *filePiece) WriteAt(b []byte, off int64) (int, error) {
	if rem := p.p.Length() - off; int64(len(b)) > rem {
		b = b[:max(rem, 0)]
	}
	return p.t.writeAt(b, p.p.Offset()+off)
}

// MarkComplete and MarkNotComplete record a hash check's verdict, which
// settles a piece that awaited one.
func (p *filePiece) MarkComplete() error {
	p.t.settle(p.p.Index())
	return p.t.pc.Set(p.key(), true)
}

func (p *filePiece) MarkNotComplete() error {
	p.t.settle(p.p.Index())
	return p.t.pc.Set(p.key(), false)
}

// Completion trusts a record of completion only while the files can hold
// the piece: a piece recorded complete whose file was since deleted or
// truncated is incomplete again and is fetched anew. A piece without such a
// record whose files hold data for it (another client's download, or a run
// that died before it recorded what it verified) is unknown (Ok false)
// until a hash check settles it: the library neither requests nor serves
// an unknown piece. torrentutil adds torrents with the library's initial
// check off and checks these pieces itself, in the order the player needs
// them, since v1.61.0 checks an unknown piece only when the torrent is
// added, in index order. Everything else is incomplete. Asking costs a stat
// and a seek per file, once per piece, and a stat per file of a fresh
// folder; nothing is read: a fresh folder, or the holes of a sparse file,
// cost no hashing.
func (p *filePiece) Completion() storage.Completion {
	i := p.p.Index()
	c, err := p.t.pc.Get(p.key())
	if err != nil {
		return storage.Completion{Err: err}
	}
	recorded := c.Ok && c.Complete
	if p.t.firstAsk(i) && !(recorded && p.onDisk()) && p.mayHold() {
		p.t.awaitCheck(i)
	}
	if p.t.awaitsCheck(i) {
		return storage.Completion{}
	}
	if recorded {
		if p.onDisk() {
			return c
		}
		if err := p.MarkNotComplete(); err != nil {
			return storage.Completion{Err: err}
		}
	}
	return storage.Completion{Ok: true, Complete: false}
}

// spans yields each file of the torrent's extent [off, off+n) that holds
// some of it, with the part of the file (offset in the file, length). It is
// segments.Index.LocateIter without the coroutine, which costs more than
// the rest of Completion for a torrent of many pieces.
func (t *fileTorrent) spans(off, n int64) iter.Seq2[int, segments.Extent] {
	return func(yield func(int, segments.Extent) bool) {
		end := off + n
		for i := sort.Search(len(t.ends), func(i int) bool { return t.ends[i] > off }); i < len(t.ends) && off < end; i++ {
			start := t.ends[i] - t.lens[i]
			off = max(off, start) // a gap between files (v2 alignment) is in none
			k := min(end, t.ends[i]) - off
			if k <= 0 {
				continue // an empty file
			}
			if !yield(i, segments.Extent{Start: off - start, Length: k}) {
				return
			}
			off += k
		}
	}
}

// onDisk reports whether every file the piece spans is long enough to hold
// its part of the piece. Empty files hold nothing and are never created.
func (p *filePiece) onDisk() bool {
	for i, e := range p.t.spans(p.p.Offset(), p.p.Length()) {
		if e.Length == 0 {
			continue
		}
		fi, err := p.t.stat(i)
		if err != nil || !fi.Mode().IsRegular() || fi.Size() < e.Start+e.Length {
			return false
		}
	}
	return true
}

// mayHold reports whether the files may hold the piece's bytes, worth a
// hash check: each file it spans has a plausible size (long enough for the
// piece, not longer than the torrent says), and some of the piece's range
// is data, not a hole of a sparse file.
func (p *filePiece) mayHold() bool {
	data := false
	for i, e := range p.t.spans(p.p.Offset(), p.p.Length()) {
		if e.Length == 0 {
			continue
		}
		fi, err := p.t.stat(i)
		if err != nil || !fi.Mode().IsRegular() || fi.Size() < e.Start+e.Length || fi.Size() > p.t.lens[i] {
			return false
		}
		if !data {
			f, err := p.t.file(i, false)
			data = err == nil && hasData(f, e.Start, e.Length)
		}
	}
	return data
}
