package netstack

import (
	"errors"
	"net"
	"path/filepath"
	"testing"

	"github.com/mini-compose/mini-compose/internal/testutil"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// subContainer makes a netns with a macvlan/ipvlan eth0 on parent.
func subContainer(t *testing.T, dir, id string, a LinkAttachment, addrs ...string) string {
	t.Helper()
	path := filepath.Join(dir, id, "netns")
	must(t, NewNetNS(path))
	t.Cleanup(func() { _ = DeleteNetNS(path) })
	a.NetNS, a.IfName = path, "eth0"
	for _, s := range addrs {
		a.Addrs = append(a.Addrs, pfx(s))
	}
	must(t, AttachLink(a))
	return path
}

func TestMacvlan(t *testing.T) {
	testutil.InNewNetNS(t, func() {
		dir := t.TempDir()
		up := upstream(t)
		upstream6(t, up)
		must(t, EnsureDummy("par0"))
		must(t, EnsureDummy("par0")) // idempotent
		mac := net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}

		// macvlan bridge mode on the uplink: reaches the outside directly
		// (source kept), and a sibling on the same parent.
		mv := LinkAttachment{Driver: "macvlan", Parent: "up0", Gateway: ip("192.0.2.2"), DefaultRoute: true}
		m1 := subContainer(t, dir, "mv1", LinkAttachment{Driver: "macvlan", Parent: "up0", MAC: mac,
			Gateway: ip("192.0.2.2"), Gateway6: ip("2001:db8::2"), DefaultRoute: true}, "192.0.2.10/24", "2001:db8::10/64")
		m2 := subContainer(t, dir, "mv2", mv, "192.0.2.11/24")
		serve(t, m1, ":80")
		mustReach(t, m2, "192.0.2.10:80", "192.0.2.11")
		mustReach(t, m1, "198.51.100.1:9000", "192.0.2.10") // via default route
		mustReach(t, m1, "[2001:db8:ffff::1]:9000", "2001:db8::10")
		checkMAC(t, m1, mac)

		// macvlan private mode: siblings cannot talk.
		pv := LinkAttachment{Driver: "macvlan", Mode: "private", Parent: "par0"}
		p1 := subContainer(t, dir, "pv1", pv, "10.50.0.2/24")
		p2 := subContainer(t, dir, "pv2", pv, "10.50.0.3/24")
		serve(t, p1, ":80")
		mustNotReach(t, p2, "10.50.0.2:80")

		for _, bad := range []LinkAttachment{
			{Driver: "macvlan", Mode: "l2", Parent: "par0"},
			{Driver: "vxlan", Parent: "par0"},
			{Driver: "macvlan", Parent: "missing0"},
		} {
			path := filepath.Join(dir, "bad", "netns")
			must(t, NewNetNS(path))
			bad.NetNS, bad.IfName = path, "eth0"
			if err := AttachLink(bad); err == nil {
				t.Errorf("AttachLink(%+v) accepted", bad)
			}
			must(t, DeleteNetNS(path))
		}
		must(t, DeleteDummy("par0"))
		must(t, DeleteDummy("par0"))
	})
}

func TestIpvlan(t *testing.T) {
	testutil.InNewNetNS(t, func() {
		dir := t.TempDir()
		probe := filepath.Join(dir, "probe")
		must(t, NewNetNS(probe))
		t.Cleanup(func() { _ = DeleteNetNS(probe) })
		must(t, EnsureDummy("par1"))
		err := AttachLink(LinkAttachment{Driver: "ipvlan", Parent: "par1", NetNS: probe, IfName: "eth0"})
		if errors.Is(err, ErrDriverUnsupported) {
			t.Skipf("kernel without ipvlan: %v", err)
		}
		must(t, err)
		if err := AttachLink(LinkAttachment{Driver: "ipvlan", Mode: "bridge", Parent: "par1", NetNS: probe, IfName: "eth1"}); err == nil {
			t.Error("ipvlan mode bridge accepted")
		}
		must(t, DeleteNetNS(probe))
		must(t, EnsureDummy("par2"))
		// ipvlan l2 and l3: siblings talk; l3 routes by device.
		for i, mode := range []string{"l2", "l3"} {
			parent := []string{"par1", "par2"}[i]
			iv := LinkAttachment{Driver: "ipvlan", Mode: mode, Parent: parent, Gateway: ip("10.60.0.1"), DefaultRoute: true}
			a := subContainer(t, dir, "iv-a-"+mode, iv, "10.60.0.2/24")
			b := subContainer(t, dir, "iv-b-"+mode, iv, "10.60.0.3/24")
			serve(t, a, ":80")
			mustReach(t, b, "10.60.0.2:80", "10.60.0.3")
			must(t, DetachLink(b, "eth0"))
			must(t, DetachLink(b, "eth0"))
			mustNotReach(t, b, "10.60.0.2:80")
		}

	})
}

func checkMAC(t *testing.T, path string, want net.HardwareAddr) {
	t.Helper()
	ns, err := netns.GetFromPath(path)
	must(t, err)
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	must(t, err)
	defer h.Close()
	l, err := h.LinkByName("eth0")
	must(t, err)
	if l.Attrs().HardwareAddr.String() != want.String() || l.Type() != "macvlan" {
		t.Fatalf("eth0: %s %s, want macvlan %s", l.Type(), l.Attrs().HardwareAddr, want)
	}
}
