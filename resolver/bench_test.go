package resolver

import (
	"fmt"
	"net"
	"testing"

	"github.com/miekg/dns"
)

// packWriter packs replies like the real server does and drops them.
type packWriter struct {
	remote net.Addr
	buf    []byte
}

func (w *packWriter) LocalAddr() net.Addr  { return w.remote }
func (w *packWriter) RemoteAddr() net.Addr { return w.remote }
func (w *packWriter) WriteMsg(m *dns.Msg) error {
	b, err := m.PackBuffer(w.buf)
	w.buf = b
	return err
}
func (w *packWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *packWriter) Close() error                { return nil }
func (w *packWriter) TsigStatus() error           { return nil }
func (w *packWriter) TsigTimersOnly(bool)         {}
func (w *packWriter) Hijack()                     {}

// BenchmarkServeDNSLocal measures the handler alone (no sockets) for a
// container name, with n containers in 10-replica services on one network.
func BenchmarkServeDNSLocal(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := New(Config{ResolvConf: "/nonexistent", Upstream: &fakeUpstream{}})
			for i := range n {
				id := fmt.Sprintf("bench-svc%d-%d", i/10, i%10)
				s.SetContainer(Client{ID: id}, []Entry{{Network: "bench_default",
					IPv4: ip(fmt.Sprintf("10.100.%d.%d", i/250, 2+i%250)), Names: []string{fmt.Sprintf("svc%d", i/10), id}}})
			}
			w := &packWriter{remote: &net.UDPAddr{IP: net.IPv4(10, 100, 0, 2), Port: 1}}
			q := query(fmt.Sprintf("bench-svc%d-3.", (n-1)/10), dns.TypeA)
			b.ReportAllocs()
			for b.Loop() {
				s.ServeDNS(w, q)
			}
		})
	}
}

// BenchmarkSetContainer measures registering one more container when n
// are registered (the snapshot is rebuilt on every change).
func BenchmarkSetContainer(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := New(Config{ResolvConf: "/nonexistent"})
			for i := range n {
				s.SetContainer(Client{ID: fmt.Sprint(i)}, []Entry{{Network: "n", IPv4: ip(fmt.Sprintf("10.100.%d.%d", i/250, 2+i%250)), Names: []string{"svc", fmt.Sprint("c", i)}}})
			}
			b.ReportAllocs()
			for b.Loop() {
				s.SetContainer(Client{ID: "extra"}, []Entry{{Network: "n", IPv4: ip("10.101.0.2"), Names: []string{"svc", "extra"}}})
			}
		})
	}
}
