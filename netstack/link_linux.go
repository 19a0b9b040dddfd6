package netstack

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"log"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// EnsureBridge creates the bridge if missing, gives it the gateway address
// (e.g. 10.89.0.1/24) and the MTU (when > 0), and sets it up. Calling it
// again is harmless. It is EnsureBridgeAddrs with one address.
func EnsureBridge(name string, gateway netip.Prefix, mtu int) error {
	return EnsureBridgeAddrs(name, []netip.Prefix{gateway}, mtu)
}

// BridgeGroup is the interface group (IFLA_GROUP) of every bridge made by
// EnsureBridge: the isolation rules find the bridges of all projects by it,
// whatever their names (com.docker.network.bridge.name).
const BridgeGroup = 0x6d63

// bridgeMAC is a stable, locally administered unicast MAC for a bridge.
func bridgeMAC(name string) net.HardwareAddr {
	sum := sha256.Sum256([]byte("mini-compose bridge\x00" + name))
	mac := net.HardwareAddr(sum[:6])
	mac[0] = mac[0]&0xfc | 0x02
	return mac
}

// EnsureBridgeAddrs creates the bridge if missing, puts it in BridgeGroup, gives it every gateway
// address of its subnets (IPv4 and IPv6, e.g. 10.89.0.1/24 and
// fd00:6d63:0:1::1/64; IPv6 ones without duplicate address detection, with
// IPv6 enabled on the bridge), sets the MTU (when > 0) and sets it up.
// Calling it again is harmless.
func EnsureBridgeAddrs(name string, gateways []netip.Prefix, mtu int) error {
	link, err := netlink.LinkByName(name)
	if err != nil {
		if !isNotFound(err) {
			return fmt.Errorf("create bridge %q: %w", name, err)
		}
		attrs := netlink.NewLinkAttrs()
		attrs.Name = name
		// A bridge without a MAC of its own takes the lowest of its ports'
		// and changes it when ports come and go; containers' ARP entries for
		// the gateway then go stale and DNS/outbound traffic stalls for
		// seconds. A fixed address (as Docker sets) never changes.
		attrs.HardwareAddr = bridgeMAC(name)
		if mtu > 0 {
			attrs.MTU = mtu
		}
		if err := netlink.LinkAdd(&netlink.Bridge{LinkAttrs: attrs}); err != nil {
			return fmt.Errorf("create bridge %q: %w", name, err)
		}
		if link, err = netlink.LinkByName(name); err != nil {
			return fmt.Errorf("create bridge %q: %w", name, err)
		}
	} else if link.Type() != "bridge" {
		return fmt.Errorf("create bridge %q: link exists with type %q", name, link.Type())
	}
	if mtu > 0 && link.Attrs().MTU != mtu {
		if err := netlink.LinkSetMTU(link, mtu); err != nil {
			return fmt.Errorf("set mtu of bridge %q: %w", name, err)
		}
	}
	if link.Attrs().Group != BridgeGroup {
		if err := netlink.LinkSetGroup(link, BridgeGroup); err != nil {
			return fmt.Errorf("set group of bridge %q: %w", name, err)
		}
	}
	for _, gw := range gateways {
		if gw.Addr().Is6() {
			if err := writeSysctl("net/ipv6/conf/"+name+"/disable_ipv6", "0"); err != nil {
				return fmt.Errorf("enable ipv6 on bridge %q: %w", name, err)
			}
		}
		if err := netlink.AddrReplace(link, addrOf(gw)); err != nil {
			return fmt.Errorf("add address %s to bridge %q: %w", gw, name, err)
		}
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return fmt.Errorf("set bridge %q up: %w", name, err)
	}
	return nil
}

// addrOf is the netlink address of p; IPv6 ones skip duplicate address
// detection, which would hold them "tentative" (unusable) for a second.
func addrOf(p netip.Prefix) *netlink.Addr {
	a := &netlink.Addr{IPNet: prefixNet(p)}
	if p.Addr().Is6() {
		a.Flags = unix.IFA_F_NODAD
	}
	return a
}

// DeleteBridge deletes the bridge; a missing one is not an error.
func DeleteBridge(name string) error {
	return deleteLink(name, "bridge")
}

// DetachVeth deletes a host-side veth (its peer goes with it); a missing
// one is not an error.
func DetachVeth(hostIf string) error {
	return deleteLink(hostIf, "veth")
}

func deleteLink(name, kind string) error {
	link, err := netlink.LinkByName(name)
	if isNotFound(err) {
		return nil
	}
	if err == nil {
		err = netlink.LinkDel(link)
	}
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("delete %s %q: %w", kind, name, err)
	}
	return nil
}

