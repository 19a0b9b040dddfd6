package netstack

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
)

// SubnetSpec is one entry of a network's compose ipam.config.
type SubnetSpec struct {
	Subnet       netip.Prefix // required when any other field is set
	IPRange      netip.Prefix // automatic member addresses only from here (zero: whole subnet)
	Gateway      netip.Addr   // zero: first host address
	AuxAddresses []netip.Addr // reserved, never handed out
}

// SubnetInfo is one allocated subnet of a network.
type SubnetInfo struct {
	Subnet       netip.Prefix
	Gateway      netip.Addr
	IPRange      netip.Prefix // zero when the whole subnet is used
	AuxAddresses []netip.Addr
}

// NetworkInfo is a network's allocation: its subnets (in ipam.config order,
// automatic ones last) and the addresses of its members.
type NetworkInfo struct {
	Subnets []SubnetInfo
	Addrs   map[string][]netip.Addr // owner -> addresses, IPv4 first
}

// NetworkRequest asks for the subnets of one network.
type NetworkRequest struct {
	Name   string
	Config []SubnetSpec
	IPv6   bool // dual stack: an automatic IPv6 subnet unless Config has one
}

// AllocateNetwork is AllocateNetworks for one network.
func (a *IPAM) AllocateNetwork(network string, config []SubnetSpec, ipv6 bool) ([]SubnetInfo, error) {
	out, err := a.AllocateNetworks([]NetworkRequest{{Name: network, Config: config, IPv6: ipv6}})
	if err != nil {
		return nil, err
	}
	return out[network], nil
}

