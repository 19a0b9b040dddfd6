package netstack

import (
	"errors"
	"fmt"
	"net/netip"
)

// AllocateIP returns the address of owner on network in the family of want
// (IPv4 when want is zero and the network has IPv4), allocating it on first
// use: want (which must lie in one of the network's subnets), or the lowest
// free address of the first subnet of the family that has one, taken from
// its ip_range when set. The network address, IPv4 broadcast, gateway and
// aux addresses are never handed out. A wanted address held by someone else
// fails with ErrAddressInUse. It is idempotent per owner and family.
func (a *IPAM) AllocateIP(network, owner string, want netip.Addr) (netip.Addr, error) {
	var out netip.Addr
	err := a.update(func(st *ipamState) (bool, error) {
		n, ok := st.Networks[network]
		if !ok {
			return false, ErrUnknownNetwork
		}
		v6 := want.IsValid() && want.Is6()
		if !want.IsValid() && n.first(false) == nil {
			v6 = true
		}
		p, changed, err := n.allocate(owner, v6, want)
		out = p.Addr()
		return changed, err
	})
	if err != nil {
		if want.IsValid() {
			return netip.Addr{}, fmt.Errorf("allocate %s for %q on network %q: %w", want, owner, network, err)
		}
		return netip.Addr{}, fmt.Errorf("allocate address for %q on network %q: %w", owner, network, err)
	}
	return out, nil
}

// AllocateIPs returns the addresses of owner on network, one per address
// family the network has (IPv4 first), each with its subnet's prefix
// length, allocating them on first use as AllocateIP does. wants holds at
// most one wanted address per family (zero addresses are ignored).
func (a *IPAM) AllocateIPs(network, owner string, wants ...netip.Addr) ([]netip.Prefix, error) {
	var out []netip.Prefix
	err := a.update(func(st *ipamState) (bool, error) {
		n, ok := st.Networks[network]
		if !ok {
			return false, ErrUnknownNetwork
		}
		var wanted [2]netip.Addr
		for _, w := range wants {
			if !w.IsValid() {
				continue
			}
			i := 0
			if w.Is6() {
				i = 1
			}
			if wanted[i].IsValid() {
				return false, fmt.Errorf("two wanted addresses of one family: %s, %s", wanted[i], w)
			}
			wanted[i] = w
		}
		changed := false
		for i, v6 := range []bool{false, true} {
			if n.first(v6) == nil {
				if wanted[i].IsValid() {
					return false, fmt.Errorf("address %s: network has no subnet of its family", wanted[i])
				}
				continue
			}
			p, ch, err := n.allocate(owner, v6, wanted[i])
			if err != nil {
				if wanted[i].IsValid() {
					return false, fmt.Errorf("address %s: %w", wanted[i], err)
				}
				return false, err
			}
			changed = changed || ch
			out = append(out, p)
		}
		return changed, nil
	})
	if err != nil {
		return nil, fmt.Errorf("allocate addresses for %q on network %q: %w", owner, network, err)
	}
	return out, nil
}

// ReleaseIP frees the addresses of owner on network; unknown = nil.
func (a *IPAM) ReleaseIP(network, owner string) error {
	err := a.update(func(st *ipamState) (bool, error) {
		n, ok := st.Networks[network]
		if !ok {
			return false, nil
		}
		had := false
		for _, s := range n.Subnets {
			if _, ok := s.IPs[owner]; ok {
				had = true
				delete(s.IPs, owner)
			}
		}
		return had, nil
	})
	if err != nil {
		return fmt.Errorf("release address of %q on network %q: %w", owner, network, err)
	}
	return nil
}

// allocate returns owner's address of the family, allocating it if needed.
func (n *netAlloc) allocate(owner string, v6 bool, want netip.Addr) (netip.Prefix, bool, error) {
	for _, s := range n.Subnets {
		if have, ok := s.IPs[owner]; ok && have.Is6() == v6 {
			if want.IsValid() && want != have {
				return netip.Prefix{}, false, fmt.Errorf("owner already has %s", have)
			}
			return netip.PrefixFrom(have, s.Prefix.Bits()), false, nil
		}
	}
	var errs []error
	for _, s := range n.Subnets {
		if s.Prefix.Addr().Is6() != v6 || (want.IsValid() && !s.Prefix.Contains(want)) {
			continue
		}
		ip, err := s.pickIP(want)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if s.IPs == nil {
			s.IPs = map[string]netip.Addr{}
		}
		s.IPs[owner] = ip
		return netip.PrefixFrom(ip, s.Prefix.Bits()), true, nil
	}
	if len(errs) == 1 && want.IsValid() {
		return netip.Prefix{}, false, errs[0]
	}
	if want.IsValid() {
		return netip.Prefix{}, false, fmt.Errorf("address outside subnet %s", n.primary().Prefix)
	}
	if len(errs) == 0 {
		return netip.Prefix{}, false, errors.New("network has no subnet of this family")
	}
	return netip.Prefix{}, false, errors.New("no free address")
}

func (s *subnetAlloc) pickIP(want netip.Addr) (netip.Addr, error) {
	used := map[netip.Addr]bool{s.Gateway: true}
	for _, ip := range s.Aux {
		used[ip] = true
	}
	for _, ip := range s.IPs {
		used[ip] = true
	}
	if want.IsValid() {
		if s.reservedEdge(want) {
			return netip.Addr{}, fmt.Errorf("network or broadcast address of %s", s.Prefix)
		}
		if used[want] {
			return netip.Addr{}, ErrAddressInUse
		}
		return want, nil
	}
	r := s.Prefix
	if s.Range.IsValid() {
		r = s.Range
	}
	for ip := r.Masked().Addr(); ip.IsValid() && r.Contains(ip); ip = ip.Next() {
		if !used[ip] && !s.reservedEdge(ip) {
			return ip, nil
		}
	}
	return netip.Addr{}, errors.New("no free address")
}
