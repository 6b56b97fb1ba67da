package resume

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	v1 = "0123456789abcdef0123456789abcdef01234567"
	v2 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

func TestCanonKey(t *testing.T) {
	tests := []struct {
		key, want string // want "" for refused
	}{
		{v1 + "/0", v1 + "/0"},
		{v1 + "/12", v1 + "/12"},
		{v2 + "/3", v2 + "/3"},
		{strings.ToUpper(v1) + "/7", v1 + "/7"},
		{v1 + "/2147483647", v1 + "/2147483647"},

		{"", ""},
		{"/", ""},
		{v1, ""},
		{v1 + "/", ""},
		{v1 + "/-1", ""},
		{v1 + "/+1", ""},
		{v1 + "/01", ""},
		{v1 + "/1.0", ""},
		{v1 + "/1 ", ""},
		{v1 + "/2147483648", ""},
		{v1 + "/99999999999999999999", ""},
		{v1 + "/1/2", ""},
		{v1[:39] + "/1", ""},
		{v1 + "0/1", ""},
		{v1[:39] + "g/1", ""},
		{v2 + "00/1", ""},
		{"../../etc/passwd", ""},
		{v1 + "/1\n", ""},
		{v1 + "/1\x00", ""},
		{"é" + v1[2:] + "/1", ""},
		{strings.Repeat("a", 1<<20) + "/1", ""},
	}
	for _, tt := range tests {
		got, ok := canonKey(tt.key)
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("canonKey(%.60q) = %q, %v; want %q", tt.key, got, ok, tt.want)
		}
	}
	if got := Key(strings.ToUpper(v1), 4); got != v1+"/4" {
		t.Errorf("Key = %q", got)
	}
}

// A hostile key is refused by every method, with ErrKey, and writes nothing.
func TestHostileKeysRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	s := Open(dir)
	for _, key := range []string{"", v1, "../x/1", v1 + "/1/../../x", strings.Repeat("f", 1<<16) + "/1", v1 + "/1\n" + v1 + "/2"} {
		if err := s.Put(key, Position{Time: 1}); !errors.Is(err, ErrKey) {
			t.Errorf("Put(%.40q) = %v, want ErrKey", key, err)
		} else if len(err.Error()) > 200 {
			t.Errorf("Put's error is %d bytes long: the key is not cut short", len(err.Error()))
		}
		if _, ok, err := s.Get(key); ok || !errors.Is(err, ErrKey) {
			t.Errorf("Get(%.40q) = %v, %v, want ErrKey", key, ok, err)
		}
		if err := s.Forget(key); !errors.Is(err, ErrKey) {
			t.Errorf("Forget(%.40q) = %v, want ErrKey", key, err)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("refused keys created the folder: %v", err)
	}
}
