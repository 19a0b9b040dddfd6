package netstack

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mini-compose/mini-compose/internal/testutil"
	"github.com/vishvananda/netlink"
)

// TestSweepAfterCrash leaves what a kill -9 in the middle of `up` leaves
// (bridges, attached veths, a veth whose bridge is gone, a veth of a
// container the state never recorded, the nft table and the iptables
// compat rules, netns pins) and checks that Sweep removes exactly that,
// sparing another project, and can run again.
func TestSweepAfterCrash(t *testing.T) {
	testutil.InNewNetNS(t, func() {
		needBinary(t, "iptables-nft")
		dir := t.TempDir()
		dockerLike(t, false)
		// Another project, which must survive.
		keepBr := bridge(t, "keep_default", "10.89.9.1/24")
		keep := container(t, dir, "keep-a-1", keepBr, "10.89.9.2/24", "10.89.9.1")
		apply(t, Rules{Project: "keep", Networks: []NetRule{{Bridge: keepBr, Subnet: pfx("10.89.9.0/24")}}})
		must(t, EnsureDummy(DummyName("keep_mv")))
		serve(t, keep, ":80")
		before := snapshot(t)

		br1 := dualBridge(t, "cr_default", "10.89.0.1/24", "fd00:6d63:0:1::1/64")
		br2 := bridge(t, "cr_back", "10.89.1.1/24")
		must(t, EnsureBridge("crcustom0", pfx("10.89.3.1/24"), 0))
		container(t, dir, "cr-d-1", "crcustom0", "10.89.3.2/24", "10.89.3.1")
		must(t, EnsureDummy(DummyName("cr_mv")))
		a := container(t, dir, "cr-a-1", br1, "10.89.0.2/24", "10.89.0.1")
		b := container(t, dir, "cr-b-1", br2, "10.89.1.2/24", "10.89.1.1")
		stray := container(t, dir, "cr-unknown-1", br1, "10.89.0.9/24", "10.89.0.1")
		// The engine names veths after the network: VethName(id, network).
		lost := filepath.Join(dir, "cr-c-1", "netns")
		must(t, NewNetNS(lost))
		must(t, AttachVeth(Attachment{Bridge: br2, HostIf: VethName("cr-c-1", "cr_back"), NetNS: lost,
			IfName: "eth0", Addr: pfx("10.89.1.3/24")}))
		// The bridge of cr-c-1's veth was lost (reboot-like): the veth
		// stays, unenslaved.
		lostVeth, err := netlink.LinkByName(VethName("cr-c-1", "cr_back"))
		must(t, err)
		must(t, netlink.LinkSetNoMaster(lostVeth))
		apply(t, Rules{Project: "cr", Networks: []NetRule{
			{Bridge: br1, Subnets: []netip.Prefix{pfx("10.89.0.0/24"), pfx("fd00:6d63:0:1::/64")}},
			{Bridge: br2, Subnet: pfx("10.89.1.0/24")}},
			Ports: []PortRule{{HostPort: 18080, Proto: "tcp", Bridge: br1, ContainerIP: ip("10.89.0.2"), ContainerPort: 80}}})
		if !strings.Contains(run(t, "iptables-nft", "-S", "FORWARD"), "mini-compose:cr") {
			t.Fatal("setup: no compat rules")
		}

		spec := SweepSpec{Project: "cr", Networks: []string{"cr_default", "cr_back", "cr_mv"}, Bridges: []string{"crcustom0"},
			Containers: []string{"cr-a-1", "cr-b-1", "cr-c-1", "cr-never-1"},
			NetNS:      []string{a, b, stray, lost, filepath.Join(dir, "cr-d-1", "netns"), filepath.Join(dir, "never", "netns")}}
		for range 2 {
			must(t, Sweep(spec))
		}
		if after := snapshot(t); after != before {
			t.Fatalf("sweep left or took something:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		mustReach(t, "", "10.89.9.2:80", "10.89.9.1")
	})
}
