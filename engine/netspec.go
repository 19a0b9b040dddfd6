package engine

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"

	"github.com/mini-compose/mini-compose/netstack"
	"github.com/mini-compose/mini-compose/project/plan"
)

// ipamSpecs converts a network's ipam.config for netstack.
func ipamSpecs(n plan.Network) ([]netstack.SubnetSpec, error) {
	var specs []netstack.SubnetSpec
	for i, c := range n.IPAM {
		if c.Subnet == "" {
			continue
		}
		var s netstack.SubnetSpec
		var err error
		at := func(field string) string { return fmt.Sprintf("ipam.config[%d].%s", i, field) }
		if s.Subnet, err = netip.ParsePrefix(c.Subnet); err != nil {
			return nil, fmt.Errorf("%s: %w", at("subnet"), err)
		}
		s.Subnet = s.Subnet.Masked()
		if c.IPRange != "" {
			if s.IPRange, err = netip.ParsePrefix(c.IPRange); err != nil {
				return nil, fmt.Errorf("%s: %w", at("ip_range"), err)
			}
			s.IPRange = s.IPRange.Masked()
		}
		if c.Gateway != "" {
			if s.Gateway, err = netip.ParseAddr(c.Gateway); err != nil {
				return nil, fmt.Errorf("%s: %w", at("gateway"), err)
			}
		}
		keys := make([]string, 0, len(c.AuxAddresses))
		for k := range c.AuxAddresses {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			a, err := netip.ParseAddr(c.AuxAddresses[k])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", at("aux_addresses."+k), err)
			}
			s.AuxAddresses = append(s.AuxAddresses, a)
		}
		specs = append(specs, s)
	}
	return specs, nil
}

func mtuOf(n plan.Network) (int, error) {
	for _, k := range []string{"com.docker.network.driver.mtu", "mtu"} {
		if v, ok := n.DriverOpts[k]; ok {
			m, err := strconv.Atoi(v)
			if err != nil || m < 68 || m > 65535 {
				return 0, fmt.Errorf("driver_opts.%s: invalid MTU %q", k, v)
			}
			return m, nil
		}
	}
	return 0, nil
}
