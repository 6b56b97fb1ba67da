package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Config configures a Server. The zero value is ready to use.
type Config struct {
	Addr string // listen address; default "127.0.0.1:0" (loopback, free port)
	// Fallback makes a taken port no error: the next FallbackPorts ports
	// are tried in turn, then any free one. Server.Fallback says whether
	// it happened. A URL keeps its port only while nothing else takes it.
	Fallback        bool
	ShutdownTimeout time.Duration // default 2s; after it, connections are closed hard
	Logger          *slog.Logger  // nil -> discard
	// Listed is how many sources, from the first, the playlist lists; the
	// rest (subtitles) are served but not listed. 0 lists all.
	Listed int
}

const (
	defaultAddr            = "127.0.0.1:0"
	defaultShutdownTimeout = 2 * time.Second
)

// FallbackPorts is how many ports after a taken one Listen tries, with
// Config.Fallback, before it takes any free port.
const FallbackPorts = 9

// Server serves a fixed list of sources: source i at "/{i}/{escaped name}"
// (or "/{key}/{escaped name}", see Keyed), all of them at "/playlist.m3u".
// See Handler for the routes.
type Server struct {
	ln      net.Listener
	srv     *http.Server
	srcs    []Source
	base    string // "http://host:port" as a local client reaches it
	timeout time.Duration
	log     *slog.Logger
	started atomic.Bool
	moved   bool // Config.Fallback took another port than Config.Addr's
	v4only  bool // bound to 0.0.0.0: its LAN addresses are IPv4 ones
}

// Listen binds cfg.Addr now, so that URL and PlaylistURL are known before
// Serve runs. The caller must call Serve or Close to release the listener.
func Listen(cfg Config, srcs ...Source) (*Server, error) {
	addr := cfg.Addr
	if addr == "" {
		addr = defaultAddr
	}
	timeout := cfg.ShutdownTimeout
	if timeout <= 0 {
		timeout = defaultShutdownTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ln, moved, err := listen(addr, cfg.Fallback)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	// Go binds "0.0.0.0" as "::" where it can (dual stack); it was asked
	// for IPv4, so its URLs are IPv4 ones.
	host, _, _ := net.SplitHostPort(addr)
	ip := net.ParseIP(host)
	v4only := ip != nil && ip.IsUnspecified() && ip.To4() != nil
	s := &Server{
		moved:   moved,
		v4only:  v4only,
		ln:      ln,
		srcs:    srcs,
		base:    "http://" + dialAddr(ln.Addr(), v4only),
		timeout: timeout,
		log:     log,
	}
	var h http.Handler = newHandler(log, cfg.Listed, srcs)
	if IsLoopback(ln.Addr()) {
		h = loopbackOnly(h)
	}
	s.srv = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	return s, nil
}

// listen binds addr; with fallback, a taken port moves on to the next
// FallbackPorts ports, then to any free one, and moved reports that.
func listen(addr string, fallback bool) (ln net.Listener, moved bool, err error) {
	ln, err = net.Listen("tcp", addr)
	if err == nil || !fallback || !errors.Is(err, syscall.EADDRINUSE) {
		return ln, false, err
	}
	host, portStr, serr := net.SplitHostPort(addr)
	port, perr := strconv.Atoi(portStr)
	if serr != nil || perr != nil || port == 0 {
		return nil, false, err
	}
	for p := port + 1; p <= min(port+FallbackPorts, 65535); p++ {
		ln, lerr := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p)))
		if lerr == nil {
			return ln, true, nil
		}
		if !errors.Is(lerr, syscall.EADDRINUSE) {
			return nil, false, lerr
		}
	}
	ln, err = net.Listen("tcp", net.JoinHostPort(host, "0"))
	return ln, err == nil, err
}

// Fallback reports whether Config.Fallback moved the server to another
// port than Config.Addr's, because that one was taken.
func (s *Server) Fallback() bool { return s.moved }

// dialAddr is the address a client on this machine dials to reach a
// listener bound to addr: an unspecified IP (0.0.0.0, ::) becomes loopback,
// IPv4's when v4 or addr is IPv4.
func dialAddr(addr net.Addr, v4 bool) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return addr.String()
	}
	ip := net.IPv6loopback
	if v4 || tcp.IP.To4() != nil {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
}

