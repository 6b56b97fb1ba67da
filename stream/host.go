package stream

import (
	"net"
	"net/http"
	"strings"
)

// loopbackOnly refuses requests whose Host is a DNS name other than
// localhost. A server on loopback is reachable by any web page the user
// opens, through DNS rebinding (a name of the attacker's that resolves to
// 127.0.0.1); a browser then sends that name as Host, which players never
// do: they use the IP literal of the URL btstream gave them.
func loopbackOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !localHost(r.Host) {
			http.Error(w, "forbidden host", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// localHost reports whether host (with or without a port) is an IP literal
// or localhost.
func localHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return net.ParseIP(host) != nil || strings.EqualFold(host, "localhost")
}
