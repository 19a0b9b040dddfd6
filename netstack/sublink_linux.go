package netstack

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// LinkAttachment describes a macvlan or ipvlan container interface: IfName
// is created on the host interface Parent directly inside the netns pinned
// at NetNS, with addresses Addrs and, if DefaultRoute, default routes via
// Gateway and Gateway6 (ipvlan l3/l3s: default routes through the device,
// as those modes do no neighbour discovery). Mode is macvlan's bridge
// (default), private, vepa or passthru, or ipvlan's l2 (default), l3 or
// l3s. MAC applies to macvlan only; MTU defaults to the parent's.
type LinkAttachment struct {
	Driver       string // "macvlan" or "ipvlan"
	Mode         string
	Parent       string
	NetNS        string
	IfName       string
	Addrs        []netip.Prefix
	Gateway      netip.Addr
	Gateway6     netip.Addr
	DefaultRoute bool
	MAC          net.HardwareAddr
	MTU          int
}

var macvlanModes = map[string]netlink.MacvlanMode{
	"": netlink.MACVLAN_MODE_BRIDGE, "bridge": netlink.MACVLAN_MODE_BRIDGE,
	"private": netlink.MACVLAN_MODE_PRIVATE, "vepa": netlink.MACVLAN_MODE_VEPA,
	"passthru": netlink.MACVLAN_MODE_PASSTHRU,
}

var ipvlanModes = map[string]netlink.IPVlanMode{
	"": netlink.IPVLAN_MODE_L2, "l2": netlink.IPVLAN_MODE_L2,
	"l3": netlink.IPVLAN_MODE_L3, "l3s": netlink.IPVLAN_MODE_L3S,
}

// AttachLink creates the macvlan or ipvlan interface of a inside its netns
// (the link is born there under its final name) and configures it; on
// error nothing is left behind. The interface goes away with the netns, or
// with DetachLink.
func AttachLink(a LinkAttachment) (retErr error) {
	parent, err := netlink.LinkByName(a.Parent)
	if err != nil {
		return fmt.Errorf("attach %s %q: find parent %q: %w", a.Driver, a.IfName, a.Parent, err)
	}
	ns, err := netns.GetFromPath(a.NetNS)
	if err != nil {
		return fmt.Errorf("attach %s %q: open netns %q: %w", a.Driver, a.IfName, a.NetNS, err)
	}
	defer ns.Close()
	attrs := netlink.NewLinkAttrs()
	attrs.Name = a.IfName
	attrs.ParentIndex = parent.Attrs().Index
	attrs.Namespace = netlink.NsFd(ns)
	attrs.MTU = a.MTU
	var link netlink.Link
	l3 := false
	switch a.Driver {
	case "macvlan":
		mode, ok := macvlanModes[a.Mode]
		if !ok {
			return fmt.Errorf("attach macvlan %q: unknown mode %q (want bridge, private, vepa or passthru)", a.IfName, a.Mode)
		}
		attrs.HardwareAddr = a.MAC
		link = &netlink.Macvlan{LinkAttrs: attrs, Mode: mode}
	case "ipvlan":
		mode, ok := ipvlanModes[a.Mode]
		if !ok {
			return fmt.Errorf("attach ipvlan %q: unknown mode %q (want l2, l3 or l3s)", a.IfName, a.Mode)
		}
		l3 = mode != netlink.IPVLAN_MODE_L2
		link = &netlink.IPVlan{LinkAttrs: attrs, Mode: mode}
	default:
		return fmt.Errorf("attach %q: unknown driver %q (want macvlan or ipvlan)", a.IfName, a.Driver)
	}
	if err := netlink.LinkSetUp(parent); err != nil {
		return fmt.Errorf("attach %s %q: set parent %q up: %w", a.Driver, a.IfName, a.Parent, err)
	}
	if err := netlink.LinkAdd(link); err != nil {
		if errors.Is(err, unix.EOPNOTSUPP) {
			err = fmt.Errorf("%w: %w", ErrDriverUnsupported, err)
		}
		return fmt.Errorf("attach %s %q: create on %q: %w", a.Driver, a.IfName, a.Parent, err)
	}
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return fmt.Errorf("attach %s %q: open netlink in netns %q: %w", a.Driver, a.IfName, a.NetNS, err)
	}
	defer h.Close()
	defer func() {
		if retErr != nil {
			if l, err := h.LinkByName(a.IfName); err == nil {
				_ = h.LinkDel(l)
			}
		}
	}()
	inside, err := h.LinkByName(a.IfName)
	if err != nil {
		return fmt.Errorf("attach %s %q: %w", a.Driver, a.IfName, err)
	}
	if !l3 {
		err = configureIface(h, inside, a.Addrs, a.DefaultRoute, a.Gateway, a.Gateway6)
	} else if err = configureIface(h, inside, a.Addrs, false); err == nil && a.DefaultRoute {
		err = deviceDefaultRoutes(h, inside, a.Addrs)
	}
	if err != nil {
		return fmt.Errorf("attach %s %q: %w", a.Driver, a.IfName, err)
	}
	return nil
}

