package resolver

import (
	"context"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// ServeDNS answers one query. The asking container is identified by the
// source IP of w.RemoteAddr(); strangers get REFUSED and are never
// forwarded, so the server is not an open resolver.
func (s *Server) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	src, udp := remoteIP(w.RemoteAddr())
	m, cv := s.answer(src, udp, r)
	if m == nil {
		m = s.forward(r, cv, udp)
	}
	_ = w.WriteMsg(m) // the client may be gone; nothing to do about it
}

// answer returns the reply to r from src, ready to send, or nil and the
// asking container when the query must be forwarded (which may block, so
// the UDP loop does it on another goroutine).
func (s *Server) answer(src netip.Addr, udp bool, r *dns.Msg) (*dns.Msg, *clientView) {
	cv := s.snap.Load().byIP[src]
	switch {
	case cv == nil:
		return s.reply(r, dns.RcodeRefused, udp), nil
	case r.Response || r.Opcode != dns.OpcodeQuery:
		return s.reply(r, dns.RcodeNotImplemented, udp), nil
	case len(r.Question) != 1:
		return s.reply(r, dns.RcodeFormatError, udp), nil
	}
	q := r.Question[0]
	name := lowerName(q.Name)
	if q.Qclass == dns.ClassINET {
		switch q.Qtype {
		case dns.TypeA, dns.TypeAAAA:
			if v4, v6, ok := cv.resolve(name); ok {
				return s.answerAddrs(r, q, v4, v6, udp), nil
			}
		case dns.TypePTR:
			if target, ok := cv.reverse(name); ok {
				m := s.newReply(r)
				m.Answer = []dns.RR{&dns.PTR{Hdr: s.hdr(q), Ptr: target}}
				return s.fit(r, m, udp), nil
			}
		}
	}
	if cv.noForward {
		rcode := dns.RcodeNameError
		if _, _, ok := cv.resolve(name); ok {
			rcode = dns.RcodeSuccess // the name exists, just not this type
		}
		return s.reply(r, rcode, udp), nil
	}
	return nil, cv
}

// answerAddrs writes the A or AAAA records of a local name, shuffled per
// answer. No records of the asked family is an empty NOERROR: the name
// exists, so asking the host's resolvers would be wrong.
func (s *Server) answerAddrs(r *dns.Msg, q dns.Question, v4, v6 []netip.Addr, udp bool) *dns.Msg {
	m := s.newReply(r)
	hdr := s.hdr(q)
	if q.Qtype == dns.TypeA {
		m.Answer = make([]dns.RR, 0, len(v4))
		for _, ip := range v4 {
			b := ip.As4()
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: net.IP(b[:])})
		}
	} else {
		m.Answer = make([]dns.RR, 0, len(v6))
		for _, ip := range v6 {
			b := ip.As16()
			m.Answer = append(m.Answer, &dns.AAAA{Hdr: hdr, AAAA: net.IP(b[:])})
		}
	}
	if len(m.Answer) > 1 {
		rand.Shuffle(len(m.Answer), func(i, j int) {
			m.Answer[i], m.Answer[j] = m.Answer[j], m.Answer[i]
		})
	}
	return s.fit(r, m, udp)
}

// forward sends a non-local query upstream: the container's dns: servers
// or the host's. A failure or timeout is SERVFAIL, never silence.
func (s *Server) forward(r *dns.Msg, cv *clientView, udp bool) *dns.Msg {
	servers := cv.upstreams
	if len(servers) == 0 {
		servers = s.resolv.servers()
	}
	if len(servers) == 0 {
		return s.reply(r, dns.RcodeServerFailure, udp)
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.forwardTimeout(len(servers)))
	defer cancel()
	q := r.Copy()
	q.Id = dns.Id() // a fresh id, so an upstream spoofer cannot guess it from the client's
	resp, err := s.upstream.Exchange(ctx, q, servers)
	if err != nil || resp == nil {
		return s.reply(r, dns.RcodeServerFailure, udp)
	}
	resp.Id = r.Id
	resp.Response = true
	return s.fit(r, resp, udp)
}

// newReply starts a NOERROR reply to r from the embedded server.
func (s *Server) newReply(r *dns.Msg) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	m.RecursionAvailable = true
	if o := r.IsEdns0(); o != nil {
		m.SetEdns0(clampUDP(o.UDPSize()), false)
	}
	return m
}

// reply returns an answerless reply with rcode.
func (s *Server) reply(r *dns.Msg, rcode int, udp bool) *dns.Msg {
	m := new(dns.Msg)
	m.SetRcode(r, rcode)
	m.RecursionAvailable = true
	if rcode == dns.RcodeNameError || rcode == dns.RcodeSuccess {
		m.Authoritative = true
	}
	return s.fit(r, m, udp)
}

// fit truncates m to what the client of r can receive.
func (s *Server) fit(r, m *dns.Msg, udp bool) *dns.Msg {
	size := dns.MaxMsgSize
	if udp {
		size = dns.MinMsgSize
		if o := r.IsEdns0(); o != nil {
			size = int(clampUDP(o.UDPSize()))
		}
	}
	m.Truncate(size) // cheap when it fits: one uncompressed length pass
	return m
}

// hdr is the header of answers to q, echoing the question's case.
func (s *Server) hdr(q dns.Question) dns.RR_Header {
	return dns.RR_Header{Name: q.Name, Rrtype: q.Qtype, Class: dns.ClassINET, Ttl: s.ttl}
}

// clampUDP bounds an EDNS buffer size to [512, 4096].
func clampUDP(n uint16) uint16 {
	return min(max(n, dns.MinMsgSize), udpMax)
}

// remoteIP returns the source IP of a query and whether it came over UDP.
func remoteIP(a net.Addr) (netip.Addr, bool) {
	switch a := a.(type) {
	case *net.UDPAddr:
		return a.AddrPort().Addr().Unmap().WithZone(""), true
	case *net.TCPAddr:
		return a.AddrPort().Addr().Unmap().WithZone(""), false
	}
	return netip.Addr{}, false
}

// lowerName lowercases a question name without allocating when it is
// already lowercase, the common case.
func lowerName(n string) string {
	for i := 0; i < len(n); i++ {
		if c := n[i]; 'A' <= c && c <= 'Z' {
			return strings.ToLower(n)
		}
	}
	return n
}
