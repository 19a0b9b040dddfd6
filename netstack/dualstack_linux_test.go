package netstack

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mini-compose/mini-compose/internal/testutil"
	"github.com/vishvananda/netlink"
)

// upstream6 adds IPv6 to the link made by upstream: 2001:db8::1/64 here,
// 2001:db8::2/64 there, 2001:db8:ffff::1 on its lo, and a default IPv6
// route of the test netns through it.
func upstream6(t *testing.T, up string) {
	t.Helper()
	up0, err := netlink.LinkByName("up0")
	must(t, err)
	must(t, netlink.AddrAdd(up0, addrOf(pfx("2001:db8::1/64"))))
	must(t, netlink.RouteAdd(&netlink.Route{LinkIndex: up0.Attrs().Index, Gw: ip("2001:db8::2").AsSlice()}))
	must(t, WithNetNS(up, func() error {
		eth, _ := netlink.LinkByName("eth0")
		lo, _ := netlink.LinkByName("lo")
		if err := netlink.AddrAdd(eth, addrOf(pfx("2001:db8::2/64"))); err != nil {
			return err
		}
		return netlink.AddrAdd(lo, addrOf(pfx("2001:db8:ffff::1/128")))
	}))
}

// container6 is container with an IPv6 address and default route as well.
func container6(t *testing.T, dir, id, bridge, addr, gw, addr6, gw6 string) string {
	t.Helper()
	path := filepath.Join(dir, id, "netns")
	must(t, NewNetNS(path))
	t.Cleanup(func() { _ = DeleteNetNS(path) })
	must(t, AttachVeth(Attachment{
		Bridge: bridge, HostIf: VethName(id, bridge), NetNS: path, IfName: "eth0",
		Addr: pfx(addr), Addrs: []netip.Prefix{pfx(addr6)}, Gateway: ip(gw), Gateway6: ip(gw6), DefaultRoute: true,
	}))
	return path
}

func dualBridge(t *testing.T, network string, gws ...string) string {
	t.Helper()
	br := BridgeName(network)
	var ps []netip.Prefix
	for _, g := range gws {
		ps = append(ps, pfx(g))
	}
	for range 2 {
		must(t, EnsureBridgeAddrs(br, ps, 0))
	}
	return br
}