// AllocateNetworks returns the subnets of every requested network,
// allocating them on first use in one locked step: first the fixed subnets
// of all requests are reserved (validated, never overlapping another
// network's), then each network without a fixed IPv4 subnet gets an
// automatic one, and each IPv6 network without a fixed IPv6 subnet an
// automatic IPv6 one, from the pools, avoiding host routes and all other
// allocations. An allocated network keeps its subnets; asking it for other
// fixed subnets is an error.
func (a *IPAM) AllocateNetworks(reqs []NetworkRequest) (map[string][]SubnetInfo, error) {
	out := map[string][]SubnetInfo{}
	err := a.update(func(st *ipamState) (bool, error) {
		changed := false
		for _, r := range reqs {
			if n, ok := st.Networks[r.Name]; ok {
				if err := sameFixed(n, r.Config); err != nil {
					return false, fmt.Errorf("allocate subnet for network %q: %w", r.Name, err)
				}
				continue
			}
			n, err := reserveFixed(st, r)
			if err != nil {
				return false, fmt.Errorf("allocate subnet for network %q: %w", r.Name, err)
			}
			st.Networks[r.Name] = n
			changed = true
		}
		var routes []netip.Prefix
		routesRead := false
		for _, r := range reqs {
			n := st.Networks[r.Name]
			for _, v6 := range []bool{false, true} {
				if n.first(v6) != nil || (v6 && !r.IPv6) {
					continue
				}
				if !routesRead {
					var err error
					if routes, err = a.hostRoutes(); err != nil {
						return false, fmt.Errorf("allocate subnet for network %q: list host routes: %w", r.Name, err)
					}
					routesRead = true
				}
				sub, err := a.pickAuto(st, routes, v6)
				if err != nil {
					return false, fmt.Errorf("allocate subnet for network %q: %w", r.Name, err)
				}
				n.Subnets = append(n.Subnets, &subnetAlloc{Prefix: sub, Gateway: defaultGateway(sub)})
				changed = true
			}
			for _, s := range n.Subnets {
				out[r.Name] = append(out[r.Name], s.info())
			}
		}
		return changed, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// sameFixed checks that config asks for no fixed subnet other than n's.
func sameFixed(n *netAlloc, config []SubnetSpec) error {
	var have, want []netip.Prefix
	for _, s := range n.Subnets {
		if s.Fixed {
			have = append(have, s.Prefix)
		}
	}
	for _, c := range config {
		if c.Subnet.IsValid() {
			want = append(want, c.Subnet.Masked())
		}
	}
	if len(want) == 0 || slices.Equal(have, want) {
		return nil
	}
	return fmt.Errorf("network already has subnet %s", n.primary().Prefix)
}

// reserveFixed validates the fixed subnets of r and returns them allocated.
func reserveFixed(st *ipamState, r NetworkRequest) (*netAlloc, error) {
	n := &netAlloc{}
	var errs []error
	for i, c := range r.Config {
		if !c.Subnet.IsValid() {
			if c.IPRange.IsValid() || c.Gateway.IsValid() || len(c.AuxAddresses) > 0 {
				errs = append(errs, fmt.Errorf("ipam config %d: ip_range, gateway and aux_addresses need a subnet", i))
			}
			continue
		}
		s := &subnetAlloc{Prefix: c.Subnet.Masked(), Fixed: true, Gateway: c.Gateway, Range: c.IPRange.Masked()}
		if err := s.validate(c); err != nil {
			errs = append(errs, err)
			continue
		}
		if other, p, ok := st.overlapping(s.Prefix); ok {
			errs = append(errs, fmt.Errorf("subnet %s overlaps %s of network %q", s.Prefix, p, other))
			continue
		}
		for _, prev := range n.Subnets {
			if overlaps(prev.Prefix, s.Prefix) {
				errs = append(errs, fmt.Errorf("subnet %s overlaps %s of the same network", s.Prefix, prev.Prefix))
			}
		}
		n.Subnets = append(n.Subnets, s)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return n, nil
}

// validate checks a fixed subnet's range, gateway and aux addresses (taken
// from c) and fills in the default gateway.
func (s *subnetAlloc) validate(c SubnetSpec) error {
	p := s.Prefix
	var errs []error
	if s.Range.IsValid() && (s.Range.Addr().Is4() != p.Addr().Is4() || s.Range.Bits() < p.Bits() || !p.Contains(s.Range.Addr())) {
		errs = append(errs, fmt.Errorf("ip_range %s outside subnet %s", c.IPRange, p))
	}
	if !s.Gateway.IsValid() {
		s.Gateway = defaultGateway(p)
	} else if !p.Contains(s.Gateway) || s.reservedEdge(s.Gateway) {
		errs = append(errs, fmt.Errorf("gateway %s not a host address of subnet %s", s.Gateway, p))
	}
	for _, aux := range c.AuxAddresses {
		if !p.Contains(aux) {
			errs = append(errs, fmt.Errorf("aux address %s outside subnet %s", aux, p))
			continue
		}
		s.Aux = append(s.Aux, aux)
	}
	return errors.Join(errs...)
}

// reservedEdge reports the network address (and the IPv4 broadcast) of a
// subnet large enough to have them.
func (s *subnetAlloc) reservedEdge(ip netip.Addr) bool {
	p := s.Prefix
	if p.Bits() >= p.Addr().BitLen()-1 {
		return false
	}
	return ip == p.Masked().Addr() || (ip.Is4() && ip == lastAddr(p))
}

// pickAuto returns the first pool subnet of the family that overlaps
// neither a host route nor an allocation.
func (a *IPAM) pickAuto(st *ipamState, routes []netip.Prefix, v6 bool) (netip.Prefix, error) {
	var found netip.Prefix
	for _, pool := range a.pools {
		if pool.Base.Addr().Is6() != v6 {
			continue
		}
		pool.each(func(sub netip.Prefix) bool {
			if _, _, used := st.overlapping(sub); used {
				return true
			}
			for _, r := range routes {
				if r.Bits() > 0 && overlaps(r, sub) {
					return true
				}
			}
			found = sub
			return false
		})
		if found.IsValid() {
			return found, nil
		}
	}
	if v6 {
		return netip.Prefix{}, errors.New("ipv6 address pools exhausted")
	}
	return netip.Prefix{}, errors.New("address pools exhausted")
}
