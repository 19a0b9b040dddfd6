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
	cv := s.snap.Load().byIP[src]
	switch {
	case cv == nil:
		s.reply(w, r, dns.RcodeRefused, udp)
		return
	case r.Response || r.Opcode != dns.OpcodeQuery:
		s.reply(w, r, dns.RcodeNotImplemented, udp)
		return
	case len(r.Question) != 1:
		s.reply(w, r, dns.RcodeFormatError, udp)
		return
	}
	q := r.Question[0]
	name := lowerName(q.Name)
	if q.Qclass == dns.ClassINET {
		switch q.Qtype {
		case dns.TypeA, dns.TypeAAAA:
			if v4, v6, ok := cv.resolve(name); ok {
				s.answerAddrs(w, r, q, v4, v6, udp)
				return
			}
		case dns.TypePTR:
			if target, ok := cv.reverse(name); ok {
				m := s.newReply(r)
				m.Answer = []dns.RR{&dns.PTR{Hdr: s.hdr(q), Ptr: target}}
				s.write(w, r, m, udp)
				return
			}
		}
	}
	s.forward(w, r, cv, name, udp)
}

// answerAddrs writes the A or AAAA records of a local name, shuffled per
// answer. No records of the asked family is an empty NOERROR: the name
// exists, so asking the host's resolvers would be wrong.
func (s *Server) answerAddrs(w dns.ResponseWriter, r *dns.Msg, q dns.Question, v4, v6 []netip.Addr, udp bool) {
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
	s.write(w, r, m, udp)
}

// forward sends a non-local query upstream: the container's dns: servers
// or the host's. A failure or timeout is SERVFAIL, never silence.
func (s *Server) forward(w dns.ResponseWriter, r *dns.Msg, cv *clientView, name string, udp bool) {
	if cv.noForward {
		rcode := dns.RcodeNameError
		if _, _, ok := cv.resolve(name); ok {
			rcode = dns.RcodeSuccess // the name exists, just not this type
		}
		s.reply(w, r, rcode, udp)
		return
	}
	servers := cv.upstreams
	if len(servers) == 0 {
		servers = s.resolv.servers()
	}
	if len(servers) == 0 {
		s.reply(w, r, dns.RcodeServerFailure, udp)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.forwardTimeout(len(servers)))
	defer cancel()
	q := r.Copy()
	q.Id = dns.Id() // a fresh id, so an upstream spoofer cannot guess it from the client's
	resp, err := s.upstream.Exchange(ctx, q, servers)
	if err != nil || resp == nil {
		s.reply(w, r, dns.RcodeServerFailure, udp)
		return
	}
	resp.Id = r.Id
	resp.Response = true
	s.write(w, r, resp, udp)
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

// reply writes an answerless reply with rcode.
func (s *Server) reply(w dns.ResponseWriter, r *dns.Msg, rcode int, udp bool) {
	m := new(dns.Msg)
	m.SetRcode(r, rcode)
	m.RecursionAvailable = true
	if rcode == dns.RcodeNameError || rcode == dns.RcodeSuccess {
		m.Authoritative = true
	}
	s.write(w, r, m, udp)
}

// write sends m, truncated to what the client can receive.
func (s *Server) write(w dns.ResponseWriter, r, m *dns.Msg, udp bool) {
	size := dns.MaxMsgSize
	if udp {
		size = dns.MinMsgSize
		if o := r.IsEdns0(); o != nil {
			size = int(clampUDP(o.UDPSize()))
		}
	}
	m.Truncate(size)  // cheap when it fits: one uncompressed length pass
	_ = w.WriteMsg(m) // the client may be gone; nothing to do about it
}

// hdr is the header of answers to q, echoing the question's case.
func (s *Server) hdr(q dns.Question) dns.RR_Header {
	return dns.RR_Header{Name: q.Name, Rrtype: q.Qtype, Class: dns.ClassINET, Ttl: s.ttl}
}

// clampUDP bounds an EDNS buffer size to [512, 4096].
func clampUDP(n uint16) uint16 {
	return min(max(n, dns.MinMsgSize), 4096)
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
