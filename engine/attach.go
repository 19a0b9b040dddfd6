package engine

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/mini-compose/mini-compose/netstack"
)

// attachWants are the addresses a service asks for on one network.
type attachWants struct {
	IPv4, IPv6, MAC string
}

// attach gives the container its addresses on n and plugs an interface
// into its netns; the attachment is appended to c.Networks.
func (e *Engine) attach(c *ContainerState, n *NetworkState, at AttachState, w attachWants) error {
	if err := allocate(e.ipam, c, n, at, w); err != nil {
		return err
	}
	return e.plug(c, n, c.Networks[len(c.Networks)-1])
}

// allocate gives the attachment one address per family of n (the wanted
// ones if set) and a MAC from ipam, and appends it to c.Networks.
func allocate(ipam *netstack.IPAM, c *ContainerState, n *NetworkState, at AttachState, w attachWants) error {
	var wants []netip.Addr
	for _, s := range []struct{ key, v string }{{"ipv4_address", w.IPv4}, {"ipv6_address", w.IPv6}} {
		if s.v == "" {
			continue
		}
		a, err := netip.ParseAddr(s.v)
		if err != nil {
			return fmt.Errorf("%s: %w", s.key, err)
		}
		if s.key == "ipv6_address" && !hasIPv6(n) {
			return fmt.Errorf("ipv6_address %s: network %q has no IPv6 subnet (set enable_ipv6: true)", a, n.Name)
		}
		wants = append(wants, a)
	}
	addrs, err := ipam.AllocateIPs(n.Name, c.Name, wants...)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		if a.Addr().Is4() && !at.IP.IsValid() {
			at.IP = a.Addr()
		} else if a.Addr().Is6() && !at.IPv6.IsValid() {
			at.IPv6 = a.Addr()
		}
	}
	hw, err := macOf(w.MAC, at.IP)
	if err != nil {
		// Not in c.Networks yet, so removeContainer would not release it.
		_ = ipam.ReleaseIP(n.Name, c.Name)
		return err
	}
	at.MAC = hw.String()
	if !n.isBridge() {
		at.HostIf = "" // the link lives in the container's netns only
	}
	c.Networks = append(c.Networks, at)
	return nil
}

func hasIPv6(n *NetworkState) bool {
	for _, g := range n.Gateways {
		if g.Addr().Is6() {
			return true
		}
	}
	return false
}

// plug creates the attachment's interface in the container's netns: a veth
// whose host side joins the bridge, or a macvlan/ipvlan link on the parent.
func (e *Engine) plug(c *ContainerState, n *NetworkState, at AttachState) error {
	hw, err := net.ParseMAC(at.MAC)
	if err != nil {
		return err
	}
	v4 := netip.PrefixFrom(at.IP, n.Subnet.Bits())
	var more []netip.Prefix
	if at.IPv6.IsValid() {
		more = append(more, netip.PrefixFrom(at.IPv6, n.bits(at.IPv6)))
	}
	if !n.isBridge() {
		parent := n.Parent
		if parent == "" {
			parent = netstack.DummyName(n.Name)
		}
		err := netstack.AttachLink(netstack.LinkAttachment{Driver: n.Driver, Mode: n.Mode, Parent: parent,
			NetNS: c.NetNS, IfName: at.IfName, Addrs: append([]netip.Prefix{v4}, more...),
			Gateway: n.Gateway, Gateway6: n.Gateway6, DefaultRoute: at.Default, MAC: hw, MTU: n.MTU})
		if errors.Is(err, netstack.ErrDriverUnsupported) {
			return fmt.Errorf("%s is not supported by this kernel: %w", n.Driver, err)
		}
		return err
	}
	return netstack.AttachVeth(netstack.Attachment{Bridge: n.Bridge, HostIf: at.HostIf, NetNS: c.NetNS,
		IfName: at.IfName, Addr: v4, Addrs: more, Gateway: n.Gateway, Gateway6: n.Gateway6,
		DefaultRoute: at.Default, MAC: hw, MTU: n.MTU})
}

// detachNet unplugs a container's interface on n and frees its addresses.
func (e *Engine) detachNet(c *ContainerState, n *NetworkState, at AttachState) error {
	var err error
	if n != nil && !n.isBridge() {
		err = netstack.DetachLink(c.NetNS, at.IfName)
	} else if at.HostIf != "" {
		err = netstack.DetachVeth(at.HostIf)
	}
	return errors.Join(err, e.ipam.ReleaseIP(at.Network, c.Name))
}

// macOf parses mac_address, or derives Docker's 02:42 + IPv4 address.
func macOf(mac string, ip netip.Addr) (net.HardwareAddr, error) {
	if mac != "" {
		hw, err := net.ParseMAC(mac)
		if err != nil || len(hw) != 6 {
			return nil, fmt.Errorf("mac_address %q: not an Ethernet MAC address", mac)
		}
		if hw[0]&1 != 0 {
			return nil, fmt.Errorf("mac_address %q: a multicast address", mac)
		}
		return hw, nil
	}
	a := ip.As4()
	return net.HardwareAddr{0x02, 0x42, a[0], a[1], a[2], a[3]}, nil
}
