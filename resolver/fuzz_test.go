package resolver

import (
	"net"
	"testing"

	"github.com/miekg/dns"
)

// FuzzServeDNS feeds arbitrary wire messages to the handler, from a
// registered container and from a stranger, over UDP and TCP: it must
// answer exactly once with the query's id, with a packable reply that fits
// the client's buffer, and never forward for a stranger.
func FuzzServeDNS(f *testing.F) {
	seeds := []*dns.Msg{
		query("web.", dns.TypeA),
		query("WEB.p_default.", dns.TypeAAAA),
		query("db-link.", dns.TypeA),
		query("2.0.1.10.in-addr.arpa.", dns.TypePTR),
		query("example.com.", dns.TypeMX),
		query("_http._tcp.web.", dns.TypeSRV),
		{},
	}
	edns := query("web.", dns.TypeA)
	edns.SetEdns0(1232, true)
	seeds = append(seeds, edns)
	for _, m := range seeds {
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(0))
		f.Add(b, uint8(3))
	}
	f.Add([]byte{0xde, 0xad, 0xbe, 0xef}, uint8(1))
	s, up := fixture(f)
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		m := new(dns.Msg)
		if err := m.Unpack(data); err != nil {
			return // the dns.Server never hands unparsable packets to the handler
		}
		src := "10.1.0.10"
		if mode&1 == 1 {
			src = "192.0.2.1"
		}
		var remote net.Addr = &net.UDPAddr{IP: net.ParseIP(src), Port: 1}
		if mode&2 == 2 {
			remote = &net.TCPAddr{IP: net.ParseIP(src), Port: 1}
		}
		before := up.count()
		w := &recorder{remote: remote}
		s.ServeDNS(w, m)
		if w.err != nil || len(w.msgs) != 1 {
			t.Fatalf("replies %d, err %v", len(w.msgs), w.err)
		}
		r := w.msgs[0]
		if r.Id != m.Id || !r.Response {
			t.Fatalf("reply id %d response %v, want id %d", r.Id, r.Response, m.Id)
		}
		if mode&1 == 1 && (r.Rcode != dns.RcodeRefused || up.count() != before) {
			t.Fatalf("stranger: rcode %d, forwarded %d", r.Rcode, up.count()-before)
		}
		if mode&2 == 0 {
			size := dns.MinMsgSize
			if o := m.IsEdns0(); o != nil {
				size = int(clampUDP(o.UDPSize()))
			}
			r.Compress = true
			if r.Len() > size {
				t.Fatalf("UDP reply of %d bytes for a %d-byte buffer", r.Len(), size)
			}
		}
	})
}
