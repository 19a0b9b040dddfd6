package engine

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/mini-compose/mini-compose/netstack"
	"github.com/mini-compose/mini-compose/project/plan"
)

// optBridgeName is Docker's driver option for a custom bridge name.
const optBridgeName = "com.docker.network.bridge.name"

// upNetworks creates the plan's networks that do not exist yet, joins the
// external ones and brings back bridges lost since the last up. Each
// network is recorded in the project state (and saved) before anything is
// created for it, so that down finds it after a crash. The subnets of all
// new networks are allocated in one step, so that the fixed subnets of every
// network are reserved before any automatic one is chosen.
func (e *Engine) upNetworks(plan *plan.Plan, st *ProjectState, undo *undoStack) error {
	type fresh struct {
		key string
		rec *NetworkRecord
	}
	var todo []fresh
	var reqs []netstack.NetworkRequest
	for _, n := range plan.Networks {
		if n.Driver == "host" || n.Driver == "none" {
			continue // no bridge: containers get network_mode semantics
		}
		if ns := st.Networks[n.Name]; ns != nil {
			if ns.Subnet.IsValid() && ns.Gateway.IsValid() {
				if err := e.ensureNetwork(st, ns); err != nil {
					return err
				}
				continue
			}
			// Left half-made by an interrupted up: start it afresh.
			if err := e.destroyNetwork(ns); err != nil {
				return err
			}
			delete(st.Networks, n.Name)
		}
		if n.External {
			ns, err := e.joinExternal(n)
			if err != nil {
				return err
			}
			if err := e.useNetwork(st, ns, undo); err != nil {
				return err
			}
			continue
		}
		intent := func(bridge string) error {
			st.Networks[n.Name] = &NetworkState{Key: n.Key, NetworkInfo: NetworkInfo{Name: n.Name,
				Bridge: bridge, Internal: n.Internal, Driver: n.Driver, Parent: n.Parent}}
			return e.saveState(st)
		}
		rec, req, err := e.prepareNetwork(n, st.Name, intent, undo)
		if err != nil {
			return fmt.Errorf("networks.%s: %w", n.Key, err)
		}
		todo = append(todo, fresh{n.Key, rec})
		reqs = append(reqs, req)
	}
	if len(reqs) == 0 {
		return nil
	}
	subnets, err := e.ipam.AllocateNetworks(reqs)
	if err != nil {
		return fmt.Errorf("allocate subnets: %w", err)
	}
	for _, f := range todo {
		name := f.rec.Name
		undo.push(func() error { return e.ipam.Release(name) })
	}
	for _, f := range todo {
		if err := e.finishNetwork(f.rec, subnets[f.rec.Name], undo); err != nil {
			return fmt.Errorf("networks.%s: %w", f.key, err)
		}
		if err := e.useNetwork(st, stateOf(f.rec, f.key), undo); err != nil {
			return err
		}
	}
	return nil
}

// useNetwork records a ready network in the project state and serves DNS
// on its gateway (bridges only: the host has no address on a macvlan one).
func (e *Engine) useNetwork(st *ProjectState, ns *NetworkState, undo *undoStack) error {
	if ns.isBridge() {
		if err := e.dns.Listen(ns.Gateway); err != nil {
			return fmt.Errorf("start dns on %s: %w", ns.Gateway, err)
		}
	}
	st.Networks[ns.Name] = ns
	name, gw := ns.Name, ns.Gateway
	undo.push(func() error {
		delete(st.Networks, name)
		if len(e.networkUsers(name, st.Name)) == 0 {
			return e.dns.Unlisten(gw)
		}
		return nil
	})
	return nil
}

// joinExternal looks up a network that must already exist.
func (e *Engine) joinExternal(n plan.Network) (*NetworkState, error) {
	rec, err := e.loadRecord(n.Name)
	if err != nil {
		return nil, err
	}
	if rec == nil || !rec.Subnet.IsValid() {
		return nil, fmt.Errorf("networks.%s: network %q declared as external, but could not be found (create it with `mini-compose network create %s`)", n.Key, n.Name, n.Name)
	}
	ns := stateOf(rec, n.Key)
	ns.External = true
	if err := ensureKernelNetwork(ns); err != nil {
		return nil, err
	}
	return ns, nil
}

func stateOf(rec *NetworkRecord, key string) *NetworkState {
	return &NetworkState{Key: key, NetworkInfo: rec.NetworkInfo}
}

