package resolver

import (
	"context"
	"net"
	"net/netip"
	"sort"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// recorder is a dns.ResponseWriter that round-trips every reply through
// the wire format, so a reply that cannot be packed fails the test.
type recorder struct {
	remote net.Addr
	msgs   []*dns.Msg
	err    error
}

func (r *recorder) LocalAddr() net.Addr  { return &net.UDPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 53} }
func (r *recorder) RemoteAddr() net.Addr { return r.remote }
func (r *recorder) WriteMsg(m *dns.Msg) error {
	b, err := m.Pack()
	if err != nil {
		r.err = err
		return err
	}
	return r.writeBytes(b)
}
func (r *recorder) Write(b []byte) (int, error) { return len(b), r.writeBytes(b) }
func (r *recorder) writeBytes(b []byte) error {
	m := new(dns.Msg)
	if err := m.Unpack(b); err != nil {
		r.err = err
		return err
	}
	r.msgs = append(r.msgs, m)
	return nil
}
func (r *recorder) Close() error        { return nil }
func (r *recorder) TsigStatus() error   { return nil }
func (r *recorder) TsigTimersOnly(bool) {}
func (r *recorder) Hijack()             {}

// fakeUpstream records forwarded queries and answers with rcode, or
// blocks until the deadline when block is set.
type fakeUpstream struct {
	mu     sync.Mutex
	calls  [][]string
	names  []string
	rcode  int
	answer string // if set, an A record with this address
	err    error
	block  bool
}

func (f *fakeUpstream) Exchange(ctx context.Context, m *dns.Msg, servers []string) (*dns.Msg, error) {
	f.mu.Lock()
	f.calls = append(f.calls, append([]string(nil), servers...))
	f.names = append(f.names, m.Question[0].Name)
	f.mu.Unlock()
	if f.block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if f.err != nil {
		return nil, f.err
	}
	resp := new(dns.Msg)
	resp.SetRcode(m, f.rcode)
	if f.answer != "" {
		rr, err := dns.NewRR(m.Question[0].Name + " 60 IN A " + f.answer)
		if err != nil {
			return nil, err
		}
		resp.Answer = []dns.RR{rr}
	}
	return resp, nil
}

func (f *fakeUpstream) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

// ask sends one query from src (UDP unless tcp) straight to the handler
// and returns the single reply.
func ask(t *testing.T, s *Server, src, name string, qtype uint16, tcp bool) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	return askMsg(t, s, src, m, tcp)
}

func askMsg(t *testing.T, s *Server, src string, m *dns.Msg, tcp bool) *dns.Msg {
	t.Helper()
	var remote net.Addr = &net.UDPAddr{IP: net.ParseIP(src), Port: 40000}
	if tcp {
		remote = &net.TCPAddr{IP: net.ParseIP(src), Port: 40000}
	}
	w := &recorder{remote: remote}
	s.ServeDNS(w, m)
	if w.err != nil {
		t.Fatalf("reply to %v: %v", m.Question, w.err)
	}
	if len(w.msgs) != 1 {
		t.Fatalf("got %d replies to %v, want 1", len(w.msgs), m.Question)
	}
	if w.msgs[0].Id != m.Id {
		t.Fatalf("reply id %d, want %d", w.msgs[0].Id, m.Id)
	}
	return w.msgs[0]
}

// addrs returns the sorted A/AAAA addresses of a reply.
func addrs(m *dns.Msg) []string {
	var out []string
	for _, rr := range m.Answer {
		switch rr := rr.(type) {
		case *dns.A:
			out = append(out, rr.A.String())
		case *dns.AAAA:
			out = append(out, rr.AAAA.String())
		}
	}
	sort.Strings(out)
	return out
}
