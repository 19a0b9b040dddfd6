package engine

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"

	"github.com/mini-compose/mini-compose/netstack"
)

// reattach enslaves the container's host-side veth to the network's bridge
// again (deleting a bridge only releases its ports), or re-creates the veth
// pair when it is gone.
func (e *Engine) reattach(n *NetworkState, c *ContainerState, at AttachState) error {
	br, err := netlink.LinkByName(n.Bridge)
	if err != nil {
		return fmt.Errorf("find bridge %q: %w", n.Bridge, err)
	}
	host, err := netlink.LinkByName(at.HostIf)
	if err == nil {
		if host.Attrs().MasterIndex == br.Attrs().Index {
			return nil
		}
		if err := netlink.LinkSetMaster(host, br); err != nil {
			return fmt.Errorf("set master of %q: %w", at.HostIf, err)
		}
		return netlink.LinkSetUp(host)
	}
	mac, _ := net.ParseMAC(at.MAC)
	a := netstack.Attachment{Bridge: n.Bridge, HostIf: at.HostIf, NetNS: c.NetNS,
		IfName: at.IfName, Addr: netip.PrefixFrom(at.IP, n.Subnet.Bits()), Gateway: n.Gateway,
		Gateway6: n.Gateway6, DefaultRoute: at.Default, MAC: mac, MTU: n.MTU}
	if at.IPv6.IsValid() {
		a.Addrs = []netip.Prefix{netip.PrefixFrom(at.IPv6, n.bits(at.IPv6))}
	}
	return netstack.AttachVeth(a)
}
