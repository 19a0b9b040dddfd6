package netstack

import (
	"errors"
	"fmt"
	"net/netip"
)

// ErrAddressInUse is returned by AllocateIP when the wanted address belongs
// to another owner (or is the gateway or an aux address).
var ErrAddressInUse = errors.New("address in use")

// ErrUnknownNetwork is returned for a network without an allocated subnet.
var ErrUnknownNetwork = errors.New("network not allocated")

// IPAM hands out subnets to networks and addresses to their members. Its
// allocations live in a JSON file of its directory, guarded by flock, so
// several processes and restarts share them.
type IPAM struct {
	dir        string
	pools      []Pool
	hostRoutes func() ([]netip.Prefix, error)
	// tx is the state read by Batch: the IPAM handed to a batch works on
	// it in memory; txChanged records that something must be written.
	tx        *ipamState
	txChanged *bool
}

// Batch runs fn with an IPAM whose calls share one read of the state and
// one write at the end (if fn returns nil and something changed): an `up`
// that allocates for many containers writes the file once, not once per
// container. The state stays locked while fn runs, so fn must make its
// IPAM calls on the IPAM it is given; if fn fails, none of them is kept.
func (a *IPAM) Batch(fn func(*IPAM) error) error {
	changed := false
	return a.update(func(st *ipamState) (bool, error) {
		b := *a
		b.tx, b.txChanged = st, &changed
		err := fn(&b)
		return changed, err
	})
}

// OpenIPAM opens (creating if needed) the allocations kept in dir. New
// automatic subnets come from pools (of the wanted family; the built-in
// default pools of a family stand in when pools has none of it) and avoid the prefixes
// returned by hostRoutes; nil hostRoutes reads the IPv4 and IPv6 routes of
// the calling thread's network namespace.
func OpenIPAM(dir string, pools []Pool, hostRoutes func() ([]netip.Prefix, error)) (*IPAM, error) {
	if hostRoutes == nil {
		hostRoutes = netlinkRoutes
	}
	pools = withDefaults(pools)
	a := &IPAM{dir: dir, pools: pools, hostRoutes: hostRoutes}
	if err := a.update(func(*ipamState) (bool, error) { return false, nil }); err != nil {
		return nil, fmt.Errorf("open ipam %q: %w", dir, err)
	}
	return a, nil
}

// Allocate returns the IPv4 subnet of network, allocating it on first use.
// With fixed subnets (either family), those are reserved as given and must
// not overlap another network's; the first IPv4 one is returned. Without a
// fixed IPv4 subnet, the first pool subnet that overlaps neither a host
// route nor another allocation is taken. It is AllocateNetwork with one
// SubnetSpec per fixed subnet.
func (a *IPAM) Allocate(network string, fixed []netip.Prefix) (netip.Prefix, error) {
	specs := make([]SubnetSpec, len(fixed))
	for i, f := range fixed {
		specs[i] = SubnetSpec{Subnet: f}
	}
	subs, err := a.AllocateNetwork(network, specs, false)
	if err != nil {
		return netip.Prefix{}, err
	}
	for _, s := range subs {
		if s.Subnet.Addr().Is4() {
			return s.Subnet, nil
		}
	}
	return subs[0].Subnet, nil
}

// Release forgets the subnets and addresses of network; unknown = nil.
func (a *IPAM) Release(network string) error {
	err := a.update(func(st *ipamState) (bool, error) {
		_, ok := st.Networks[network]
		delete(st.Networks, network)
		return ok, nil
	})
	if err != nil {
		return fmt.Errorf("release network %q: %w", network, err)
	}
	return nil
}

// Subnets returns the primary (first IPv4) subnet of every allocated network.
func (a *IPAM) Subnets() (map[string]netip.Prefix, error) {
	out := map[string]netip.Prefix{}
	err := a.update(func(st *ipamState) (bool, error) {
		for name, n := range st.Networks {
			out[name] = n.primary().Prefix
		}
		return false, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list subnets: %w", err)
	}
	return out, nil
}

// Gateway returns the gateway of the primary (first IPv4) subnet of
// network: the configured one, else the first host address.
func (a *IPAM) Gateway(network string) (netip.Addr, error) {
	var gw netip.Addr
	err := a.update(func(st *ipamState) (bool, error) {
		n, ok := st.Networks[network]
		if !ok {
			return false, ErrUnknownNetwork
		}
		gw = n.primary().Gateway
		return false, nil
	})
	if err != nil {
		return netip.Addr{}, fmt.Errorf("get gateway of network %q: %w", network, err)
	}
	return gw, nil
}

// SetGateway fixes the gateway of the subnet of network that contains gw
// (compose ipam.config.gateway); gw must be unowned.
func (a *IPAM) SetGateway(network string, gw netip.Addr) error {
	err := a.update(func(st *ipamState) (bool, error) {
		n, ok := st.Networks[network]
		if !ok {
			return false, ErrUnknownNetwork
		}
		for _, s := range n.Subnets {
			if !s.Prefix.Contains(gw) {
				continue
			}
			for owner, ip := range s.IPs {
				if ip == gw {
					return false, fmt.Errorf("gateway %s held by %q: %w", gw, owner, ErrAddressInUse)
				}
			}
			changed := s.Gateway != gw
			s.Gateway = gw
			return changed, nil
		}
		return false, fmt.Errorf("gateway %s outside subnet %s", gw, n.primary().Prefix)
	})
	if err != nil {
		return fmt.Errorf("set gateway of network %q: %w", network, err)
	}
	return nil
}

// Network returns the subnets of an allocated network and the addresses of
// its members (owner -> addresses, IPv4 first).
func (a *IPAM) Network(network string) (NetworkInfo, error) {
	var out NetworkInfo
	err := a.update(func(st *ipamState) (bool, error) {
		n, ok := st.Networks[network]
		if !ok {
			return false, ErrUnknownNetwork
		}
		out = n.info()
		return false, nil
	})
	if err != nil {
		return NetworkInfo{}, fmt.Errorf("inspect network %q: %w", network, err)
	}
	return out, nil
}

func (n *netAlloc) info() NetworkInfo {
	out := NetworkInfo{Addrs: map[string][]netip.Addr{}}
	for _, v6 := range []bool{false, true} {
		for _, s := range n.Subnets {
			if s.Prefix.Addr().Is6() != v6 {
				continue
			}
			for owner, ip := range s.IPs {
				out.Addrs[owner] = append(out.Addrs[owner], ip)
			}
		}
	}
	for _, s := range n.Subnets {
		out.Subnets = append(out.Subnets, s.info())
	}
	return out
}

func (s *subnetAlloc) info() SubnetInfo {
	return SubnetInfo{Subnet: s.Prefix, Gateway: s.Gateway, IPRange: s.Range,
		AuxAddresses: append([]netip.Addr(nil), s.Aux...)}
}
