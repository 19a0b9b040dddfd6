package netstack

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mini-compose/mini-compose/internal/testutil"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// upstream creates a netns standing for the outside world: joined to the
// test netns by a veth (test side up0 192.0.2.1/24, its side 192.0.2.2/24),
// with 198.51.100.1 on its lo, a default route of the test netns through
// it, and no route back to container subnets. It serves on :9000.
func upstream(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "upstream")
	if err := NewNetNS(path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = DeleteNetNS(path) })
	ns, err := netns.GetFromPath(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	attrs := netlink.NewLinkAttrs()
	attrs.Name = "up0"
	if err := netlink.LinkAdd(&netlink.Veth{LinkAttrs: attrs, PeerName: "eth0", PeerNamespace: netlink.NsFd(ns)}); err != nil {
		t.Fatal(err)
	}
	up0, _ := netlink.LinkByName("up0")
	must(t, netlink.AddrAdd(up0, &netlink.Addr{IPNet: prefixNet(mustPrefixT("192.0.2.1/24"))}))
	must(t, netlink.LinkSetUp(up0))
	must(t, netlink.RouteAdd(&netlink.Route{LinkIndex: up0.Attrs().Index, Gw: mustAddrT("192.0.2.2").AsSlice()}))
	must(t, WithNetNS(path, func() error {
		eth, err := netlink.LinkByName("eth0")
		if err != nil {
			return err
		}
		lo, _ := netlink.LinkByName("lo")
		if err := netlink.AddrAdd(eth, &netlink.Addr{IPNet: prefixNet(mustPrefixT("192.0.2.2/24"))}); err != nil {
			return err
		}
		if err := netlink.AddrAdd(lo, &netlink.Addr{IPNet: prefixNet(mustPrefixT("198.51.100.1/32"))}); err != nil {
			return err
		}
		return netlink.LinkSetUp(eth)
	}))
	serve(t, path, ":9000")
	return path
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func bridge(t *testing.T, network, gw string) string {
	t.Helper()
	br := BridgeName(network)
	must(t, EnsureBridge(br, mustPrefixT(gw), 0))
	return br
}

func apply(t *testing.T, r Rules) {
	t.Helper()
	for range 2 { // idempotent
		must(t, ApplyRules(r))
	}
}

func remove(t *testing.T, project string) {
	t.Helper()
	for range 2 {
		must(t, DeleteRules(project))
	}
}

func TestOutboundMasqueradeAndInternal(t *testing.T) {
	testutil.InNewNetNS(t, func() {
		dir := t.TempDir()
		upstream(t)
		br := bridge(t, "m_default", "10.89.0.1/24")
		ibr := bridge(t, "m_internal", "10.89.1.1/24")
		a := container(t, dir, "m-a-1", br, "10.89.0.2/24", "10.89.0.1")
		i := container(t, dir, "m-i-1", ibr, "10.89.1.2/24", "10.89.1.1")
		serve(t, a, ":8080")
		must(t, writeSysctl("net/ipv4/ip_forward", "1"))
		// Without masquerade the upstream has no route back.
		mustNotReach(t, a, "198.51.100.1:9000")
		mustReach(t, "", "198.51.100.1:9000", "192.0.2.1")

		apply(t, Rules{Project: "m", Networks: []NetRule{
			{Bridge: br, Subnet: mustPrefixT("10.89.0.0/24")},
			{Bridge: ibr, Subnet: mustPrefixT("10.89.1.0/24"), Internal: true},
		}})
		mustReach(t, a, "198.51.100.1:9000", "192.0.2.1")
		mustNotReach(t, i, "198.51.100.1:9000")
		mustNotReach(t, i, "192.0.2.2:9000")
		mustNotReach(t, i, "10.89.0.2:8080") // internal and isolated
		// The gateway (host) stays reachable from an internal network (DNS).
		serve(t, "", "10.89.1.1:5300")
		mustReach(t, i, "10.89.1.1:5300", "10.89.1.2")
		remove(t, "m")
		mustNotReach(t, a, "198.51.100.1:9000")
	})
}

func TestPublishedPorts(t *testing.T) {
	testutil.InNewNetNS(t, func() {
		dir := t.TempDir()
		up := upstream(t) // its listener keeps it (and up0) alive until Cleanup
		addLocal(t, "ext0", "198.18.0.1/32")
		before := snapshot(t)
		br := bridge(t, "pp_default", "10.89.0.1/24")
		br2 := bridge(t, "pp_back", "10.89.1.1/24")
		a := container(t, dir, "pp-a-1", br, "10.89.0.2/24", "10.89.0.1")
		b := container(t, dir, "pp-b-1", br, "10.89.0.3/24", "10.89.0.1")
		c := container(t, dir, "pp-c-1", br2, "10.89.1.2/24", "10.89.1.1")
		serve(t, a, ":80")
		serveUDP(t, a, ":53")
		ip := mustAddrT("10.89.0.2")
		apply(t, Rules{Project: "pp",
			Networks: []NetRule{
				{Bridge: br, Subnet: mustPrefixT("10.89.0.0/24")},
				{Bridge: br2, Subnet: mustPrefixT("10.89.1.0/24")},
			},
			Ports: []PortRule{
				{HostPort: 18080, Proto: "tcp", Bridge: br, ContainerIP: ip, ContainerPort: 80},
				{HostPort: 18053, Proto: "udp", Bridge: br, ContainerIP: ip, ContainerPort: 53},
				{HostIP: mustAddrT("127.0.0.1"), HostPort: 18081, Proto: "tcp", Bridge: br, ContainerIP: ip, ContainerPort: 80},
			}})
		mustReach(t, "", "127.0.0.1:18080", "10.89.0.1")   // localhost, masqueraded
		mustReach(t, "", "198.18.0.1:18080", "198.18.0.1") // another local address
		mustReach(t, "", "192.0.2.1:18080", "192.0.2.1")
		mustReach(t, up, "192.0.2.1:18080", "192.0.2.2") // from outside: source kept
		mustReach(t, b, "198.18.0.1:18080", "10.89.0.1") // hairpin, masqueraded
		mustReach(t, c, "198.18.0.1:18080", "10.89.0.1") // other bridge: published is public; masqueraded as by Docker
		mustNotReach(t, c, "10.89.0.2:80")               // but not the container itself
		mustReach(t, "", "127.0.0.1:18081", "10.89.0.1")
		if got, err := askUDP("192.0.2.1:18053"); err != nil || got != "192.0.2.1" {
			t.Fatalf("udp published port: %q, %v", got, err)
		}
		mustNotReach(t, "", "198.18.0.1:18081") // bound to 127.0.0.1 only
		mustNotReach(t, up, "192.0.2.1:18081")

		remove(t, "pp")
		mustNotReach(t, "", "127.0.0.1:18080")
		mustNotReach(t, up, "192.0.2.1:18080")
		for _, id := range []string{"pp-a-1", "pp-b-1"} {
			must(t, DetachVeth(VethName(id, br)))
		}
		must(t, DetachVeth(VethName("pp-c-1", br2)))
		for _, p := range []string{a, b, c} {
			must(t, DeleteNetNS(p))
		}
		for _, x := range []string{br, br2} {
			must(t, DeleteBridge(x))
		}
		if after := snapshot(t); after != before {
			t.Fatalf("state changed:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	})
}

func TestIsolationBetweenBridges(t *testing.T) {
	testutil.InNewNetNS(t, func() {
		dir := t.TempDir()
		br1 := bridge(t, "i1_default", "10.89.0.1/24")
		br2 := bridge(t, "i2_default", "10.89.1.1/24")
		a := container(t, dir, "i1-a-1", br1, "10.89.0.2/24", "10.89.0.1")
		c := container(t, dir, "i2-c-1", br2, "10.89.1.2/24", "10.89.1.1")
		serve(t, a, ":8080")
		serve(t, c, ":8080")
		must(t, writeSysctl("net/ipv4/ip_forward", "1"))
		mustReach(t, c, "10.89.0.2:8080", "10.89.1.2") // routed when no rules

		n1 := NetRule{Bridge: br1, Subnet: mustPrefixT("10.89.0.0/24")}
		n2 := NetRule{Bridge: br2, Subnet: mustPrefixT("10.89.1.0/24")}
		apply(t, Rules{Project: "i1", Networks: []NetRule{n1}})
		apply(t, Rules{Project: "i2", Networks: []NetRule{n2}})
		mustNotReach(t, c, "10.89.0.2:8080")
		mustNotReach(t, a, "10.89.1.2:8080")
		remove(t, "i1")
		remove(t, "i2")
		mustReach(t, c, "10.89.0.2:8080", "10.89.1.2")

		apply(t, Rules{Project: "both", Networks: []NetRule{n1, n2}})
		mustNotReach(t, c, "10.89.0.2:8080")
		mustNotReach(t, a, "10.89.1.2:8080")
		remove(t, "both")
	})
}

func TestApplyRulesValidates(t *testing.T) {
	bad := Rules{Project: "", Networks: []NetRule{{Bridge: "", Subnet: netip.Prefix{}}},
		Ports: []PortRule{{HostPort: 0, Proto: "icmp"}}}
	// Validation precedes any kernel change, so this needs no root.
	err := ApplyRules(bad)
	if err == nil {
		t.Fatal("invalid rules accepted")
	}
	for _, want := range []string{"empty project name", `invalid bridge name ""`, `unsupported protocol "icmp"`, "zero port", "container ip"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestApplyRulesSetsSysctls(t *testing.T) {
	testutil.InNewNetNS(t, func() {
		br := bridge(t, "s_default", "10.89.0.1/24")
		must(t, writeSysctl("net/ipv4/ip_forward", "0"))
		apply(t, Rules{Project: "s", Networks: []NetRule{{Bridge: br, Subnet: mustPrefixT("10.89.0.0/24")}}})
		for _, key := range []string{"net/ipv4/ip_forward", "net/ipv4/conf/" + br + "/route_localnet"} {
			b, err := os.ReadFile("/proc/sys/" + key)
			if err != nil || string(b) != "1\n" {
				t.Errorf("%s = %q, %v; want 1", key, b, err)
			}
		}
		remove(t, "s")
	})
}

// A project with hundreds of published ports fits in one batch (the
// kernel's acks once overflowed the default receive buffer: ENOBUFS).
func TestApplyRulesLargeBatch(t *testing.T) {
	testutil.InNewNetNS(t, func() {
		br := bridge(t, "big_default", "10.89.0.1/24")
		r := Rules{Project: "big", Networks: []NetRule{{Bridge: br, Subnet: mustPrefixT("10.89.0.0/24")}}}
		for i := range 400 {
			r.Ports = append(r.Ports, PortRule{HostPort: uint16(20000 + i), Proto: "tcp", Bridge: br,
				ContainerIP: mustAddrT(fmt.Sprintf("10.89.0.%d", 2+i%250)), ContainerPort: 80})
		}
		apply(t, r)
		remove(t, "big")
	})
}

func TestIPAMReadsNetnsRoutes(t *testing.T) {
	testutil.InNewNetNS(t, func() {
		addLocal(t, "lan0", "10.89.0.1/23") // a route for 10.89.0.0/23 in this netns
		a, err := OpenIPAM(t.TempDir(), testPools, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.Allocate("n", nil)
		if err != nil || got.String() != "10.89.2.0/24" {
			t.Fatalf("Allocate = %s, %v; want 10.89.2.0/24", got, err)
		}
	})
}