// Attachment describes one container interface: a veth whose host side
// HostIf joins Bridge and whose peer IfName lives in the netns pinned at
// NetNS with address Addr and further addresses Addrs (e.g. the IPv6 one),
// and, if DefaultRoute, default routes via Gateway (IPv4) and Gateway6.
// Either of Addr and Addrs may be empty. MTU defaults to the bridge's; MAC
// defaults to 02:42 followed by the IPv4 address, as Docker does, so a
// re-created container keeps its MAC and its peers' ARP caches stay valid.
type Attachment struct {
	Bridge       string
	HostIf       string
	NetNS        string
	IfName       string
	Addr         netip.Prefix
	Addrs        []netip.Prefix
	Gateway      netip.Addr
	Gateway6     netip.Addr
	DefaultRoute bool
	MAC          net.HardwareAddr
	MTU          int
}

// addrs returns every address of a, Addr first.
func (a Attachment) addrs() []netip.Prefix {
	var out []netip.Prefix
	if a.Addr.IsValid() {
		out = append(out, a.Addr)
	}
	return append(out, a.Addrs...)
}

// AttachVeth creates the veth of a, with the peer born inside the netns
// under its final name, configures both sides and undoes everything on
// error. An existing HostIf is replaced.
func AttachVeth(a Attachment) (retErr error) {
	br, err := netlink.LinkByName(a.Bridge)
	if err != nil {
		return fmt.Errorf("attach veth %q: find bridge %q: %w", a.HostIf, a.Bridge, err)
	}
	ns, err := netns.GetFromPath(a.NetNS)
	if err != nil {
		return fmt.Errorf("attach veth %q: open netns %q: %w", a.HostIf, a.NetNS, err)
	}
	defer ns.Close()
	if err := DetachVeth(a.HostIf); err != nil {
		return fmt.Errorf("attach veth %q: %w", a.HostIf, err)
	}
	attrs := netlink.NewLinkAttrs()
	attrs.Name = a.HostIf
	attrs.MasterIndex = br.Attrs().Index
	attrs.MTU = br.Attrs().MTU
	if a.MTU > 0 {
		attrs.MTU = a.MTU
	}
	veth := &netlink.Veth{
		LinkAttrs:        attrs,
		PeerName:         a.IfName,
		PeerNamespace:    netlink.NsFd(ns),
		PeerHardwareAddr: peerMAC(a),
		PeerMTU:          uint32(attrs.MTU),
	}
	if err := netlink.LinkAdd(veth); err != nil {
		return fmt.Errorf("attach veth %q: create: %w", a.HostIf, err)
	}
	defer func() {
		if retErr != nil {
			if err := DetachVeth(a.HostIf); err != nil {
				log.Printf("undo attach veth %q: %v", a.HostIf, err)
			}
		}
	}()
	if err := configurePeer(ns, a); err != nil {
		return fmt.Errorf("attach veth %q: %w", a.HostIf, err)
	}
	host, err := netlink.LinkByName(a.HostIf)
	if err == nil {
		err = netlink.LinkSetUp(host)
	}
	if err != nil {
		return fmt.Errorf("attach veth %q: set up: %w", a.HostIf, err)
	}
	return nil
}

// configurePeer sets the address, link state and default route of the
// container side through a netlink handle bound to its namespace, so no
// thread has to switch namespaces.
func configurePeer(ns netns.NsHandle, a Attachment) error {
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return fmt.Errorf("open netlink in netns %q: %w", a.NetNS, err)
	}
	defer h.Close()
	peer, err := h.LinkByName(a.IfName)
	if err != nil {
		return fmt.Errorf("find peer %q: %w", a.IfName, err)
	}
	return configureIface(h, peer, a.addrs(), a.DefaultRoute, a.Gateway, a.Gateway6)
}

// configureIface adds the addresses to link, sets it up and, with
// defaultRoute, adds a default route via each valid gateway.
func configureIface(h *netlink.Handle, link netlink.Link, addrs []netip.Prefix, defaultRoute bool, gws ...netip.Addr) error {
	name := link.Attrs().Name
	for _, p := range addrs {
		if err := h.AddrAdd(link, addrOf(p)); err != nil {
			return fmt.Errorf("add address %s to %q: %w", p, name, err)
		}
	}
	if err := h.LinkSetUp(link); err != nil {
		return fmt.Errorf("set %q up: %w", name, err)
	}
	for _, gw := range gws {
		if !defaultRoute || !gw.IsValid() {
			continue
		}
		route := &netlink.Route{LinkIndex: link.Attrs().Index, Gw: net.IP(gw.AsSlice())}
		if gw.Is6() {
			route.Family = netlink.FAMILY_V6
		}
		if err := h.RouteReplace(route); err != nil {
			return fmt.Errorf("add default route via %s: %w", gw, err)
		}
	}
	return nil
}

func peerMAC(a Attachment) net.HardwareAddr {
	if a.MAC != nil || !a.Addr.IsValid() || !a.Addr.Addr().Is4() {
		return a.MAC
	}
	ip := a.Addr.Addr().As4()
	return net.HardwareAddr{0x02, 0x42, ip[0], ip[1], ip[2], ip[3]}
}

func prefixNet(p netip.Prefix) *net.IPNet {
	bits := p.Addr().BitLen()
	return &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), bits)}
}

func isNotFound(err error) bool {
	var lnf netlink.LinkNotFoundError
	return errors.As(err, &lnf) || errors.Is(err, unix.ENODEV)
}
