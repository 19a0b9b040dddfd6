package netstack

import (
	"fmt"
	"net/netip"

	"github.com/vishvananda/netlink"
)

// netlinkRoutes lists the destinations of the IPv4 and IPv6 routes of the main table
// in the calling thread's network namespace (default routes excluded).
func netlinkRoutes() ([]netip.Prefix, error) {
	routes, err := netlink.RouteList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return nil, fmt.Errorf("list routes: %w", err)
	}
	var out []netip.Prefix
	for _, r := range routes {
		if r.Dst == nil {
			continue
		}
		addr, ok := netip.AddrFromSlice(r.Dst.IP)
		if !ok {
			continue
		}
		ones, _ := r.Dst.Mask.Size()
		if p := netip.PrefixFrom(addr.Unmap(), ones); p.Bits() > 0 {
			out = append(out, p.Masked())
		}
	}
	return out, nil
}
