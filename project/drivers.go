package project

import (
	"slices"
	"strings"
)

// Driver options of macvlan and ipvlan networks, as Docker names them.
const (
	optParent      = "parent"
	optMacvlanMode = "macvlan_mode"
	optIpvlanMode  = "ipvlan_mode"
)

// driverModes lists the network drivers and, for those with modes, the
// accepted modes (the first is the default).
var driverModes = map[string][]string{
	"bridge":  nil,
	"host":    nil,
	"none":    nil,
	"macvlan": {"bridge", "private", "vepa", "passthru"},
	"ipvlan":  {"l2", "l3", "l3s"},
}

// checkDriver validates a network's driver and its mode options, and sets
// Parent and Mode for macvlan and ipvlan networks. extras tells whether the
// network sets ipam, internal or enable_ipv6, which host and none refuse.
func checkDriver(n *Network, extras bool, path string, ps *problems) {
	modes, ok := driverModes[n.Driver]
	if !ok {
		ps.add(path+".driver", "driver %q is not supported (use bridge, macvlan, ipvlan, host or none)", n.Driver)
		return
	}
	switch n.Driver {
	case "host", "none":
		if extras {
			ps.add(path+".driver", "a %q network takes no ipam, enable_ipv6 or internal", n.Driver)
		}
		return
	case "macvlan", "ipvlan":
	default:
		return
	}
	n.Parent = n.DriverOpts[optParent]
	if strings.ContainsAny(n.Parent, " /") || len(n.Parent) > 15 {
		ps.add(path+".driver_opts."+optParent, "%q is not an interface name", n.Parent)
	}
	key := optMacvlanMode
	if n.Driver == "ipvlan" {
		key = optIpvlanMode
	}
	n.Mode = modes[0]
	if m, set := n.DriverOpts[key]; set {
		if !slices.Contains(modes, m) {
			ps.add(path+".driver_opts."+key, "unknown mode %q (use %s)", m, strings.Join(modes, ", "))
		}
		n.Mode = m
	}
}