func TestDualStack(t *testing.T) {
	testutil.InNewNetNS(t, func() {
		dir := t.TempDir()
		up := upstream(t)
		upstream6(t, up)
		must(t, writeSysctl("net/ipv6/conf/up0/accept_ra", "1"))
		br := dualBridge(t, "d6_default", "10.89.0.1/24", "fd00:6d63:0:1::1/64")
		ibr := dualBridge(t, "d6_internal", "10.89.1.1/24", "fd00:6d63:0:2::1/64")
		obr := dualBridge(t, "d6_other", "10.89.2.1/24", "fd00:6d63:0:3::1/64")
		a := container6(t, dir, "d6-a-1", br, "10.89.0.2/24", "10.89.0.1", "fd00:6d63:0:1::2/64", "fd00:6d63:0:1::1")
		b := container6(t, dir, "d6-b-1", br, "10.89.0.3/24", "10.89.0.1", "fd00:6d63:0:1::3/64", "fd00:6d63:0:1::1")
		i := container6(t, dir, "d6-i-1", ibr, "10.89.1.2/24", "10.89.1.1", "fd00:6d63:0:2::2/64", "fd00:6d63:0:2::1")
		o := container6(t, dir, "d6-o-1", obr, "10.89.2.2/24", "10.89.2.1", "fd00:6d63:0:3::2/64", "fd00:6d63:0:3::1")
		serve(t, a, ":80")
		serve(t, a, ":81")
		serve(t, o, ":80")
		mustReach(t, b, "[fd00:6d63:0:1::2]:80", "fd00:6d63:0:1::3")
		mustReach(t, "", "[fd00:6d63:0:1::2]:80", "fd00:6d63:0:1::1")

		a4, a6 := ip("10.89.0.2"), ip("fd00:6d63:0:1::2")
		apply(t, Rules{Project: "d6",
			Networks: []NetRule{
				{Bridge: br, Subnet: pfx("10.89.0.0/24"), Subnets: []netip.Prefix{pfx("fd00:6d63:0:1::/64")}},
				{Bridge: ibr, Subnets: []netip.Prefix{pfx("10.89.1.0/24"), pfx("fd00:6d63:0:2::/64")}, Internal: true},
				{Bridge: obr, Subnet: pfx("10.89.2.0/24"), Subnets: []netip.Prefix{pfx("fd00:6d63:0:3::/64")}},
			},
			Ports: []PortRule{
				{HostPort: 18080, Proto: "tcp", Bridge: br, ContainerIP: a4, ContainerPort: 80},
				{HostPort: 18080, Proto: "tcp", Bridge: br, ContainerIP: a6, ContainerPort: 80},
				{HostIP: ip("2001:db8::1"), HostPort: 18100, HostPortEnd: 18101, Proto: "tcp", Bridge: br, ContainerIP: a6, ContainerPort: 81},
				{HostIP: ip("192.0.2.1"), HostPort: 18100, HostPortEnd: 18101, Proto: "tcp", Bridge: br, ContainerIP: a4, ContainerPort: 81},
			}})
		for key, want := range map[string]string{"net/ipv6/conf/all/forwarding": "1", "net/ipv6/conf/up0/accept_ra": "2"} {
			if b, _ := os.ReadFile("/proc/sys/" + key); strings.TrimSpace(string(b)) != want {
				t.Errorf("%s = %q, want %s", key, b, want)
			}
		}
		mustReach(t, a, "[2001:db8:ffff::1]:9000", "2001:db8::1") // masqueraded out
		mustReach(t, up, "[2001:db8::1]:18080", "2001:db8::2")    // published, source kept
		mustReach(t, up, "192.0.2.1:18080", "192.0.2.2")
		mustReach(t, "", "[2001:db8::1]:18080", "2001:db8::1")
		mustReach(t, b, "[2001:db8::1]:18080", "fd00:6d63:0:1::1") // hairpin
		mustReach(t, o, "[2001:db8::1]:18080", "fd00:6d63:0:1::1") // published is public
		// Range 18100-18101 -> 81-82: only 81 has a server.
		mustReach(t, up, "[2001:db8::1]:18100", "2001:db8::2")
		mustReach(t, up, "192.0.2.1:18100", "192.0.2.2")
		mustNotReach(t, up, "[2001:db8::1]:18101")
		mustNotReach(t, up, "192.0.2.1:18101")
		mustNotReach(t, up, "192.0.2.1:18102")
		mustNotReach(t, "", "[::1]:18080")               // no route_localnet in IPv6
		mustNotReach(t, o, "[fd00:6d63:0:1::2]:80")      // isolated
		mustNotReach(t, a, "[fd00:6d63:0:3::2]:80")      // both ways
		mustNotReach(t, i, "[2001:db8:ffff::1]:9000")    // internal
		mustNotReach(t, i, "[fd00:6d63:0:1::2]:80")      // internal
		mustReach(t, "", "127.0.0.1:18080", "10.89.0.1") // IPv4 unchanged
		mustReach(t, b, "192.0.2.1:18100", "10.89.0.1")  // IPv4 range hairpin
		remove(t, "d6")
		mustNotReach(t, a, "[2001:db8:ffff::1]:9000")
		mustNotReach(t, up, "[2001:db8::1]:18080")
	})
}

func TestDockerCoexistenceIPv6(t *testing.T) {
	testutil.InNewNetNS(t, func() {
		needBinary(t, "ip6tables-nft")
		dir := t.TempDir()
		run(t, "ip6tables-nft", "-P", "FORWARD", "DROP")
		const knob = "/proc/sys/net/bridge/bridge-nf-call-ip6tables"
		if _, err := os.Stat(knob); err != nil {
			if err := runErr("modprobe", "br_netfilter"); err != nil {
				t.Skipf("br_netfilter unavailable: %v", err)
			}
		}
		must(t, os.WriteFile(knob, []byte("1"), 0o644))
		br := dualBridge(t, "dk6_default", "10.89.0.1/24", "fd00:6d63:0:1::1/64")
		a := container6(t, dir, "dk6-a-1", br, "10.89.0.2/24", "10.89.0.1", "fd00:6d63:0:1::2/64", "fd00:6d63:0:1::1")
		b := container6(t, dir, "dk6-b-1", br, "10.89.0.3/24", "10.89.0.1", "fd00:6d63:0:1::3/64", "fd00:6d63:0:1::1")
		serve(t, a, ":80")
		mustNotReach(t, b, "[fd00:6d63:0:1::2]:80") // dropped by ip6tables FORWARD
		apply(t, Rules{Project: "dk6", Networks: []NetRule{
			{Bridge: br, Subnets: []netip.Prefix{pfx("10.89.0.0/24"), pfx("fd00:6d63:0:1::/64")}}}})
		mustReach(t, b, "[fd00:6d63:0:1::2]:80", "fd00:6d63:0:1::3")
		if got := run(t, "ip6tables-nft", "-S", "FORWARD"); !strings.Contains(got, "-i "+br+` -m comment --comment "mini-compose:dk6" -j ACCEPT`) {
			t.Fatalf("ip6tables FORWARD:\n%s", got)
		}
		remove(t, "dk6")
		mustNotReach(t, b, "[fd00:6d63:0:1::2]:80")
		if got := run(t, "ip6tables-nft", "-S", "FORWARD"); strings.Contains(got, "mini-compose") {
			t.Fatalf("rules left in ip6tables FORWARD:\n%s", got)
		}
	})
}

