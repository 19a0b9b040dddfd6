package netstack

import (
	"errors"
	"fmt"
	"net/netip"
)

// ErrAddressInUse is returned by AllocateIP when the wanted address belongs
// to another owner (or is the gateway).
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
}

// OpenIPAM opens (creating if needed) the allocations kept in dir. New
// automatic subnets come from pools and avoid the prefixes returned by
// hostRoutes; nil hostRoutes reads the routes of the calling thread's
// network namespace.
func OpenIPAM(dir string, pools []Pool, hostRoutes func() ([]netip.Prefix, error)) (*IPAM, error) {
	if hostRoutes == nil {
		hostRoutes = netlinkRoutes
	}
	a := &IPAM{dir: dir, pools: pools, hostRoutes: hostRoutes}
	if err := a.update(func(*ipamState) (bool, error) { return false, nil }); err != nil {
		return nil, fmt.Errorf("open ipam %q: %w", dir, err)
	}
	return a, nil
}

// Allocate returns the subnet of network, allocating it on first use. With
// fixed subnets, those are reserved as given (the first one is returned) and
// must not overlap another network's; otherwise the first pool subnet that
// overlaps neither a host route nor another allocation is taken.
func (a *IPAM) Allocate(network string, fixed []netip.Prefix) (netip.Prefix, error) {
	var out netip.Prefix
	err := a.update(func(st *ipamState) (bool, error) {
		if n, ok := st.Networks[network]; ok {
			if len(fixed) > 0 && n.Subnet != fixed[0].Masked() {
				return false, fmt.Errorf("network already has subnet %s", n.Subnet)
			}
			out = n.Subnet
			return false, nil
		}
		n, err := a.pick(st, network, fixed)
		if err != nil {
			return false, err
		}
		st.Networks[network] = n
		out = n.Subnet
		return true, nil
	})
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("allocate subnet for network %q: %w", network, err)
	}
	return out, nil
}

func (a *IPAM) pick(st *ipamState, network string, fixed []netip.Prefix) (*netAlloc, error) {
	if len(fixed) > 0 {
		n := &netAlloc{Fixed: true}
		for i, f := range fixed {
			if !f.IsValid() {
				return nil, fmt.Errorf("invalid subnet %q", f)
			}
			f = f.Masked()
			if other, p, ok := st.overlapping(f); ok {
				return nil, fmt.Errorf("subnet %s overlaps %s of network %q", f, p, other)
			}
			if i == 0 {
				n.Subnet = f
			} else {
				n.Extra = append(n.Extra, f)
			}
		}
		return n, nil
	}
	routes, err := a.hostRoutes()
	if err != nil {
		return nil, fmt.Errorf("list host routes: %w", err)
	}
	var found netip.Prefix
	for _, pool := range a.pools {
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
			return &netAlloc{Subnet: found}, nil
		}
	}
	return nil, errors.New("address pools exhausted")
}

// Release forgets the subnet and addresses of network; unknown = nil.
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

// Subnets returns the subnet of every allocated network.
func (a *IPAM) Subnets() (map[string]netip.Prefix, error) {
	out := map[string]netip.Prefix{}
	err := a.update(func(st *ipamState) (bool, error) {
		for name, n := range st.Networks {
			out[name] = n.Subnet
		}
		return false, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list subnets: %w", err)
	}
	return out, nil
}

// Gateway returns the gateway of network: the one set with SetGateway, else
// the first host address of its subnet.
func (a *IPAM) Gateway(network string) (netip.Addr, error) {
	var gw netip.Addr
	err := a.update(func(st *ipamState) (bool, error) {
		n, ok := st.Networks[network]
		if !ok {
			return false, ErrUnknownNetwork
		}
		gw = n.gateway()
		return false, nil
	})
	if err != nil {
		return netip.Addr{}, fmt.Errorf("get gateway of network %q: %w", network, err)
	}
	return gw, nil
}

// SetGateway fixes the gateway of an allocated network (compose
// ipam.config.gateway); it must lie inside the subnet and be unowned.
func (a *IPAM) SetGateway(network string, gw netip.Addr) error {
	err := a.update(func(st *ipamState) (bool, error) {
		n, ok := st.Networks[network]
		if !ok {
			return false, ErrUnknownNetwork
		}
		if !n.Subnet.Contains(gw) {
			return false, fmt.Errorf("gateway %s outside subnet %s", gw, n.Subnet)
		}
		for owner, ip := range n.IPs {
			if ip == gw {
				return false, fmt.Errorf("gateway %s held by %q: %w", gw, owner, ErrAddressInUse)
			}
		}
		changed := n.Gateway != gw
		n.Gateway = gw
		return changed, nil
	})
	if err != nil {
		return fmt.Errorf("set gateway of network %q: %w", network, err)
	}
	return nil
}
