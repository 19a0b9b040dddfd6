package e2e

import (
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// lookupAAAA resolves name from inside a service's container and returns
// the IPv6 addresses of the answer.
func (s *stack) lookupAAAA(file, service, name string) []string {
	s.t.Helper()
	out, err := s.run("-f", file, "exec", "-T", service, "nslookup", "-type=aaaa", name)
	if err != nil {
		s.t.Fatalf("nslookup -type=aaaa %s in %s: %v\n%s", name, service, err, out)
	}
	var ips []string
	_, answers, _ := strings.Cut(out, "Name:")
	for _, l := range strings.Split(answers, "\n") {
		if ip, ok := strings.CutPrefix(strings.TrimSpace(l), "Address:"); ok {
			ips = append(ips, strings.TrimSpace(ip))
		}
	}
	return ips
}

// Dual stack: a fixed IPv6 subnet and one from the ULA pool, ipv6_address,
// AAAA records, container to container over IPv6, and a port published on
// the host's IPv6 addresses. ([::1] is not published: IPv6 has no
// route_localnet, see netstack.)
func TestNetworkIPv6DualStack(t *testing.T) {
	s := newStack(t)
	before := snapshot(t, s.root, "netv6")
	file := writeCompose(t, `
name: netv6
services:
  web:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":80"]
    ports: ["18120:80"]
    networks:
      fixed6: {ipv6_address: "fd00:dead:beef::10"}
  client:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":80"]
    networks: [fixed6, auto6]
networks:
  fixed6:
    enable_ipv6: true
    ipam: {config: [{subnet: "fd00:dead:beef::/64"}]}
  auto6: {enable_ipv6: true}
`)
	s.mustRun("-f", file, "up", "-d")
	fixed := s.inspect("netv6_fixed6")
	if fixed.Gateway6 != "fd00:dead:beef::1" || len(fixed.Subnets) != 2 || fixed.Subnets[1] != "fd00:dead:beef::/64" ||
		!strings.Contains(fixed.Subnets[0], ".") {
		t.Fatalf("fixed6: subnets %v gateway6 %q, want an IPv4 subnet then fd00:dead:beef::/64 via ::1", fixed.Subnets, fixed.Gateway6)
	}
	if web := fixed.Containers["netv6-web-1"]; web.IPv6 != "fd00:dead:beef::10" || web.IPv4 == "" {
		t.Errorf("web on fixed6: %+v, want ipv6 fd00:dead:beef::10 and an IPv4 address", web)
	}
	auto := s.inspect("netv6_auto6")
	pool := netip.MustParsePrefix("fd00:6d63::/48")
	if len(auto.Subnets) != 2 {
		t.Fatalf("auto6 subnets %v, want IPv4 + IPv6", auto.Subnets)
	}
	if p, err := netip.ParsePrefix(auto.Subnets[1]); err != nil || p.Bits() != 64 || !pool.Contains(p.Addr()) {
		t.Errorf("auto6 IPv6 subnet %q, want a /64 of %s", auto.Subnets[1], pool)
	}
	cl := auto.Containers["netv6-client-1"]
	if a, err := netip.ParseAddr(cl.IPv6); err != nil || !pool.Contains(a) {
		t.Errorf("client on auto6: IPv6 %q not from the pool", cl.IPv6)
	}

	// AAAA by name, then HTTP to that address.
	eventually(t, 10*time.Second, "AAAA of web", func() error {
		if got := s.lookupAAAA(file, "client", "web"); len(got) != 1 || got[0] != "fd00:dead:beef::10" {
			return fmt.Errorf("AAAA web = %v, want [fd00:dead:beef::10]", got)
		}
		return nil
	})
	s.mustReach(file, "client", "http://[fd00:dead:beef::10]/")
	// The client's default route for IPv6 points at its network's gateway.
	out := s.mustRun("-f", file, "exec", "-T", "client", "ip", "-6", "route")
	if !strings.Contains(out, "default via ") {
		t.Errorf("client has no IPv6 default route:\n%s", out)
	}
	// Published on the host's IPv6 addresses (here: the bridge's gateway).
	eventually(t, 10*time.Second, "published port over IPv6", func() error {
		body, err := httpGet("http://[fd00:dead:beef::1]:18120/")
		if err == nil && !strings.HasPrefix(body, "hello from ") {
			err = fmt.Errorf("unexpected body %q", body)
		}
		return err
	})
	// Hairpin over IPv6: a container on the same bridge, through the
	// published port on the host's address.
	s.mustReach(file, "client", "http://[fd00:dead:beef::1]:18120/")
	if ps := s.mustRun("-f", file, "ps", "--format", "json"); !strings.Contains(ps, "fd00:dead:beef::10") {
		t.Errorf("ps does not show web's IPv6 address:\n%s", ps)
	}
	s.mustRun("-f", file, "down")
	assertSame(t, before, s.root, "netv6")
}

// ipam.config: several subnets, ip_range, gateway, aux_addresses; a fixed
// subnet of a network that sorts late is reserved before an automatic one
// is chosen for a network that sorts early.
func TestNetworkIPAMConfig(t *testing.T) {
	s := newStack(t)
	before := snapshot(t, s.root, "netipam")
	file := writeCompose(t, `
name: netipam
services:
  a:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":80"]
    networks: [multi, aauto, zfixed]
  b:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":80"]
    networks:
      multi: {ipv4_address: 172.30.1.200}
networks:
  multi:
    ipam:
      config:
        - subnet: 172.30.1.0/24
          ip_range: 172.30.1.128/25
          gateway: 172.30.1.254
          aux_addresses: {router: 172.30.1.128}
        - subnet: 172.30.2.0/24
  aauto: {}
  zfixed:
    ipam: {config: [{subnet: 10.89.0.0/24}]}
`)
	s.mustRun("-f", file, "up", "-d")
	multi := s.inspect("netipam_multi")
	if multi.Gateway != "172.30.1.254" || strings.Join(multi.Subnets, ",") != "172.30.1.0/24,172.30.2.0/24" {
		t.Errorf("multi: gateway %q subnets %v", multi.Gateway, multi.Subnets)
	}
	// The first address of ip_range, .128, is the aux address.
	if a := multi.Containers["netipam-a-1"].IPv4; a != "172.30.1.129" {
		t.Errorf("a on multi: %q, want 172.30.1.129 (first of ip_range after the aux address)", a)
	}
	if b := multi.Containers["netipam-b-1"].IPv4; b != "172.30.1.200" {
		t.Errorf("b on multi: %q, want 172.30.1.200", b)
	}
	addrs, err := exec.Command("ip", "-o", "addr", "show", "dev", multi.Bridge).CombinedOutput()
	if err != nil || !strings.Contains(string(addrs), "172.30.1.254/24") || !strings.Contains(string(addrs), "172.30.2.1/24") {
		t.Errorf("bridge %s lacks a gateway address: %v\n%s", multi.Bridge, err, addrs)
	}
	if z := s.inspect("netipam_zfixed"); z.Subnet != "10.89.0.0/24" {
		t.Errorf("zfixed subnet %q, want 10.89.0.0/24", z.Subnet)
	}
	auto := netip.MustParsePrefix(s.inspect("netipam_aauto").Subnet)
	if auto.Overlaps(netip.MustParsePrefix("10.89.0.0/24")) || auto.Overlaps(netip.MustParsePrefix("172.30.0.0/16")) {
		t.Errorf("automatic subnet %s overlaps a fixed one", auto)
	}
	s.mustReach(file, "a", "http://b/")
	s.mustRun("-f", file, "down")
	assertSame(t, before, s.root, "netipam")
}
