package resume

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// ErrCorrupt is wrapped by Get's error when the positions file is not one btstream wrote: not
// JSON, another program's JSON, another format version, larger than 1 MiB, or not a regular
// file (a symlink, a folder). Get then finds nothing, and the next Put replaces the file.
var ErrCorrupt = errors.New("not a btstream positions file")

const (
	// MaxEntries bounds the positions kept: Put drops the oldest (by Saved) beyond it.
	MaxEntries = 1000
	// maxFileSize bounds what a read accepts. MaxEntries entries take about 170 KiB.
	maxFileSize = 1 << 20

	fileName   = "positions.json"
	lockName   = "positions.lock"
	tmpPattern = fileName + ".*.tmp" // os.CreateTemp's pattern; the glob of leftovers is the same
	version    = 1
)

// fileJSON is the file: {"version":1,"positions":{"KEY":{"time":"1m2.5s",...},...}}.
// Durations are written as time.Duration strings, which read back exactly.
type fileJSON struct {
	Version   int                  `json:"version"`
	Positions map[string]entryJSON `json:"positions"`
}

type entryJSON struct {
	Time     string    `json:"time"`
	Offset   int64     `json:"offset"`
	Duration string    `json:"duration"`
	Saved    time.Time `json:"saved"`
}

// readFile reads the positions at path. A missing file is empty with no error; a file that is
// not a positions file is empty with an error wrapping ErrCorrupt; any other error (a folder
// that cannot be read) is returned as it is, with the path in it.
func readFile(path string) (map[string]Position, error) {
	f, err := openRead(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]Position{}, nil
	}
	if err != nil {
		return map[string]Position{}, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return map[string]Position{}, err
	} else if !fi.Mode().IsRegular() {
		return map[string]Position{}, fmt.Errorf("%s: %w: %v", path, ErrCorrupt, fi.Mode().Type())
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return map[string]Position{}, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return map[string]Position{}, fmt.Errorf("%s: %w: larger than %d bytes", path, ErrCorrupt, maxFileSize)
	}
	m, err := decode(data)
	if err != nil {
		return map[string]Position{}, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// decode parses a positions file. Entries with an invalid key or value are dropped, keys are
// canonicalised, and beyond MaxEntries the oldest are dropped, so that a hand-edited file
// cannot grow what Put writes back.
func decode(data []byte) (map[string]Position, error) {
	var fj fileJSON
	if err := json.Unmarshal(data, &fj); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if fj.Version != version {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrCorrupt, fj.Version, version)
	}
	m := make(map[string]Position, len(fj.Positions))
	for k, e := range fj.Positions {
		key, ok := canonKey(k)
		if !ok {
			continue
		}
		t, err1 := time.ParseDuration(e.Time)
		d, err2 := time.ParseDuration(e.Duration)
		p := Position{Time: t, Offset: e.Offset, Duration: d, Saved: e.Saved}
		if err1 != nil || err2 != nil || !p.valid() {
			continue
		}
		if old, ok := m[key]; ok && old.Saved.After(p.Saved) {
			continue
		}
		m[key] = p
	}
	evict(m, MaxEntries)
	return m, nil
}

// encode is the file for m.
func encode(m map[string]Position) ([]byte, error) {
	fj := fileJSON{Version: version, Positions: make(map[string]entryJSON, len(m))}
	for k, p := range m {
		fj.Positions[k] = entryJSON{Time: p.Time.String(), Offset: p.Offset, Duration: p.Duration.String(), Saved: p.Saved.UTC()}
	}
	data, err := json.MarshalIndent(fj, "", " ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// evict drops the oldest entries of m (by Saved, then by key) until it holds at most n.
func evict(m map[string]Position, n int) {
	if len(m) <= n {
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(m[a].Saved.Compare(m[b].Saved), cmp.Compare(a, b))
	})
	for _, k := range keys[:len(keys)-n] {
		delete(m, k)
	}
}

// writeFile replaces dir's positions file with data atomically: a temporary file in dir,
// written and synced, renamed over the old name. The rename replaces a symlink at that name
// itself, never the file it points to. Where there is a lock, which the caller holds, the
// temporary files of writers that died are removed first: no live writer's file is among them.
// Without a lock they stay, as another writer's file may be among them.
func writeFile(dir string, data []byte) (err error) {
	if locking {
		old, _ := filepath.Glob(filepath.Join(dir, tmpPattern))
		for _, o := range old {
			_ = os.Remove(o)
		}
	}
	f, err := os.CreateTemp(dir, tmpPattern) // mode 0600
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, fileName)); err != nil {
		return err
	}
	syncDir(dir) // the rename itself survives a crash; best effort
	return nil
}

func isCorrupt(err error) bool { return errors.Is(err, ErrCorrupt) }
