// Package resume remembers where the viewer stopped each film, so that btstream can start the
// player there the next time.
//
// It keeps one Position (play time, byte offset at that time, the film's length, when it was
// saved) per file of a torrent, under the key "INFOHASH/FILEINDEX" (see Key), in one small
// JSON file, positions.json, in btstream's state folder (see Dir: $XDG_STATE_HOME/btstream or
// ~/.local/state/btstream). Beside it sits positions.lock, the empty file that writers lock
// (where there is flock).
//
// # Bounds
//
// At most MaxEntries (1000) positions: Put drops the oldest by Saved beyond that. Keys are
// checked (a 40- or 64-digit hex infohash, "/", a decimal index), so no key can grow the file;
// a file larger than 1 MiB, not JSON, another program's JSON or another version of this format
// reads as empty (Get says so in its error, wrapping ErrCorrupt) and is replaced by the next
// Put. A position in the last 5% of the film (at least the last second, at most the last ten
// minutes) is finished (Position.Finished): Put forgets the film instead of saving it, so it
// starts from the beginning next time.
//
// # Writes
//
// Put and Forget read, change and write the file under an advisory lock (flock on
// positions.lock; on platforms without flock there is no lock, and two btstreams saving at
// once may lose one position), so two btstream processes saving at once both keep their
// positions. A writer holds the lock for milliseconds; Put and Forget wait at most five
// seconds for it and then fail, rather than hang btstream's exit behind a stopped process.
// The new file is written to a temporary file in the same folder, synced and
// renamed over the old one: a crash leaves the old file or the new one, never half of one. A
// symlink at positions.json is replaced, never written through. The folder is created 0700 and
// the file 0600 on the first Put, and nothing is written anywhere else. Get takes no lock: it
// reads whichever whole file was last renamed into place.
//
// # What it does not do
//
// It does not decide when to save (the caller saves on stops and now and then while playing),
// does not talk to the player, does not hash or check files, and keeps no history: one
// position per file, the last one. Its errors never need to stop playback: a caller logs them
// and plays from the start.
package resume

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Store is the positions file in one folder. Its methods may be called from several goroutines,
// and several Stores (in one process or several) may share a folder.
type Store struct {
	dir      string
	lockWait time.Duration    // how long Put and Forget wait for another writer's lock
	now      func() time.Time // time.Now; Saved for a Put with none
}

// Open returns the Store in dir (see Dir). Nothing is read or created until the first call;
// the folder and the file appear on the first Put.
func Open(dir string) *Store {
	return &Store{dir: dir, lockWait: 5 * time.Second, now: time.Now}
}

// Path is the positions file's path, for logs.
func (s *Store) Path() string { return filepath.Join(s.dir, fileName) }

// Get returns the position saved for key. ok is false when there is none, when the saved
// position is finished, and on any error: a key that is not "INFOHASH/FILEINDEX" (ErrKey), a
// file that is not a positions file (ErrCorrupt), a folder or file that cannot be read (the
// error names the path). Such an error is for a log; playback starts from the beginning.
func (s *Store) Get(key string) (p Position, ok bool, err error) {
	k, valid := canonKey(key)
	if !valid {
		return Position{}, false, keyError(key)
	}
	m, err := readFile(s.Path())
	if err != nil {
		return Position{}, false, err
	}
	p, ok = m[k]
	if !ok || p.Finished() {
		return Position{}, false, nil
	}
	return p, true, nil
}

// Put saves p as key's position, replacing the one saved before; p.Saved defaults to now. A
// finished position (Position.Finished) forgets key instead. A negative Time, Offset or
// Duration is refused. Beyond MaxEntries positions the oldest by Saved is dropped. A positions
// file that is not one (see ErrCorrupt) is replaced; one that cannot be read is left alone and
// its error returned. Errors name the path that failed.
func (s *Store) Put(key string, p Position) error {
	k, valid := canonKey(key)
	if !valid {
		return keyError(key)
	}
	if !p.valid() {
		return fmt.Errorf("put %s: negative value in %+v", k, p)
	}
	if p.Finished() {
		return s.forget(k)
	}
	if p.Saved.IsZero() {
		p.Saved = s.now()
	}
	p.Saved = p.Saved.Round(0).UTC() // as it reads back
	return s.update(func(m map[string]Position) bool {
		m[k] = p
		evict(m, MaxEntries)
		return true
	})
}

// Forget removes key's position. Forgetting a key with none, or in a folder with no positions
// file, creates nothing and is no error.
func (s *Store) Forget(key string) error {
	k, valid := canonKey(key)
	if !valid {
		return keyError(key)
	}
	return s.forget(k)
}

func (s *Store) forget(k string) error {
	if _, err := os.Lstat(s.Path()); os.IsNotExist(err) {
		return nil
	}
	return s.update(func(m map[string]Position) bool {
		_, had := m[k]
		delete(m, k)
		return had
	})
}

// update runs change on the saved positions under the folder's lock, and writes them back
// when change reports a change. A file that is not a positions file counts as empty; any other
// read error stops the update, so that a file that cannot be read is not overwritten blind.
func (s *Store) update(change func(map[string]Position) bool) error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return err
	}
	unlock, err := lock(filepath.Join(s.dir, lockName), s.lockWait)
	if err != nil {
		return err
	}
	defer unlock()
	m, err := readFile(s.Path())
	if err != nil && !isCorrupt(err) {
		return err
	}
	if !change(m) {
		return nil
	}
	data, err := encode(m)
	if err != nil {
		return err
	}
	return writeFile(s.dir, data)
}

// keyError is ErrKey with the key, cut short: a hostile key should not fill a log either.
func keyError(key string) error {
	return fmt.Errorf("%w: %.80q", ErrKey, key)
}
