package resolver

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// stub is an upstream DNS server for tests. Names:
//
//	big.   over UDP: TC with one record; over TCP: 50 A records
//	fail.  SERVFAIL
//	other  one A record 198.51.100.<label count>
type stub struct {
	addr     string
	udpCount atomic.Int64
	tcpCount atomic.Int64
}

func (st *stub) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	_, isTCP := w.RemoteAddr().(*net.TCPAddr)
	if isTCP {
		st.tcpCount.Add(1)
	} else {
		st.udpCount.Add(1)
	}
	m := new(dns.Msg)
	m.SetReply(r)
	q := r.Question[0]
	switch strings.ToLower(q.Name) {
	case "fail.":
		m.Rcode = dns.RcodeServerFailure
	case "big.":
		n := 50
		if !isTCP {
			n, m.Truncated = 1, true
		}
		for i := range n {
			m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
				A: net.IPv4(198, 51, 100, byte(i))})
		}
	default:
		m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
			A: net.IPv4(198, 51, 100, byte(dns.CountLabel(q.Name)))}}
	}
	_ = w.WriteMsg(m)
}

// startStub serves the stub on UDP and TCP of the same host:port (port 0:
// any free one) until the test ends.
func startStub(t testing.TB, host string, port int) *stub {
	t.Helper()
	var (
		pc  net.PacketConn
		ln  net.Listener
		err error
	)
	for range 20 {
		pc, err = net.ListenPacket("udp", net.JoinHostPort(host, fmt.Sprint(port)))
		if err != nil {
			t.Fatalf("stub udp: %v", err)
		}
		ln, err = net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			break
		}
		pc.Close()
	}
	if err != nil {
		t.Fatalf("stub tcp: %v", err)
	}
	st := &stub{addr: pc.LocalAddr().String()}
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: st}, {Listener: ln, Handler: st}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { _ = srv.ActivateAndServe() }()
		<-started
		t.Cleanup(func() { _ = srv.Shutdown() })
	}
	return st
}

// silentUDP returns the address of a UDP socket that never answers.
func silentUDP(t testing.TB, host string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc.LocalAddr().String()
}

func query(name string, qtype uint16) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	return m
}

func TestDefaultUpstream(t *testing.T) {
	st := startStub(t, "127.0.0.1", 0)
	u := &defaultUpstream{timeout: 2 * time.Second}
	ctx := context.Background()

	r, err := u.Exchange(ctx, query("big.", dns.TypeA), []string{st.addr})
	if err != nil || len(r.Answer) != 50 || r.Truncated {
		t.Fatalf("big.: %v, %v; want 50 answers over TCP", r, err)
	}
	if st.udpCount.Load() != 1 || st.tcpCount.Load() != 1 {
		t.Errorf("big.: %d UDP, %d TCP queries, want 1 and 1", st.udpCount.Load(), st.tcpCount.Load())
	}

	// A dead server is skipped; SERVFAIL moves on too.
	silent := silentUDP(t, "127.0.0.1")
	short := &defaultUpstream{timeout: 50 * time.Millisecond}
	r, err = short.Exchange(ctx, query("a.b.", dns.TypeA), []string{silent, st.addr})
	if err != nil || len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "198.51.100.2" {
		t.Errorf("after a dead server: %v, %v", r, err)
	}
	r, err = u.Exchange(ctx, query("fail.", dns.TypeA), []string{st.addr, st.addr})
	if err != nil || r.Rcode != dns.RcodeServerFailure {
		t.Errorf("all SERVFAIL: %v, %v; want the SERVFAIL answer", r, err)
	}

	if _, err = short.Exchange(ctx, query("x.", dns.TypeA), []string{silent}); err == nil {
		t.Errorf("only a dead server: no error")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err = u.Exchange(cctx, query("x.", dns.TypeA), []string{st.addr}); err == nil {
		t.Errorf("cancelled context: no error")
	}
	if _, err = u.Exchange(ctx, query("x.", dns.TypeA), nil); err == nil {
		t.Errorf("no servers: no error")
	}
}

// TestForwardLoopback runs the whole forward path of the handler against
// a stub on loopback, the way the host's 127.0.0.53 is reached.
func TestForwardLoopback(t *testing.T) {
	st := startStub(t, "127.0.0.1", 0)
	s := New(Config{ResolvConf: "/nonexistent", Timeout: time.Second})
	s.SetContainer(Client{ID: "c", Upstreams: []string{st.addr}}, []Entry{{Network: "n", IPv4: netip.MustParseAddr("10.5.0.2"), Names: []string{"c"}}})
	r := ask(t, s, "10.5.0.2", "big.", dns.TypeA, false)
	if !r.Truncated || len(r.Answer) == 50 {
		t.Errorf("big. to a UDP client without EDNS: truncated %v, %d answers; want TC", r.Truncated, len(r.Answer))
	}
	if r := ask(t, s, "10.5.0.2", "big.", dns.TypeA, true); r.Truncated || len(r.Answer) != 50 {
		t.Errorf("big. over TCP: truncated %v, %d answers; want 50", r.Truncated, len(r.Answer))
	}
}
