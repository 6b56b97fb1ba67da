package resume

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// key is the test key of file n in torrent i.
func key(i, n int) string { return fmt.Sprintf("%040x/%d", i, n) }

// names lists dir's entries.
func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// mustGet is s.Get(k), which must succeed.
func mustGet(t *testing.T, s *Store, k string) Position {
	t.Helper()
	p, ok, err := s.Get(k)
	if err != nil || !ok {
		t.Fatalf("Get(%s) = %v, %v, want a position", k, ok, err)
	}
	return p
}

func TestRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "state")
	s := Open(dir)
	now := time.Date(2026, 11, 29, 22, 0, 0, 123456789, time.FixedZone("X", 3600))
	s.now = func() time.Time { return now }

	if _, ok, err := s.Get(key(0xabc, 0)); ok || err != nil {
		t.Fatalf("Get before any Put = %v, %v; want nothing, no error", ok, err)
	}
	if err := s.Forget(key(0xabc, 0)); err != nil {
		t.Fatalf("Forget before any Put: %v", err)
	}
	if _, err := os.Lstat(dir); !os.IsNotExist(err) {
		t.Fatalf("Open, Get and Forget created %s: %v", dir, err)
	}

	want := Position{Time: 47*time.Minute + 3*time.Second + 250*time.Millisecond, Offset: 1234567890123, Duration: 2*time.Hour + 1}
	if err := s.Put(key(0xabc, 0), want); err != nil {
		t.Fatal(err)
	}
	got := mustGet(t, s, key(0xabc, 0))
	if !got.Saved.Equal(now) {
		t.Errorf("Saved = %v, want the store's now %v", got.Saved, now)
	}
	want.Saved = got.Saved
	if got != want {
		t.Errorf("Get = %+v, want %+v", got, want)
	}
	// A new Store on the same folder reads the same, and an upper-case infohash is the same key.
	if got := mustGet(t, Open(dir), strings.ToUpper(key(0xabc, 0))); got != want {
		t.Errorf("Get through another Store = %+v, want %+v", got, want)
	}
	if _, ok, _ := s.Get(key(0xabc, 1)); ok {
		t.Error("another file of the torrent has a position")
	}

	// A given Saved is kept; a second Put replaces the first.
	saved := time.Date(2020, 1, 2, 3, 4, 5, 6, time.UTC)
	if err := s.Put(key(0xabc, 0), Position{Time: time.Minute, Saved: saved}); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, key(0xabc, 0)); got.Time != time.Minute || got.Offset != 0 || got.Duration != 0 || !got.Saved.Equal(saved) {
		t.Errorf("after the second Put: %+v", got)
	}

	// The folder is 0700, the file 0600, and they hold the file and the lock only.
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("folder: %v, %v; want mode 0700", fi.Mode(), err)
	}
	if fi, err := os.Lstat(s.Path()); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Errorf("file: %v, %v; want a regular file, mode 0600", fi.Mode(), err)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"positions.json", "positions.lock"}) && !slices.Equal(got, []string{"positions.json"}) {
		t.Errorf("the folder holds %q, want positions.json and positions.lock", got)
	}

	if err := s.Forget(key(0xabc, 0)); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Get(key(0xabc, 0)); ok || err != nil {
		t.Errorf("Get after Forget = %v, %v", ok, err)
	}
}