// LANURLs returns u, a URL from URL or PlaylistURL, as other machines
// reach it: one URL per address of this machine that the listener accepts
// connections on, loopback and link-local addresses left out, IPv4 first.
// A listener on the wildcard address accepts on every interface; one on
// "0.0.0.0" lists IPv4 addresses only. It returns nil on loopback, or when
// the machine has no such address.
func (s *Server) LANURLs(u string) []string {
	path, ok := strings.CutPrefix(u, s.base)
	if !ok {
		return nil
	}
	tcp, ok := s.ln.Addr().(*net.TCPAddr)
	if !ok {
		return nil
	}
	var ips []net.IP
	if tcp.IP.IsUnspecified() {
		addrs, err := net.InterfaceAddrs()
		if err != nil {
			s.log.Debug("interface addresses", "err", err)
			return nil
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && (!s.v4only || n.IP.To4() != nil) {
				ips = append(ips, n.IP)
			}
		}
	} else {
		ips = []net.IP{tcp.IP}
	}
	var v4, v6 []string
	for _, ip := range ips {
		if ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() || ip.IsMulticast() {
			continue
		}
		base := "http://" + net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
		if ip.To4() != nil {
			v4 = append(v4, base+path)
		} else {
			v6 = append(v6, base+path)
		}
	}
	return append(v4, v6...)
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// URL is the absolute URL of source i, e.g.
// "http://127.0.0.1:34567/0/Big%20Buck%20Bunny.mkv", or "" if there is no
// source i. A wildcard listen address is shown as loopback.
func (s *Server) URL(i int) string {
	if i < 0 || i >= len(s.srcs) {
		return ""
	}
	return s.base + sourcePath(sourceKey(i, s.srcs[i]), s.srcs[i].Name())
}

// PlaylistURL is the absolute URL of the extended M3U of all sources.
func (s *Server) PlaylistURL() string { return s.base + playlistPath }

// Serve serves until ctx ends, then stops in bounded time: request contexts
// are cancelled (so sources' Reads return), Shutdown is given
// Config.ShutdownTimeout to let connections finish, and whatever remains is
// closed hard. It returns nil after such a stop, even a hard one, and an
// error if the listener fails or Serve was already called.
//
// With sources that honour the Open contract, every request handler, and so
// every reader, has returned by the time Serve returns.
func (s *Server) Serve(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("serve: already started")
	}
	reqCtx, cancelRequests := context.WithCancel(ctx)
	defer cancelRequests()
	s.srv.BaseContext = func(net.Listener) context.Context { return reqCtx }

	served := make(chan error, 1)
	go func() { served <- s.srv.Serve(s.ln) }()

	select {
	case err := <-served:
		if errors.Is(err, http.ErrServerClosed) { // Close was called
			return nil
		}
		// The listener failed; end the connections it had accepted too.
		if cerr := s.srv.Close(); cerr != nil {
			s.log.Debug("close http server", "err", cerr)
		}
		return fmt.Errorf("serve on %s: %w", s.Addr(), err)
	case <-ctx.Done():
	}

	cancelRequests()
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	defer cancel()
	if err := s.srv.Shutdown(shutdownCtx); err != nil {
		s.log.Warn("http shutdown timed out; closing connections", "timeout", s.timeout, "err", err)
		if err := s.srv.Close(); err != nil {
			s.log.Debug("close http server", "err", err)
		}
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve on %s: %w", s.Addr(), err)
	}
	return nil
}

// Close stops the server hard: it closes the listener and every connection
// without waiting for handlers. It releases the listener of a Server whose
// Serve was never called; a running Serve then returns nil.
func (s *Server) Close() error {
	err := s.srv.Close()
	if lerr := s.ln.Close(); lerr != nil && !errors.Is(lerr, net.ErrClosed) && err == nil {
		err = lerr
	}
	if err != nil {
		return fmt.Errorf("close server: %w", err)
	}
	return nil
}

// IsLoopback reports whether addr is on the loopback interface only, so that
// main can warn when the stream is reachable from other machines. A
// wildcard address (0.0.0.0, ::) is not loopback.
func IsLoopback(addr net.Addr) bool {
	var ip net.IP
	switch a := addr.(type) {
	case *net.TCPAddr:
		ip = a.IP
	case *net.UDPAddr:
		ip = a.IP
	default:
		host, _, err := net.SplitHostPort(addr.String())
		if err != nil {
			return false
		}
		if host == "localhost" {
			return true
		}
		ip = net.ParseIP(host)
	}
	return ip != nil && ip.IsLoopback()
}