// TestIsolationCustomBridgeName: a bridge named by
// com.docker.network.bridge.name is isolated from mc- bridges both ways.
func TestIsolationCustomBridgeName(t *testing.T) {
	testutil.InNewNetNS(t, func() {
		dir := t.TempDir()
		must(t, EnsureBridge("custom0", pfx("10.89.5.1/24"), 0))
		br := bridge(t, "ic_default", "10.89.0.1/24")
		a := container(t, dir, "ic-a-1", br, "10.89.0.2/24", "10.89.0.1")
		c := container(t, dir, "ic2-c-1", "custom0", "10.89.5.2/24", "10.89.5.1")
		serve(t, a, ":80")
		serve(t, c, ":80")
		must(t, writeSysctl("net/ipv4/ip_forward", "1"))
		mustReach(t, a, "10.89.5.2:80", "10.89.0.2") // routed without rules
		apply(t, Rules{Project: "ic", Networks: []NetRule{{Bridge: br, Subnet: pfx("10.89.0.0/24")}}})
		apply(t, Rules{Project: "ic2", Networks: []NetRule{{Bridge: "custom0", Subnet: pfx("10.89.5.0/24")}}})
		mustNotReach(t, a, "10.89.5.2:80")
		mustNotReach(t, c, "10.89.0.2:80")
		remove(t, "ic")
		remove(t, "ic2")
	})
}

// TestIsolationCustomBridgeNameUDP: the isolation of a custom-named bridge
// (matched by BridgeGroup, not by name) holds for UDP too.
func TestIsolationCustomBridgeNameUDP(t *testing.T) {
	testutil.InNewNetNS(t, func() {
		dir := t.TempDir()
		must(t, EnsureBridge("custom1", pfx("10.89.6.1/24"), 0))
		br := bridge(t, "iu_default", "10.89.0.1/24")
		a := container(t, dir, "iu-a-1", br, "10.89.0.2/24", "10.89.0.1")
		c := container(t, dir, "iu2-c-1", "custom1", "10.89.6.2/24", "10.89.6.1")
		serveUDP(t, c, ":53")
		serveUDP(t, a, ":53")
		must(t, writeSysctl("net/ipv4/ip_forward", "1"))
		ask := func(from, to string) (string, error) {
			var got string
			err := WithNetNS(from, func() (err error) { got, err = askUDP(to); return err })
			return got, err
		}
		// Routed without rules: the test would prove nothing otherwise.
		if got, err := ask(a, "10.89.6.2:53"); err != nil || got != "10.89.0.2" {
			t.Fatalf("udp before rules: %q, %v", got, err)
		}
		apply(t, Rules{Project: "iu", Networks: []NetRule{{Bridge: br, Subnet: pfx("10.89.0.0/24")}}})
		apply(t, Rules{Project: "iu2", Networks: []NetRule{{Bridge: "custom1", Subnet: pfx("10.89.6.0/24")}}})
		if got, err := ask(a, "10.89.6.2:53"); err == nil {
			t.Errorf("udp into the custom bridge got through: %q", got)
		}
		if got, err := ask(c, "10.89.0.2:53"); err == nil {
			t.Errorf("udp from the custom bridge got through: %q", got)
		}
		remove(t, "iu")
		remove(t, "iu2")
	})
}
