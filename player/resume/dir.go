package resume

import (
	"errors"
	"path/filepath"
)

// ErrNoDir is returned by Dir when neither XDG_STATE_HOME nor HOME is an absolute path.
var ErrNoDir = errors.New("no state folder: neither XDG_STATE_HOME nor HOME is an absolute path")

// Dir is the folder for btstream's state: $XDG_STATE_HOME/btstream, else
// $HOME/.local/state/btstream. getenv is os.Getenv outside tests.
//
// The XDG Base Directory specification says a relative path in XDG_STATE_HOME is invalid and
// must be ignored, so such a value falls back to HOME as an unset one does; a relative or
// empty HOME is an error (ErrNoDir). The same rule holds on every platform: btstream keeps its
// state in one place that a user can find from the environment alone. Dir creates nothing.
func Dir(getenv func(string) string) (string, error) {
	if x := getenv("XDG_STATE_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "btstream"), nil
	}
	if h := getenv("HOME"); filepath.IsAbs(h) {
		return filepath.Join(h, ".local", "state", "btstream"), nil
	}
	return "", ErrNoDir
}
