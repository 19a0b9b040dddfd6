package netstack

import (
	"errors"
	"fmt"
	"net/netip"
)

// AllocateIP returns the address of owner on network, allocating it on
// first use: want, or the lowest free host address when want is zero (the
// network, gateway and broadcast addresses are never handed out). A wanted
// address held by someone else fails with ErrAddressInUse.
func (a *IPAM) AllocateIP(network, owner string, want netip.Addr) (netip.Addr, error) {
	var out netip.Addr
	err := a.update(func(st *ipamState) (bool, error) {
		n, ok := st.Networks[network]
		if !ok {
			return false, ErrUnknownNetwork
		}
		if have, ok := n.IPs[owner]; ok {
			if want.IsValid() && want != have {
				return false, fmt.Errorf("owner already has %s", have)
			}
			out = have
			return false, nil
		}
		ip, err := n.pickIP(want)
		if err != nil {
			return false, err
		}
		if n.IPs == nil {
			n.IPs = map[string]netip.Addr{}
		}
		n.IPs[owner] = ip
		out = ip
		return true, nil
	})
	if err != nil {
		if want.IsValid() {
			return netip.Addr{}, fmt.Errorf("allocate %s for %q on network %q: %w", want, owner, network, err)
		}
		return netip.Addr{}, fmt.Errorf("allocate address for %q on network %q: %w", owner, network, err)
	}
	return out, nil
}

// ReleaseIP frees the address of owner on network; unknown = nil.
func (a *IPAM) ReleaseIP(network, owner string) error {
	err := a.update(func(st *ipamState) (bool, error) {
		n, ok := st.Networks[network]
		if !ok {
			return false, nil
		}
		_, had := n.IPs[owner]
		delete(n.IPs, owner)
		return had, nil
	})
	if err != nil {
		return fmt.Errorf("release address of %q on network %q: %w", owner, network, err)
	}
	return nil
}

func (n *netAlloc) pickIP(want netip.Addr) (netip.Addr, error) {
	used := map[netip.Addr]bool{n.gateway(): true}
	for _, ip := range n.IPs {
		used[ip] = true
	}
	first := n.Subnet.Masked().Addr()
	last := lastAddr(n.Subnet)
	if want.IsValid() {
		if !n.Subnet.Contains(want) {
			return netip.Addr{}, fmt.Errorf("address outside subnet %s", n.Subnet)
		}
		if want.Is4() && n.Subnet.Bits() < 31 && (want == first || want == last) {
			return netip.Addr{}, fmt.Errorf("network or broadcast address of %s", n.Subnet)
		}
		if used[want] {
			return netip.Addr{}, ErrAddressInUse
		}
		return want, nil
	}
	for ip := first.Next(); ip.IsValid() && ip.Less(last); ip = ip.Next() {
		if !used[ip] {
			return ip, nil
		}
	}
	return netip.Addr{}, errors.New("no free address")
}
