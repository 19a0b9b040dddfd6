// Package resolver is mini-compose's embedded DNS server: one Server for all
// networks of all projects, scoped by the asking container (identified by the
// source address of its query), forwarding other names to the host's
// resolvers or to per-service upstreams.
package resolver

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// Entry is one network attachment of a container: its addresses there and
// the names it answers to on that network (service name, container name,
// hostname, aliases).
type Entry struct {
	Network    string
	IPv4, IPv6 netip.Addr
	Names      []string
}

// Client describes a container as a DNS client.
type Client struct {
	// ID is the container id, which is also its container name; PTR
	// answers are "<ID>.<network>.".
	ID string
	// Links maps a link alias to the target name; only this container
	// resolves the alias.
	Links map[string]string
	// Upstreams are the per-service dns: servers ("ip" or "ip:port"); empty
	// means the host's resolvers.
	Upstreams []string
	// NoForward is set for containers on internal networks only: names
	// that are not local get NXDOMAIN instead of being forwarded.
	NoForward bool
}

// Upstream forwards a query to the first server of servers that answers.
// Tests swap it for a fake.
type Upstream interface {
	Exchange(ctx context.Context, m *dns.Msg, servers []string) (*dns.Msg, error)
}

// Config configures a Server. The zero value is usable.
type Config struct {
	// ResolvConf is the file with the host's nameservers, default
	// /etc/resolv.conf. It is re-read when it changes.
	ResolvConf string
	// Upstream forwards non-local queries; nil means UDP with TCP retry
	// on truncation.
	Upstream Upstream
	// TTL of local answers in seconds, default 5.
	TTL uint32
	// Timeout per upstream server, default 2s. A forwarded query gets at
	// most Timeout times the number of servers before SERVFAIL.
	Timeout time.Duration
}

// Server answers container DNS queries. It is safe for concurrent use;
// lookups read an immutable snapshot without locks.
type Server struct {
	ttl      uint32
	timeout  time.Duration
	upstream Upstream
	resolv   *resolvConf

	snap atomic.Pointer[snapshot]

	mu         sync.Mutex // serializes writers of snap and of containers
	containers map[string]containerRec

	lmu       sync.Mutex
	listeners map[netip.Addr]*listener
	closed    bool
}

// New returns a Server with cfg's defaults filled in. It does not listen
// anywhere until Listen is called.
func New(cfg Config) *Server {
	if cfg.ResolvConf == "" {
		cfg.ResolvConf = "/etc/resolv.conf"
	}
	if cfg.TTL == 0 {
		cfg.TTL = 5
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Second
	}
	if cfg.Upstream == nil {
		cfg.Upstream = &defaultUpstream{timeout: cfg.Timeout}
	}
	s := &Server{
		ttl:        cfg.TTL,
		timeout:    cfg.Timeout,
		upstream:   cfg.Upstream,
		resolv:     newResolvConf(cfg.ResolvConf),
		containers: map[string]containerRec{},
		listeners:  map[netip.Addr]*listener{},
	}
	s.snap.Store(buildSnapshot(s.containers))
	return s
}

// SetContainer adds the container c with its network entries, or replaces
// it atomically if c.ID is already known. The next query sees the change.
func (s *Server) SetContainer(c Client, entries []Entry) {
	rec := containerRec{client: c, entries: append([]Entry(nil), entries...)}
	rec.client.Upstreams = normalizeServers(c.Upstreams)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.containers[c.ID] = rec
	s.snap.Store(buildSnapshot(s.containers))
}

// RemoveContainer forgets the container id: its names, addresses and its
// right to ask. Unknown ids are ignored.
func (s *Server) RemoveContainer(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.containers[id]; !ok {
		return
	}
	delete(s.containers, id)
	s.snap.Store(buildSnapshot(s.containers))
}

// normalizeServers turns "ip" or "ip:port" into "ip:port" strings for the
// dns client, dropping entries that are neither.
func normalizeServers(in []string) []string {
	var out []string
	for _, srv := range in {
		if ap, err := netip.ParseAddrPort(srv); err == nil {
			out = append(out, ap.String())
			continue
		}
		if a, err := netip.ParseAddr(srv); err == nil {
			out = append(out, net.JoinHostPort(a.String(), "53"))
		}
	}
	return out
}

// forwardTimeout is the overall deadline of a forwarded query.
func (s *Server) forwardTimeout(servers int) time.Duration {
	if servers < 1 {
		servers = 1
	}
	return s.timeout * time.Duration(servers)
}