// deviceDefaultRoutes adds `default dev IF` for each family of addrs.
func deviceDefaultRoutes(h *netlink.Handle, link netlink.Link, addrs []netip.Prefix) error {
	done := map[bool]bool{}
	for _, p := range addrs {
		v6 := p.Addr().Is6()
		if done[v6] {
			continue
		}
		done[v6] = true
		dst := netip.MustParsePrefix("0.0.0.0/0")
		if v6 {
			dst = netip.MustParsePrefix("::/0")
		}
		r := &netlink.Route{LinkIndex: link.Attrs().Index, Dst: prefixNet(dst), Scope: netlink.SCOPE_LINK}
		if err := h.RouteReplace(r); err != nil {
			return fmt.Errorf("add default route %s dev %q: %w", dst, link.Attrs().Name, err)
		}
	}
	return nil
}

// DetachLink deletes interface ifName inside the netns pinned at path (for
// `network disconnect`); a missing interface or netns is not an error.
func DetachLink(path, ifName string) error {
	ns, err := netns.GetFromPath(path)
	if err != nil {
		return nil
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return fmt.Errorf("detach %q: open netlink in netns %q: %w", ifName, path, err)
	}
	defer h.Close()
	l, err := h.LinkByName(ifName)
	if err == nil {
		err = h.LinkDel(l)
	}
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("detach %q in netns %q: %w", ifName, path, err)
	}
	return nil
}

// DummyName returns the name of the dummy parent interface of a macvlan or
// ipvlan network declared without a parent: "md-" and 12 hex characters of
// sha256(network).
func DummyName(network string) string { return "md-" + shortHash(network) }

// EnsureDummy creates (if missing) and sets up a dummy interface to serve
// as the parent of a macvlan/ipvlan network without `parent` (Docker does
// the same; such a network is internal). On kernels without the dummy
// driver a bridge without ports stands in. Delete it with DeleteDummy.
func EnsureDummy(name string) error {
	link, err := netlink.LinkByName(name)
	if isNotFound(err) {
		attrs := netlink.NewLinkAttrs()
		attrs.Name = name
		err = netlink.LinkAdd(&netlink.Dummy{LinkAttrs: attrs})
		if errors.Is(err, unix.EOPNOTSUPP) {
			err = netlink.LinkAdd(&netlink.Bridge{LinkAttrs: attrs})
		}
		if err == nil {
			link, err = netlink.LinkByName(name)
		}
	}
	if err == nil {
		err = netlink.LinkSetUp(link)
	}
	if err != nil {
		return fmt.Errorf("create dummy %q: %w", name, err)
	}
	return nil
}

// DeleteDummy deletes a parent made by EnsureDummy; a missing one is not an
// error.
func DeleteDummy(name string) error { return deleteLink(name, "dummy") }

// ErrDriverUnsupported wraps the error of AttachLink when the kernel lacks
// the driver (e.g. built without CONFIG_IPVLAN).
var ErrDriverUnsupported = errors.New("driver not supported by this kernel")
