package resume

import (
	"errors"
	"testing"
)

func TestDir(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		want      string
		wantNoDir bool
	}{
		{"XDG_STATE_HOME set", map[string]string{"XDG_STATE_HOME": "/x/state", "HOME": "/home/u"}, "/x/state/btstream", false},
		{"XDG_STATE_HOME cleaned", map[string]string{"XDG_STATE_HOME": "/x/state/", "HOME": "/home/u"}, "/x/state/btstream", false},
		{"XDG_STATE_HOME relative is ignored", map[string]string{"XDG_STATE_HOME": "state", "HOME": "/home/u"}, "/home/u/.local/state/btstream", false},
		{"XDG_STATE_HOME unset", map[string]string{"HOME": "/home/u"}, "/home/u/.local/state/btstream", false},
		{"XDG_STATE_HOME empty", map[string]string{"XDG_STATE_HOME": "", "HOME": "/home/u"}, "/home/u/.local/state/btstream", false},
		{"relative XDG_STATE_HOME, relative HOME", map[string]string{"XDG_STATE_HOME": "state", "HOME": "home"}, "", true},
		{"HOME relative", map[string]string{"HOME": "u"}, "", true},
		{"neither", map[string]string{}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Dir(func(k string) string { return tt.env[k] })
			if tt.wantNoDir {
				if !errors.Is(err, ErrNoDir) || got != "" {
					t.Fatalf("Dir = %q, %v; want ErrNoDir", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Dir = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