// prepareNetwork checks that network n can be made for owner ("" for
// `network create`) and records it; finishNetwork, given its subnets, makes
// it. intent, when set, is called with the bridge name once the name is
// known to be free and before the first thing is created.
func (e *Engine) prepareNetwork(n plan.Network, owner string, intent func(bridge string) error, undo *undoStack) (*NetworkRecord, netstack.NetworkRequest, error) {
	var req netstack.NetworkRequest
	if err := validNetworkName(n.Name); err != nil {
		return nil, req, err
	}
	if n.Driver == "" {
		n.Driver = "bridge"
	}
	if old, err := e.loadRecord(n.Name); err != nil {
		return nil, req, err
	} else if old != nil {
		return nil, req, fmt.Errorf("create network %q: a network with that name already exists (%s); declare it `external: true` to use it", n.Name, describeOwner(old))
	}
	bridge, err := e.linkNames(&n)
	if err != nil {
		return nil, req, fmt.Errorf("create network %q: %w", n.Name, err)
	}
	mtu, err := mtuOf(n)
	if err != nil {
		return nil, req, fmt.Errorf("create network %q: %w", n.Name, err)
	}
	specs, err := ipamSpecs(n)
	if err != nil {
		return nil, req, fmt.Errorf("create network %q: %w", n.Name, err)
	}
	if intent != nil {
		if err := intent(bridge); err != nil {
			return nil, req, err
		}
	}
	rec := &NetworkRecord{NetworkInfo: NetworkInfo{Name: n.Name, Driver: n.Driver, Bridge: bridge,
		Internal: n.Internal, MTU: mtu, Parent: n.Parent, Mode: n.Mode},
		EnableIPv6: n.EnableIPv6, Labels: n.Labels, Owner: owner, Standalone: owner == "", Created: time.Now().UTC()}
	if n.Driver != "bridge" && n.Parent == "" {
		rec.Internal = true // as with Docker: a dummy parent leads nowhere
	}
	if err := e.saveRecord(rec); err != nil {
		return nil, req, err
	}
	undo.push(func() error { return e.removeRecord(rec.Name) })
	return rec, netstack.NetworkRequest{Name: n.Name, Config: specs, IPv6: n.EnableIPv6}, nil
}

// linkNames checks the driver and returns the bridge of a bridge network;
// for macvlan/ipvlan it checks the parent and fills in the mode.
func (e *Engine) linkNames(n *plan.Network) (string, error) {
	switch n.Driver {
	case "macvlan", "ipvlan":
		if n.Mode == "" {
			n.Mode = n.DriverOpts[n.Driver+"_mode"]
		}
		if n.Mode == "" {
			n.Mode = map[string]string{"macvlan": "bridge", "ipvlan": "l2"}[n.Driver]
		}
		if n.Parent == "" {
			n.Parent = n.DriverOpts["parent"]
		}
		if n.Parent != "" {
			if _, err := net.InterfaceByName(n.Parent); err != nil {
				return "", fmt.Errorf("driver_opts.parent: interface %q not found: %w", n.Parent, err)
			}
		}
		return "", nil
	case "bridge":
	default:
		return "", fmt.Errorf("driver %q is not supported (use bridge, macvlan or ipvlan)", n.Driver)
	}
	bridge := netstack.BridgeName(n.Name)
	if b := n.DriverOpts[optBridgeName]; b != "" {
		if len(b) > 15 {
			return "", fmt.Errorf("driver_opts.%s: %q is longer than 15 characters", optBridgeName, b)
		}
		bridge = b
	}
	if other, used := e.bridgeInUse(bridge, n.Name); used {
		return "", fmt.Errorf("bridge %q is used by network %q", bridge, other)
	}
	if _, err := net.InterfaceByName(bridge); err == nil {
		// Never adopt (and later delete) a link we did not make.
		return "", fmt.Errorf("a link named %q already exists on the host", bridge)
	}
	return bridge, nil
}

// finishNetwork records the allocated subnets of a prepared network and
// creates its bridge (or the dummy parent of a macvlan/ipvlan network).
func (e *Engine) finishNetwork(rec *NetworkRecord, subnets []netstack.SubnetInfo, undo *undoStack) error {
	rec.Gateways = nil
	for _, s := range subnets {
		gw := netip.PrefixFrom(s.Gateway, s.Subnet.Bits())
		rec.Gateways = append(rec.Gateways, gw)
		switch {
		case s.Subnet.Addr().Is4() && !rec.Subnet.IsValid():
			rec.Subnet, rec.Gateway = s.Subnet, s.Gateway
		case s.Subnet.Addr().Is6() && !rec.Gateway6.IsValid():
			rec.Gateway6 = s.Gateway
		}
	}
	// IPv4 first, as the containers' addresses are.
	slices.SortStableFunc(rec.Gateways, func(a, b netip.Prefix) int {
		return cmpBool(a.Addr().Is6(), b.Addr().Is6())
	})
	if !rec.Subnet.IsValid() {
		return fmt.Errorf("create network %q: no IPv4 subnet allocated", rec.Name)
	}
	if err := e.saveRecord(rec); err != nil {
		return err
	}
	ns := stateOf(rec, "")
	if err := ensureKernelNetwork(ns); err != nil {
		return err
	}
	undo.push(func() error { return deleteKernelNetwork(ns) })
	return nil
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// ensureKernelNetwork (re)creates what the kernel holds of a network: the
// bridge with every gateway address, or a macvlan/ipvlan network's dummy
// parent.
func ensureKernelNetwork(n *NetworkState) error {
	if !n.isBridge() {
		if n.Parent == "" {
			return netstack.EnsureDummy(netstack.DummyName(n.Name))
		}
		return nil
	}
	gws := n.Gateways
	if len(gws) == 0 { // state written before dual stack
		gws = []netip.Prefix{netip.PrefixFrom(n.Gateway, n.Subnet.Bits())}
	}
	return netstack.EnsureBridgeAddrs(n.Bridge, gws, n.MTU)
}

func deleteKernelNetwork(n *NetworkState) error {
	if !n.isBridge() {
		if n.Parent == "" {
			return netstack.DeleteDummy(netstack.DummyName(n.Name))
		}
		return nil
	}
	if n.Bridge == "" {
		return nil
	}
	return netstack.DeleteBridge(n.Bridge)
}

func describeOwner(r *NetworkRecord) string {
	switch {
	case r.Standalone:
		return "created by `network create`"
	case r.Owner != "":
		return fmt.Sprintf("created by project %q", r.Owner)
	}
	return "left by a removed project"
}
