package netstack

import (
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mini-compose/mini-compose/internal/testutil"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

func TestNetNSLifecycle(t *testing.T) {
	testutil.InNewNetNS(t, func() {
		path := filepath.Join(t.TempDir(), "a", "b", "netns")
		for range 2 {
			if err := NewNetNS(path); err != nil {
				t.Fatal(err)
			}
		}
		ns, err := netns.GetFromPath(path)
		if err != nil {
			t.Fatal(err)
		}
		here, _ := netns.Get()
		if ns.Equal(here) {
			t.Fatal("NewNetNS left the caller in the new namespace or pinned the caller's")
		}
		here.Close()
		h, err := netlink.NewHandleAt(ns)
		if err != nil {
			t.Fatal(err)
		}
		lo, err := h.LinkByName("lo")
		h.Close()
		ns.Close()
		if err != nil || lo.Attrs().Flags&net.FlagUp == 0 {
			t.Fatalf("lo inside: %v, %v", lo, err)
		}
		var inside string
		if err := WithNetNS(path, func() error {
			links, err := netlink.LinkList()
			for _, l := range links {
				inside += l.Attrs().Name + " "
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if inside != "lo " {
			t.Fatalf("links inside = %q", inside)
		}
		for range 2 {
			if err := DeleteNetNS(path); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := netns.GetFromPath(path); err == nil {
			t.Fatal("pin still present")
		}
	})
}

func TestBridgeVethConnectivity(t *testing.T) {
	testutil.InNewNetNS(t, func() {
		before := snapshot(t)
		dir := t.TempDir()
		br := BridgeName("p_default")
		for range 2 {
			if err := EnsureBridge(br, mustPrefixT("10.89.0.1/24"), 1400); err != nil {
				t.Fatal(err)
			}
		}
		a := container(t, dir, "p-a-1", br, "10.89.0.2/24", "10.89.0.1")
		b := container(t, dir, "p-b-1", br, "10.89.0.3/24", "10.89.0.1")
		serve(t, a, "10.89.0.2:8080")
		mustReach(t, b, "10.89.0.2:8080", "10.89.0.3")
		mustReach(t, "", "10.89.0.2:8080", "10.89.0.1")

		var routes, mtu string
		if err := WithNetNS(b, func() error {
			eth, err := netlink.LinkByName("eth0")
			if err != nil {
				return err
			}
			mtu = eth.Attrs().Flags.String() + " " + itoa(eth.Attrs().MTU)
			rs, err := netlink.RouteList(eth, netlink.FAMILY_V4)
			for _, r := range rs {
				routes += r.String() + ";"
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(routes, "Gw: 10.89.0.1") || !strings.Contains(routes, "Dst: 10.89.0.0/24") {
			t.Fatalf("routes in container: %s", routes)
		}
		if !strings.HasSuffix(mtu, " 1400") || !strings.Contains(mtu, "up") {
			t.Fatalf("eth0 flags/mtu = %s", mtu)
		}
		var mac string
		_ = WithNetNS(a, func() error {
			eth, err := netlink.LinkByName("eth0")
			if err == nil {
				mac = eth.Attrs().HardwareAddr.String()
			}
			return err
		})
		if mac != "02:42:0a:59:00:02" {
			t.Fatalf("eth0 MAC = %q, want 02:42:0a:59:00:02", mac)
		}
		host, err := netlink.LinkByName(VethName("p-a-1", br))
		if err != nil || host.Attrs().MasterIndex == 0 {
			t.Fatalf("host veth: %v, %v", host, err)
		}
		// Re-attaching replaces the old veth instead of failing.
		if err := AttachVeth(Attachment{Bridge: br, HostIf: VethName("p-a-1", br), NetNS: a, IfName: "eth0",
			Addr: mustPrefixT("10.89.0.2/24"), Gateway: mustAddrT("10.89.0.1"), DefaultRoute: true}); err != nil {
			t.Fatal(err)
		}
		mustReach(t, b, "10.89.0.2:8080", "10.89.0.3")

		for _, id := range []string{"p-a-1", "p-b-1", "p-a-1"} {
			if err := DetachVeth(VethName(id, br)); err != nil {
				t.Fatal(err)
			}
		}
		for range 2 {
			if err := DeleteBridge(br); err != nil {
				t.Fatal(err)
			}
		}
		if after := snapshot(t); after != before {
			t.Fatalf("state changed:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	})
}

func TestAttachVethUndoesOnError(t *testing.T) {
	testutil.InNewNetNS(t, func() {
		br := BridgeName("undo")
		if err := EnsureBridge(br, mustPrefixT("10.89.9.1/24"), 0); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "netns")
		if err := NewNetNS(path); err != nil {
			t.Fatal(err)
		}
		defer DeleteNetNS(path)
		// The gateway is unreachable from the address: the route fails.
		err := AttachVeth(Attachment{Bridge: br, HostIf: "mv-undo", NetNS: path, IfName: "eth0",
			Addr: mustPrefixT("10.89.9.2/24"), Gateway: mustAddrT("192.0.2.1"), DefaultRoute: true})
		if err == nil {
			t.Fatal("AttachVeth with an unreachable gateway succeeded")
		}
		if _, err := netlink.LinkByName("mv-undo"); !isNotFound(err) {
			t.Fatalf("host veth left behind: %v", err)
		}
		if err := AttachVeth(Attachment{Bridge: "mc-missing", HostIf: "mv-x", NetNS: path, IfName: "eth0",
			Addr: mustPrefixT("10.89.9.2/24")}); err == nil {
			t.Fatal("attach to a missing bridge succeeded")
		}
	})
}

// The bridge keeps its own MAC while ports come and go, so that containers'
// ARP entries for the gateway never go stale (a scale-down once stalled DNS).
func TestBridgeMACIsStable(t *testing.T) {
	testutil.InNewNetNS(t, func() {
		dir := t.TempDir()
		br := BridgeName("p_mac")
		if err := EnsureBridge(br, mustPrefixT("10.89.7.1/24"), 0); err != nil {
			t.Fatal(err)
		}
		mac := func() string {
			l, err := netlink.LinkByName(br)
			if err != nil {
				t.Fatal(err)
			}
			return l.Attrs().HardwareAddr.String()
		}
		want := bridgeMAC(br).String()
		if got := mac(); got != want {
			t.Fatalf("bridge MAC = %s, want %s", got, want)
		}
		a := container(t, dir, "p-a-1", br, "10.89.7.2/24", "10.89.7.1")
		container(t, dir, "p-b-1", br, "10.89.7.3/24", "10.89.7.1")
		if got := mac(); got != want {
			t.Fatalf("bridge MAC with ports = %s, want %s", got, want)
		}
		if err := DeleteNetNS(a); err != nil {
			t.Fatal(err)
		}
		if err := DetachVeth(VethName("p-a-1", br)); err != nil {
			t.Fatal(err)
		}
		if got := mac(); got != want {
			t.Fatalf("bridge MAC after a port left = %s, want %s", got, want)
		}
	})
}
