package resolver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// fixture registers a small project:
//
//	p_default: p-web-1..3 (service web), p-app-1 (links db-link -> web), p-both-1
//	p_back:    p-db-1 (container_name mydb), p-both-1
//	p_int:     p-int-1, p-int-2 (internal: no forwarding)
func fixture(t testing.TB) (*Server, *fakeUpstream) {
	t.Helper()
	up := &fakeUpstream{rcode: dns.RcodeNameError}
	rc := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(rc, []byte("nameserver 192.0.2.53\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := New(Config{ResolvConf: rc, Upstream: up})
	s.SetContainer(Client{ID: "p-web-1"}, []Entry{{Network: "p_default", IPv4: ip("10.1.0.2"), IPv6: ip("fd00:1::2"),
		Names: []string{"web", "p-web-1", "webhost", "www-alias"}}})
	for i := 2; i <= 3; i++ {
		id := fmt.Sprintf("p-web-%d", i)
		s.SetContainer(Client{ID: id}, []Entry{{Network: "p_default", IPv4: ip(fmt.Sprintf("10.1.0.%d", i+1)),
			Names: []string{"web", id}}})
	}
	s.SetContainer(Client{ID: "p-app-1", Links: map[string]string{"db-link": "web"}},
		[]Entry{{Network: "p_default", IPv4: ip("10.1.0.10"), Names: []string{"app", "p-app-1"}}})
	s.SetContainer(Client{ID: "mydb"}, []Entry{{Network: "p_back", IPv4: ip("10.2.0.2"), Names: []string{"db", "mydb"}}})
	s.SetContainer(Client{ID: "p-both-1"}, []Entry{
		{Network: "p_default", IPv4: ip("10.1.0.20"), Names: []string{"both", "p-both-1"}},
		{Network: "p_back", IPv4: ip("10.2.0.20"), Names: []string{"both", "p-both-1"}},
	})
	for i := 1; i <= 2; i++ {
		id := fmt.Sprintf("p-int-%d", i)
		s.SetContainer(Client{ID: id, NoForward: true}, []Entry{{Network: "p_int", IPv4: ip(fmt.Sprintf("10.3.0.%d", i+1)),
			Names: []string{fmt.Sprintf("int%d", i), id}}})
	}
	return s, up
}

func TestNames(t *testing.T) {
	s, up := fixture(t)
	web := []string{"10.1.0.2", "10.1.0.3", "10.1.0.4"}
	tests := []struct {
		name string
		want []string
	}{
		{"web.", web},
		{"web.p_default.", web},
		{"WeB.P_Default.", web},
		{"p-web-2.", []string{"10.1.0.3"}},
		{"p-web-2.p_default.", []string{"10.1.0.3"}},
		{"webhost.", []string{"10.1.0.2"}},
		{"www-alias.", []string{"10.1.0.2"}},
		{"both.", []string{"10.1.0.20"}},
		{"db-link.", web},
		{"db-link.p_default.", web},
		{"DB-LINK.", web},
	}
	for _, tt := range tests {
		r := ask(t, s, "10.1.0.10", tt.name, dns.TypeA, false)
		if r.Rcode != dns.RcodeSuccess || !reflect.DeepEqual(addrs(r), tt.want) {
			t.Errorf("A %s: rcode %d addrs %v, want %v", tt.name, r.Rcode, addrs(r), tt.want)
		}
		for _, rr := range r.Answer {
			if rr.Header().Name != tt.name || rr.Header().Ttl != 5 {
				t.Errorf("A %s: answer header %q ttl %d, want the question's case and ttl 5", tt.name, rr.Header().Name, rr.Header().Ttl)
			}
		}
	}
	if n := up.count(); n != 0 {
		t.Errorf("local names were forwarded %d times", n)
	}
}

func TestShuffle(t *testing.T) {
	s, _ := fixture(t)
	orders := map[string]bool{}
	for range 60 {
		r := ask(t, s, "10.1.0.10", "web.", dns.TypeA, false)
		var o []string
		for _, rr := range r.Answer {
			o = append(o, rr.(*dns.A).A.String())
		}
		orders[strings.Join(o, ",")] = true
	}
	// 60 uniform shuffles of 3 all landing on <= 2 of 6 orders: p < 1e-28.
	if len(orders) < 3 {
		t.Errorf("saw %d distinct orders of web's replicas in 60 answers: %v", len(orders), orders)
	}
}

func TestScoping(t *testing.T) {
	s, up := fixture(t)
	// p-app-1 is on p_default only: db lives on p_back, exactly like a
	// name that does not exist (forwarded, upstream says NXDOMAIN).
	for _, name := range []string{"db.", "mydb.", "db.p_back.", "int1.", "nosuch."} {
		before := up.count()
		r := ask(t, s, "10.1.0.10", name, dns.TypeA, false)
		if r.Rcode != dns.RcodeNameError || len(r.Answer) != 0 || up.count() != before+1 {
			t.Errorf("A %s from p-app-1: rcode %d answers %d forwards %d, want NXDOMAIN from upstream", name, r.Rcode, len(r.Answer), up.count()-before)
		}
	}
	// db-link is p-app-1's alias only.
	if r := ask(t, s, "10.1.0.20", "db-link.", dns.TypeA, false); r.Rcode != dns.RcodeNameError {
		t.Errorf("db-link from p-both-1: rcode %d, want NXDOMAIN", r.Rcode)
	}
	// p-both-1 sees both networks, whichever of its addresses asks.
	for _, src := range []string{"10.1.0.20", "10.2.0.20"} {
		for name, want := range map[string][]string{"db.": {"10.2.0.2"}, "web.": {"10.1.0.2", "10.1.0.3", "10.1.0.4"}} {
			if r := ask(t, s, src, name, dns.TypeA, false); !reflect.DeepEqual(addrs(r), want) {
				t.Errorf("A %s from %s: %v, want %v", name, src, addrs(r), want)
			}
		}
	}
	// Asked by its peers, p-both-1 has one address per shared network.
	if r := ask(t, s, "10.2.0.2", "both.", dns.TypeA, false); !reflect.DeepEqual(addrs(r), []string{"10.2.0.20"}) {
		t.Errorf("both. from mydb: %v, want [10.2.0.20]", addrs(r))
	}
}

func TestInternalNoForward(t *testing.T) {
	s, up := fixture(t)
	if r := ask(t, s, "10.3.0.2", "int2.", dns.TypeA, false); !reflect.DeepEqual(addrs(r), []string{"10.3.0.3"}) {
		t.Errorf("int2. from p-int-1: %v", addrs(r))
	}
	for _, name := range []string{"example.com.", "web."} {
		if r := ask(t, s, "10.3.0.2", name, dns.TypeA, false); r.Rcode != dns.RcodeNameError {
			t.Errorf("A %s from internal: rcode %d, want NXDOMAIN", name, r.Rcode)
		}
	}
	if r := ask(t, s, "10.3.0.2", "int2.", dns.TypeMX, false); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 {
		t.Errorf("MX int2. from internal: rcode %d answers %d, want empty NOERROR", r.Rcode, len(r.Answer))
	}
	if up.count() != 0 {
		t.Errorf("internal container was forwarded %d times", up.count())
	}
}

func TestRecordTypes(t *testing.T) {
	s, up := fixture(t)
	if r := ask(t, s, "10.1.0.10", "p-web-1.", dns.TypeAAAA, false); !reflect.DeepEqual(addrs(r), []string{"fd00:1::2"}) {
		t.Errorf("AAAA p-web-1: %v", addrs(r))
	}
	if r := ask(t, s, "10.1.0.10", "web.", dns.TypeAAAA, false); !reflect.DeepEqual(addrs(r), []string{"fd00:1::2"}) {
		t.Errorf("AAAA web: %v", addrs(r))
	}
	r := ask(t, s, "10.1.0.10", "p-web-2.", dns.TypeAAAA, false)
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 || up.count() != 0 {
		t.Errorf("AAAA of IPv4-only name: rcode %d answers %d forwards %d, want empty NOERROR", r.Rcode, len(r.Answer), up.count())
	}
	for _, tt := range []struct{ addr, want string }{{"10.1.0.3", "p-web-2.p_default."}, {"fd00:1::2", "p-web-1.p_default."}} {
		rev, _ := dns.ReverseAddr(tt.addr)
		r := ask(t, s, "10.1.0.10", strings.ToUpper(rev), dns.TypePTR, false)
		if len(r.Answer) != 1 || r.Answer[0].(*dns.PTR).Ptr != tt.want {
			t.Errorf("PTR %s: %v, want %s", tt.addr, r.Answer, tt.want)
		}
	}
	// PTR of a container on another network is not ours to answer.
	rev, _ := dns.ReverseAddr("10.2.0.2")
	if ask(t, s, "10.1.0.10", rev, dns.TypePTR, false); up.count() != 1 {
		t.Errorf("PTR out of scope: forwards %d, want 1", up.count())
	}
	for _, qt := range []uint16{dns.TypeSRV, dns.TypeMX, dns.TypeTXT} {
		before := up.count()
		ask(t, s, "10.1.0.10", "web.", qt, false)
		if up.count() != before+1 {
			t.Errorf("%s web.: not forwarded", dns.TypeToString[qt])
		}
	}
}

func TestStrangerRefused(t *testing.T) {
	s, up := fixture(t)
	for _, name := range []string{"web.", "example.com."} {
		if r := ask(t, s, "10.1.0.99", name, dns.TypeA, false); r.Rcode != dns.RcodeRefused || len(r.Answer) != 0 {
			t.Errorf("A %s from stranger: rcode %d answers %d, want REFUSED", name, r.Rcode, len(r.Answer))
		}
	}
	if up.count() != 0 {
		t.Errorf("stranger's query was forwarded")
	}
}

func TestMalformedQueries(t *testing.T) {
	s, _ := fixture(t)
	m := new(dns.Msg)
	m.Id = 7
	if r := askMsg(t, s, "10.1.0.10", m, false); r.Rcode != dns.RcodeFormatError {
		t.Errorf("no question: rcode %d, want FORMERR", r.Rcode)
	}
	m.SetQuestion("web.", dns.TypeA)
	m.Opcode = dns.OpcodeUpdate
	if r := askMsg(t, s, "10.1.0.10", m, false); r.Rcode != dns.RcodeNotImplemented {
		t.Errorf("update: rcode %d, want NOTIMP", r.Rcode)
	}
}

func TestUpdates(t *testing.T) {
	s, up := fixture(t)
	// Restart at a new address: the old one is gone at once.
	s.SetContainer(Client{ID: "p-web-2"}, []Entry{{Network: "p_default", IPv4: ip("10.1.0.33"), Names: []string{"web", "p-web-2"}}})
	if r := ask(t, s, "10.1.0.10", "p-web-2.", dns.TypeA, false); !reflect.DeepEqual(addrs(r), []string{"10.1.0.33"}) {
		t.Errorf("after restart: %v", addrs(r))
	}
	if r := ask(t, s, "10.1.0.3", "web.", dns.TypeA, false); r.Rcode != dns.RcodeRefused {
		t.Errorf("old address of a restarted container: rcode %d, want REFUSED", r.Rcode)
	}
	// Scale up, then down.
	s.SetContainer(Client{ID: "p-web-4"}, []Entry{{Network: "p_default", IPv4: ip("10.1.0.5"), Names: []string{"web", "p-web-4"}}})
	if r := ask(t, s, "10.1.0.10", "web.", dns.TypeA, false); len(r.Answer) != 4 {
		t.Errorf("after scale to 4: %v", addrs(r))
	}
	for _, id := range []string{"p-web-4", "p-web-3", "p-web-2"} {
		s.RemoveContainer(id)
	}
	if r := ask(t, s, "10.1.0.10", "web.", dns.TypeA, false); !reflect.DeepEqual(addrs(r), []string{"10.1.0.2"}) {
		t.Errorf("after scale to 1: %v", addrs(r))
	}
	// down: nothing left, nobody may ask.
	for _, id := range []string{"p-web-1", "p-app-1", "mydb", "p-both-1", "p-int-1", "p-int-2", "unknown"} {
		s.RemoveContainer(id)
	}
	if n := len(s.snap.Load().byIP); n != 0 {
		t.Errorf("after down: %d addresses still registered", n)
	}
	if r := ask(t, s, "10.1.0.10", "web.", dns.TypeA, false); r.Rcode != dns.RcodeRefused || up.count() != 0 {
		t.Errorf("after down: rcode %d, want REFUSED", r.Rcode)
	}
}

func TestForwardServers(t *testing.T) {
	s, up := fixture(t)
	s.SetContainer(Client{ID: "dns-svc", Upstreams: []string{"10.9.9.9", "10.9.9.10:5353", "bogus"}},
		[]Entry{{Network: "p_default", IPv4: ip("10.1.0.50"), Names: []string{"dns-svc"}}})
	up.answer = "203.0.113.7"
	up.rcode = dns.RcodeSuccess
	r := ask(t, s, "10.1.0.50", "Example.COM.", dns.TypeA, false)
	if !reflect.DeepEqual(addrs(r), []string{"203.0.113.7"}) || r.Answer[0].Header().Name != "Example.COM." {
		t.Errorf("forwarded answer: %v", r.Answer)
	}
	ask(t, s, "10.1.0.10", "example.com.", dns.TypeA, false)
	want := [][]string{{"10.9.9.9:53", "10.9.9.10:5353"}, {"192.0.2.53:53"}}
	if !reflect.DeepEqual(up.calls, want) {
		t.Errorf("upstream servers %v, want %v", up.calls, want)
	}
}

func TestForwardFailures(t *testing.T) {
	s, up := fixture(t)
	up.err = errors.New("boom")
	if r := ask(t, s, "10.1.0.10", "example.com.", dns.TypeA, false); r.Rcode != dns.RcodeServerFailure {
		t.Errorf("upstream error: rcode %d, want SERVFAIL", r.Rcode)
	}
	blocking := &fakeUpstream{block: true}
	s2 := New(Config{ResolvConf: s.resolv.path, Upstream: blocking, Timeout: 20 * time.Millisecond})
	s2.SetContainer(Client{ID: "c"}, []Entry{{Network: "n", IPv4: ip("10.5.0.2"), Names: []string{"c"}}})
	if r := ask(t, s2, "10.5.0.2", "example.com.", dns.TypeA, false); r.Rcode != dns.RcodeServerFailure {
		t.Errorf("upstream timeout: rcode %d, want SERVFAIL", r.Rcode)
	}
	s3 := New(Config{ResolvConf: filepath.Join(t.TempDir(), "missing"), Upstream: up})
	s3.SetContainer(Client{ID: "c"}, []Entry{{Network: "n", IPv4: ip("10.5.0.2"), Names: []string{"c"}}})
	before := up.count()
	if r := ask(t, s3, "10.5.0.2", "example.com.", dns.TypeA, false); r.Rcode != dns.RcodeServerFailure || up.count() != before {
		t.Errorf("no nameservers: rcode %d, want SERVFAIL without forwarding", r.Rcode)
	}
}

func TestTruncation(t *testing.T) {
	s := New(Config{Upstream: &fakeUpstream{}})
	for i := range 100 {
		s.SetContainer(Client{ID: fmt.Sprintf("big-web-%d", i)}, []Entry{{Network: "big_default",
			IPv4: ip(fmt.Sprintf("10.7.%d.%d", i/200, 2+i%200)), Names: []string{"web"}}})
	}
	udp := ask(t, s, "10.7.0.2", "web.", dns.TypeA, false)
	udp.Compress = true // as sent
	if !udp.Truncated || len(udp.Answer) >= 100 || udp.Len() > dns.MinMsgSize {
		t.Errorf("UDP: truncated %v, %d answers, %d bytes; want TC within 512 bytes", udp.Truncated, len(udp.Answer), udp.Len())
	}
	m := new(dns.Msg)
	m.SetQuestion("web.", dns.TypeA)
	m.SetEdns0(4096, false)
	if r := askMsg(t, s, "10.7.0.2", m, false); r.Truncated || len(r.Answer) != 100 || r.IsEdns0() == nil {
		t.Errorf("UDP with EDNS 4096: truncated %v, %d answers", r.Truncated, len(r.Answer))
	}
	if r := ask(t, s, "10.7.0.2", "web.", dns.TypeA, true); r.Truncated || len(r.Answer) != 100 {
		t.Errorf("TCP: truncated %v, %d answers, want all 100", r.Truncated, len(r.Answer))
	}
}
