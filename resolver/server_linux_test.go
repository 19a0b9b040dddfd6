package resolver

import (
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// exchange sends m from src to server over UDP or TCP.
func exchange(t *testing.T, src, server string, m *dns.Msg, tcp bool) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: "udp", Dialer: dialFrom(src, tcp), Timeout: 5 * time.Second}
	if tcp {
		c.Net = "tcp"
	}
	r, _, err := c.Exchange(m, server)
	if err != nil {
		t.Fatalf("query %v from %s to %s over %s: %v", m.Question, src, server, c.Net, err)
	}
	return r
}

// liveServer sets up, in the current (fresh) netns:
//
//	br-a 10.90.0.1/24 gateway, fd90::1/64; containers a1 .2 (+fd90::2), a2 .3, both .5
//	br-b 10.91.0.1/24 gateway; containers b1 .2, both .5
//	stranger 10.90.0.99; upstream stub on 127.0.0.53:53 via resolv.conf
func liveServer(t *testing.T) (*Server, *stub) {
	t.Helper()
	setupLinks(t, map[string][]string{
		"br-a": {"10.90.0.1/24", "10.90.0.2/32", "10.90.0.3/32", "10.90.0.5/32", "10.90.0.99/32", "fd90::1/64", "fd90::2/128"},
		"br-b": {"10.91.0.1/24", "10.91.0.2/32", "10.91.0.5/32"},
	})
	st := startStub(t, "127.0.0.53", 53)
	rc := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(rc, []byte("nameserver 127.0.0.53\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := New(Config{ResolvConf: rc, Timeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = s.Close() })
	s.SetContainer(Client{ID: "p-a1-1"}, []Entry{{Network: "p_a", IPv4: ip("10.90.0.2"), IPv6: ip("fd90::2"), Names: []string{"a1", "p-a1-1"}}})
	s.SetContainer(Client{ID: "p-a2-1", Upstreams: []string{silentUDP(t, "127.0.0.1")}},
		[]Entry{{Network: "p_a", IPv4: ip("10.90.0.3"), Names: []string{"a2", "p-a2-1"}}})
	s.SetContainer(Client{ID: "p-b1-1", NoForward: true}, []Entry{{Network: "p_b", IPv4: ip("10.91.0.2"), Names: []string{"b1", "p-b1-1"}}})
	s.SetContainer(Client{ID: "p-both-1"}, []Entry{
		{Network: "p_a", IPv4: ip("10.90.0.5"), Names: []string{"both"}},
		{Network: "p_b", IPv4: ip("10.91.0.5"), Names: []string{"both"}},
	})
	for _, gw := range []string{"10.90.0.1", "10.91.0.1", "fd90::1"} {
		if err := s.Listen(ip(gw)); err != nil {
			t.Fatal(err)
		}
	}
	return s, st
}

func TestLiveQueries(t *testing.T) {
	if !inFreshNetns(t) {
		return
	}
	_, st := liveServer(t)
	for _, tcp := range []bool{false, true} {
		r := exchange(t, "10.90.0.2", "10.90.0.1:53", query("A2.", dns.TypeA), tcp)
		if !reflect.DeepEqual(addrs(r), []string{"10.90.0.3"}) || r.Answer[0].Header().Name != "A2." {
			t.Errorf("tcp=%v A2.: %v", tcp, r.Answer)
		}
		r = exchange(t, "fd90::2", "[fd90::1]:53", query("a1.p_a.", dns.TypeAAAA), tcp)
		if !reflect.DeepEqual(addrs(r), []string{"fd90::2"}) {
			t.Errorf("tcp=%v AAAA a1.p_a. over IPv6: %v", tcp, r.Answer)
		}
		if r = exchange(t, "10.90.0.99", "10.90.0.1:53", query("a1.", dns.TypeA), tcp); r.Rcode != dns.RcodeRefused {
			t.Errorf("tcp=%v stranger: rcode %d, want REFUSED", tcp, r.Rcode)
		}
		// Forwarded to the loopback resolver of resolv.conf.
		r = exchange(t, "10.90.0.2", "10.90.0.1:53", query("www.example.com.", dns.TypeA), tcp)
		if !reflect.DeepEqual(addrs(r), []string{"198.51.100.3"}) {
			t.Errorf("tcp=%v forwarded: %v", tcp, r)
		}
	}
	// Truncation: the stub truncates over UDP, the server retries over
	// TCP and truncates again for our 512-byte UDP client, which retries
	// over TCP and gets everything.
	r := exchange(t, "10.90.0.2", "10.90.0.1:53", query("big.", dns.TypeA), false)
	if !r.Truncated {
		t.Errorf("big. over UDP: not truncated (%d answers)", len(r.Answer))
	}
	r = exchange(t, "10.90.0.2", "10.90.0.1:53", query("big.", dns.TypeA), true)
	if r.Truncated || len(r.Answer) != 50 {
		t.Errorf("big. over TCP: truncated %v, %d answers", r.Truncated, len(r.Answer))
	}
	if st.tcpCount.Load() < 2 {
		t.Errorf("upstream saw %d TCP queries, want >= 2 (retries after truncation)", st.tcpCount.Load())
	}
	// p-a2-1's own dns: server never answers: SERVFAIL, not a hang.
	if r = exchange(t, "10.90.0.3", "10.90.0.1:53", query("example.org.", dns.TypeA), false); r.Rcode != dns.RcodeServerFailure {
		t.Errorf("silent upstream: rcode %d, want SERVFAIL", r.Rcode)
	}
}

func TestLiveScopingAcrossNetworks(t *testing.T) {
	if !inFreshNetns(t) {
		return
	}
	liveServer(t)
	// p-both-1 resolves both networks, whichever gateway it asks.
	for _, q := range []struct{ src, server string }{{"10.90.0.5", "10.90.0.1:53"}, {"10.91.0.5", "10.91.0.1:53"}, {"10.90.0.5", "10.91.0.1:53"}} {
		for name, want := range map[string][]string{"a1.": {"10.90.0.2"}, "b1.": {"10.91.0.2"}} {
			if r := exchange(t, q.src, q.server, query(name, dns.TypeA), false); !reflect.DeepEqual(addrs(r), want) {
				t.Errorf("%s from %s via %s: %v, want %v", name, q.src, q.server, addrs(r), want)
			}
		}
	}
	// b1 (internal, p_b only) cannot see a1, whichever gateway it asks.
	for _, server := range []string{"10.91.0.1:53", "10.90.0.1:53"} {
		if r := exchange(t, "10.91.0.2", server, query("a1.", dns.TypeA), false); r.Rcode != dns.RcodeNameError {
			t.Errorf("a1. from b1 via %s: rcode %d, want NXDOMAIN", server, r.Rcode)
		}
	}
}

func TestLiveListen(t *testing.T) {
	if !inFreshNetns(t) {
		return
	}
	s, _ := liveServer(t)
	if err := s.Listen(ip("10.90.0.1")); err != nil {
		t.Errorf("second Listen: %v", err)
	}
	if err := s.Listen(ip("10.99.0.1")); err == nil {
		t.Errorf("Listen on an address of no interface: no error")
	}
	// Only the gateways listen, not every local address.
	if c, err := dialFrom("10.90.0.2", true).Dial("tcp", "10.90.0.2:53"); err == nil {
		c.Close()
		t.Errorf("a container address accepts DNS connections")
	}
	if err := s.Unlisten(ip("10.91.0.1")); err != nil {
		t.Fatal(err)
	}
	if c, err := dialFrom("10.91.0.2", true).Dial("tcp", "10.91.0.1:53"); err == nil {
		c.Close()
		t.Errorf("10.91.0.1:53 still accepts after Unlisten")
	}
	if r := exchange(t, "10.90.0.2", "10.90.0.1:53", query("a2.", dns.TypeA), false); len(r.Answer) != 1 {
		t.Errorf("other listener after Unlisten: %v", r)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Close released the sockets: they can be bound again.
	for _, network := range []string{"udp", "tcp"} {
		var err error
		if network == "udp" {
			var pc net.PacketConn
			if pc, err = net.ListenPacket("udp", "10.90.0.1:53"); err == nil {
				pc.Close()
			}
		} else {
			var ln net.Listener
			if ln, err = net.Listen("tcp", "10.90.0.1:53"); err == nil {
				ln.Close()
			}
		}
		if err != nil {
			t.Errorf("bind %s 10.90.0.1:53 after Close: %v", network, err)
		}
	}
	if err := s.Listen(ip("10.90.0.1")); err == nil {
		t.Errorf("Listen after Close: no error")
	}
}

func TestLiveMalformedPackets(t *testing.T) {
	if !inFreshNetns(t) {
		return
	}
	liveServer(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, src := range []string{"10.90.0.2", "10.90.0.99"} {
		conn, err := dialFrom(src, false).Dial("udp", "10.90.0.1:53")
		if err != nil {
			t.Fatal(err)
		}
		for range 500 {
			b := make([]byte, rng.IntN(600))
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			if _, err := conn.Write(b); err != nil {
				t.Fatal(err)
			}
		}
		conn.Close()
		for range 20 {
			c, err := dialFrom(src, true).Dial("tcp", "10.90.0.1:53")
			if err != nil {
				t.Fatal(err)
			}
			b := make([]byte, 2+rng.IntN(300))
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			_, _ = c.Write(b)
			c.Close()
		}
	}
	for _, tcp := range []bool{false, true} {
		if r := exchange(t, "10.90.0.2", "10.90.0.1:53", query("a1.", dns.TypeA), tcp); !reflect.DeepEqual(addrs(r), []string{"10.90.0.2"}) {
			t.Errorf("tcp=%v after garbage: %v", tcp, r)
		}
	}
}

// A datagram larger than the receive buffer arrives cut; even cut exactly
// at a record boundary, where it would parse, it gets no answer.
func TestLiveOversizedDatagram(t *testing.T) {
	if !inFreshNetns(t) {
		return
	}
	liveServer(t)
	m := query("a1.", dns.TypeA)
	txt := func(n int) dns.RR { // an RR of 12+n bytes on the wire
		return &dns.TXT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeTXT, Class: dns.ClassINET}, Txt: []string{strings.Repeat("x", n)}}
	}
	for m.Len() < udpMax-300 {
		m.Extra = append(m.Extra, txt(255))
	}
	m.Extra = append(m.Extra, txt(udpMax-m.Len()-12), txt(100))
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	cut := new(dns.Msg)
	if len(b) <= udpMax || cut.Unpack(b[:udpMax]) != nil {
		t.Fatalf("the datagram (%d bytes) must exceed %d and parse when cut there", len(b), udpMax)
	}
	conn, err := dialFrom("10.90.0.2", false).Dial("udp", "10.90.0.1:53")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(b); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := conn.Read(make([]byte, 512)); err == nil {
		t.Errorf("a cut datagram got a %d-byte answer", n)
	}
	if r := exchange(t, "10.90.0.2", "10.90.0.1:53", query("a1.", dns.TypeA), false); !reflect.DeepEqual(addrs(r), []string{"10.90.0.2"}) {
		t.Errorf("after the cut datagram: %v", r)
	}
}