// A finished position forgets the film instead of saving it; a finished one in the file (say,
// written by another version) is not resumed either.
func TestPutFinishedForgets(t *testing.T) {
	s := Open(t.TempDir())
	if err := s.Put(key(1, 0), Position{Time: time.Hour, Duration: 2 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(key(1, 0), Position{Time: 119 * time.Minute, Duration: 2 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Get(key(1, 0)); ok || err != nil {
		t.Errorf("Get after a finished Put = %v, %v; want nothing", ok, err)
	}
	data, _ := os.ReadFile(s.Path())
	if bytes.Contains(data, []byte(key(1, 0))) {
		t.Errorf("the finished film's key is still in the file:\n%s", data)
	}

	writeRaw(t, s.Path(), `{"version":1,"positions":{"`+key(2, 0)+`":{"time":"1h59m","offset":1,"duration":"2h0m0s","saved":"2026-01-01T00:00:00Z"}}}`)
	if _, ok, err := s.Get(key(2, 0)); ok || err != nil {
		t.Errorf("Get of a finished position in the file = %v, %v; want nothing", ok, err)
	}

	// In a folder that does not exist, a finished Put creates nothing.
	dir := filepath.Join(t.TempDir(), "none")
	if err := Open(dir).Put(key(1, 0), Position{Time: 2 * time.Hour, Duration: 2 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(dir); !os.IsNotExist(err) {
		t.Errorf("a finished Put created %s", dir)
	}
}

func TestNegativePositionRefused(t *testing.T) {
	s := Open(t.TempDir())
	for _, p := range []Position{{Time: -1}, {Offset: -1}, {Duration: -time.Second}} {
		if err := s.Put(key(1, 0), p); err == nil {
			t.Errorf("Put(%+v) succeeded", p)
		}
	}
	if _, err := os.Lstat(s.Path()); !os.IsNotExist(err) {
		t.Error("a refused Put wrote the file")
	}
}

// writeRaw writes data as the positions file at path.
func writeRaw(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// fill writes a positions file of n entries, key(i, 0) saved at base+i seconds.
func fill(t *testing.T, dir string, n int, base time.Time) {
	t.Helper()
	fj := fileJSON{Version: version, Positions: make(map[string]entryJSON, n)}
	for i := range n {
		d := time.Duration(i) * time.Second
		fj.Positions[key(i, 0)] = entryJSON{Time: d.String(), Offset: int64(i), Duration: "0s", Saved: base.Add(d)}
	}
	data, err := json.Marshal(fj)
	if err != nil {
		t.Fatal(err)
	}
	writeRaw(t, filepath.Join(dir, fileName), string(data))
}

func TestEvictOldest(t *testing.T) {
	dir := t.TempDir()
	s := Open(dir)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fill(t, dir, MaxEntries, base)
	for _, i := range []int{0, 1, MaxEntries - 1} {
		mustGet(t, s, key(i, 0))
	}

	// One more: the oldest (key 0) goes, the rest stay.
	if err := s.Put(key(5000, 0), Position{Time: time.Minute, Saved: base.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Get(key(0, 0)); ok {
		t.Error("the oldest position survived the 1001st")
	}
	for _, k := range []string{key(1, 0), key(MaxEntries-1, 0), key(5000, 0)} {
		mustGet(t, s, k)
	}
	// Replacing a key does not evict: the count stays at the cap.
	if err := s.Put(key(1, 0), Position{Time: 2 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	mustGet(t, s, key(2, 0))
	m, err := readFile(s.Path())
	if err != nil || len(m) != MaxEntries {
		t.Fatalf("the file holds %d positions, %v; want %d", len(m), err, MaxEntries)
	}
	// A Put older than every saved position is itself the oldest.
	if err := s.Put(key(6000, 0), Position{Time: time.Minute, Saved: base.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Get(key(6000, 0)); ok {
		t.Error("a position older than all others was kept beyond the cap")
	}
	mustGet(t, s, key(2, 0))
	fi, _ := os.Stat(s.Path())
	t.Logf("%d positions: %d bytes", MaxEntries, fi.Size())
	if fi.Size() > maxFileSize/4 {
		t.Errorf("%d positions take %d bytes: the 1 MiB read bound is too close", MaxEntries, fi.Size())
	}
}

// A file with more than MaxEntries positions (written by hand) reads as its newest MaxEntries,
// and the next Put writes back no more than that.
func TestOversizedFileBounded(t *testing.T) {
	dir := t.TempDir()
	s := Open(dir)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fill(t, dir, MaxEntries+500, base)
	if _, ok, _ := s.Get(key(499, 0)); ok {
		t.Error("position 499 of 1500 is read: more than the cap")
	}
	mustGet(t, s, key(500, 0))
	if err := s.Put(key(1, 1), Position{Time: time.Second}); err != nil {
		t.Fatal(err)
	}
	m, err := readFile(s.Path())
	if err != nil || len(m) != MaxEntries {
		t.Fatalf("after a Put the file holds %d positions, %v; want %d", len(m), err, MaxEntries)
	}
}

// Entries that a valid file should not hold are dropped one by one; the others are kept.
func TestBadEntriesDropped(t *testing.T) {
	s := Open(t.TempDir())
	good := `"` + key(0xabc, 0) + `":{"time":"1m0s","offset":10,"duration":"0s","saved":"2026-01-01T00:00:00Z"}`
	writeRaw(t, s.Path(), `{"version":1,"positions":{`+good+`,
		"../../x":{"time":"1m0s","offset":10,"duration":"0s","saved":"2026-01-01T00:00:00Z"},
		"`+key(2, 0)+`":{"time":"-1m0s","offset":10,"duration":"0s","saved":"2026-01-01T00:00:00Z"},
		"`+key(3, 0)+`":{"time":"1m0s","offset":-10,"duration":"0s","saved":"2026-01-01T00:00:00Z"},
		"`+key(4, 0)+`":{"time":"soon","offset":10,"duration":"0s","saved":"2026-01-01T00:00:00Z"},
		"`+strings.ToUpper(key(0xabc, 0))+`":{"time":"2m0s","offset":10,"duration":"0s","saved":"2025-01-01T00:00:00Z"}
	}}`)
	if p := mustGet(t, s, key(0xabc, 0)); p.Time != time.Minute {
		t.Errorf("Get = %+v; want the newer of the two spellings of key 1, at 1m", p)
	}
	for i := 2; i <= 4; i++ {
		if _, ok, err := s.Get(key(i, 0)); ok || err != nil {
			t.Errorf("Get of bad entry %d = %v, %v", i, ok, err)
		}
	}
	if err := s.Put(key(5, 0), Position{Time: time.Second}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(s.Path())
	if n := bytes.Count(data, []byte(`"time"`)); n != 2 || bytes.Contains(data, []byte("..")) {
		t.Errorf("the rewritten file holds %d entries, want 2:\n%s", n, data)
	}
}

// A file that is not a positions file reads as empty with ErrCorrupt, never a panic, and the
// next Put replaces it with a good one.
func TestCorruptFileReplaced(t *testing.T) {
	good := `{"version":1,"positions":{"` + key(1, 0) + `":{"time":"1m0s","offset":10,"duration":"0s","saved":"2026-01-01T00:00:00Z"}}}`
	tests := []struct{ name, data string }{
		{"empty", ""},
		{"not JSON", "\x00\xff garbage"},
		{"truncated", good[:len(good)/2]},
		{"null", "null"},
		{"an array", `[1,2,3]`},
		{"a string", `"positions"`},
		{"foreign object", `{"volume":50,"positions":{"` + key(1, 0) + `":{"time":"1m0s"}}}`},
		{"another version", strings.Replace(good, `"version":1`, `"version":2`, 1)},
		{"positions of the wrong type", `{"version":1,"positions":[1,2]}`},
		{"an entry of the wrong type", `{"version":1,"positions":{"` + key(1, 0) + `":5}}`},
		{"a bad time", strings.Replace(good, `"2026-01-01T00:00:00Z"`, `"yesterday"`, 1)},
		{"deep nesting", strings.Repeat("[", 100000) + strings.Repeat("]", 100000)},
		{"larger than 1 MiB", good[:len(good)-1] + strings.Repeat(" ", maxFileSize) + "}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Open(t.TempDir())
			writeRaw(t, s.Path(), tt.data)
			if _, ok, err := s.Get(key(1, 0)); ok || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Get = %v, %v; want nothing and ErrCorrupt", ok, err)
			} else if !strings.Contains(err.Error(), s.Path()) {
				t.Errorf("error %q does not name the file", err)
			}
			if err := s.Put(key(2, 0), Position{Time: time.Minute}); err != nil {
				t.Fatalf("Put over the bad file: %v", err)
			}
			if p := mustGet(t, s, key(2, 0)); p.Time != time.Minute {
				t.Errorf("Get after Put = %+v", p)
			}
			if _, ok, err := s.Get(key(1, 0)); ok || err != nil {
				t.Errorf("Get of the bad file's key = %v, %v", ok, err)
			}
		})
	}
}

// A symlink at the file's name is neither read through nor written through: Put replaces the
// link itself, and the file it pointed to is untouched.
func TestSymlinkNotFollowed(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	victim := filepath.Join(other, "victim")
	content := `{"version":1,"positions":{"` + key(1, 0) + `":{"time":"1m0s","offset":10,"duration":"0s","saved":"2026-01-01T00:00:00Z"}}}`
	if err := os.WriteFile(victim, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	s := Open(dir)
	if err := os.Symlink(victim, s.Path()); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Get(key(1, 0)); ok || !errors.Is(err, ErrCorrupt) {
		t.Errorf("Get through the link = %v, %v; want nothing, ErrCorrupt", ok, err)
	}
	if err := s.Put(key(2, 0), Position{Time: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(victim); err != nil || string(got) != content {
		t.Errorf("the link's target changed: %q, %v", got, err)
	}
	if fi, err := os.Lstat(s.Path()); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("positions.json after Put: %v, %v; want a regular file in place of the link", fi.Mode(), err)
	}
	mustGet(t, s, key(2, 0))

	// A dangling link in place of the lock file does not create its target.
	dir = t.TempDir()
	target := filepath.Join(other, "created")
	if err := os.Symlink(target, filepath.Join(dir, lockName)); err != nil {
		t.Fatal(err)
	}
	err := Open(dir).Put(key(1, 0), Position{Time: time.Minute})
	if _, statErr := os.Lstat(target); !os.IsNotExist(statErr) {
		t.Errorf("Put created the lock link's target (Put: %v)", err)
	}
	t.Logf("Put with a symlinked lock file: %v", err)
}

// The temporary files of a writer that died are removed by the next Put (under the lock).
func TestLeftoverTempRemoved(t *testing.T) {
	if !locking {
		t.Skip("without a lock a temporary file may be another writer's: leftovers stay")
	}
	dir := t.TempDir()
	stale := filepath.Join(dir, "positions.json.123.tmp")
	if err := os.WriteFile(stale, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Open(dir).Put(key(1, 0), Position{Time: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); slices.Contains(got, "positions.json.123.tmp") {
		t.Errorf("the folder holds %q: the leftover is still there", got)
	}
}

// A folder that cannot be used: Put says which path failed, Get finds nothing.
func TestFolderNotADirectory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	writeRaw(t, file, "x")
	for _, dir := range []string{file, filepath.Join(file, "state")} {
		s := Open(dir)
		err := s.Put(key(1, 0), Position{Time: time.Minute})
		if err == nil || !strings.Contains(err.Error(), file) {
			t.Errorf("Put in %s = %v; want an error naming the path", dir, err)
		}
		if _, ok, _ := s.Get(key(1, 0)); ok {
			t.Errorf("Get in %s found a position", dir)
		}
	}
}
