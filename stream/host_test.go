package stream

import (
	"context"
	"net/http"
	"testing"
)

func TestLocalHost(t *testing.T) {
	tests := map[string]bool{
		"127.0.0.1:8080":      true,
		"127.0.0.1":           true,
		"[::1]:8080":          true,
		"localhost:8080":      true,
		"LOCALHOST":           true,
		"192.168.1.5:80":      true,
		"evil.example:8080":   false,
		"localhost.evil:8080": false,
		"127.0.0.1.nip.io:80": false,
		"":                    false,
	}
	for host, want := range tests {
		if got := localHost(host); got != want {
			t.Errorf("localHost(%q) = %v, want %v", host, got, want)
		}
	}
}

// A server on loopback answers players, which use the IP literal, and
// refuses a browser page that reached it through a rebound DNS name.
func TestServerRefusesRebindingHost(t *testing.T) {
	src := &fakeSource{name: "m.mkv", size: 10}
	s, err := Listen(Config{}, src)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	defer func() { cancel(); <-done }()

	for host, want := range map[string]int{"": http.StatusOK, "attacker.example": http.StatusForbidden} {
		req, _ := http.NewRequest(http.MethodGet, s.URL(0), nil)
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %q: status %d, want %d", host, resp.StatusCode, want)
		}
	}
}
