package engine

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/mini-compose/mini-compose/netstack"
	"github.com/mini-compose/mini-compose/project/plan"
)

// optBridgeName is Docker's driver option for a custom bridge name.
const optBridgeName = "com.docker.network.bridge.name"

// upNetworks creates the plan's networks that do not exist yet, joins the
// external ones and brings back bridges lost since the last up. Each
// network is recorded in the project state (and saved) before anything is
// created for it, so that down finds it after a crash.
func (e *Engine) upNetworks(plan *plan.Plan, st *ProjectState, undo *undoStack) error {
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
			if err := e.destroyNetwork(ns.Name, ns.Bridge, ns.Gateway); err != nil {
				return err
			}
			delete(st.Networks, n.Name)
		}
		var ns *NetworkState
		var err error
		if n.External {
			ns, err = e.joinExternal(n)
		} else {
			ns, err = e.createProjectNetwork(n, st, undo)
		}
		if err != nil {
			return err
		}
		if err := e.dns.Listen(ns.Gateway); err != nil {
			return fmt.Errorf("start dns on %s: %w", ns.Gateway, err)
		}
		st.Networks[n.Name] = ns
		name, gw := n.Name, ns.Gateway
		undo.push(func() error {
			delete(st.Networks, name)
			if len(e.networkUsers(name, st.Name)) == 0 {
				return e.dns.Unlisten(gw)
			}
			return nil
		})
	}
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
	if err := netstack.EnsureBridge(ns.Bridge, netip.PrefixFrom(ns.Gateway, ns.Subnet.Bits()), ns.MTU); err != nil {
		return nil, err
	}
	return ns, nil
}

func (e *Engine) createProjectNetwork(n plan.Network, st *ProjectState, undo *undoStack) (*NetworkState, error) {
	intent := func(bridge string) error {
		st.Networks[n.Name] = &NetworkState{Key: n.Key, Name: n.Name, Bridge: bridge, Internal: n.Internal}
		return e.saveState(st)
	}
	rec, err := e.createNetwork(n, st.Name, intent, undo)
	if err != nil {
		return nil, fmt.Errorf("networks.%s: %w", n.Key, err)
	}
	return stateOf(rec, n.Key), nil
}

func stateOf(rec *NetworkRecord, key string) *NetworkState {
	return &NetworkState{Key: key, Name: rec.Name, Bridge: rec.Bridge, Subnet: rec.Subnet,
		Gateway: rec.Gateway, Internal: rec.Internal, Driver: rec.Driver, MTU: rec.MTU}
}

// createNetwork makes a bridge network for owner ("" for `network create`):
// registry record, subnet, gateway, bridge. intent, when set, is called
// with the bridge name once the name is known to be free and before the
// first thing is created.
func (e *Engine) createNetwork(n plan.Network, owner string, intent func(bridge string) error, undo *undoStack) (*NetworkRecord, error) {
	if err := validNetworkName(n.Name); err != nil {
		return nil, err
	}
	if n.Driver != "" && n.Driver != "bridge" {
		return nil, fmt.Errorf("create network %q: driver %q is not supported (only bridge)", n.Name, n.Driver)
	}
	if old, err := e.loadRecord(n.Name); err != nil {
		return nil, err
	} else if old != nil {
		return nil, fmt.Errorf("create network %q: a network with that name already exists (%s); declare it `external: true` to use it", n.Name, describeOwner(old))
	}
	bridge := netstack.BridgeName(n.Name)
	if b := n.DriverOpts[optBridgeName]; b != "" {
		if len(b) > 15 {
			return nil, fmt.Errorf("create network %q: driver_opts.%s: %q is longer than 15 characters", n.Name, optBridgeName, b)
		}
		bridge = b
	}
	if other, used := e.bridgeInUse(bridge, n.Name); used {
		return nil, fmt.Errorf("create network %q: bridge %q is used by network %q", n.Name, bridge, other)
	}
	if _, err := net.InterfaceByName(bridge); err == nil {
		// Never adopt (and later delete) a link we did not make.
		return nil, fmt.Errorf("create network %q: a link named %q already exists on the host", n.Name, bridge)
	}
	mtu, err := mtuOf(n)
	if err != nil {
		return nil, fmt.Errorf("create network %q: %w", n.Name, err)
	}
	fixed, gw, err := ipamOf(n)
	if err != nil {
		return nil, fmt.Errorf("create network %q: %w", n.Name, err)
	}
	if intent != nil {
		if err := intent(bridge); err != nil {
			return nil, err
		}
	}
	rec := &NetworkRecord{Name: n.Name, Driver: "bridge", Bridge: bridge, Internal: n.Internal,
		EnableIPv6: n.EnableIPv6, MTU: mtu, Labels: n.Labels, Owner: owner, Standalone: owner == "",
		Created: time.Now().UTC()}
	if err := e.saveRecord(rec); err != nil {
		return nil, err
	}
	undo.push(func() error { return e.removeRecord(rec.Name) })
	if rec.Subnet, err = e.ipam.Allocate(n.Name, fixed); err != nil {
		return nil, err
	}
	undo.push(func() error { return e.ipam.Release(rec.Name) })
	if gw.IsValid() {
		if err := e.ipam.SetGateway(n.Name, gw); err != nil {
			return nil, fmt.Errorf("create network %q: %w", n.Name, err)
		}
	}
	if rec.Gateway, err = e.ipam.Gateway(n.Name); err != nil {
		return nil, err
	}
	if err := e.saveRecord(rec); err != nil {
		return nil, err
	}
	if err := netstack.EnsureBridge(bridge, netip.PrefixFrom(rec.Gateway, rec.Subnet.Bits()), mtu); err != nil {
		return nil, err
	}
	undo.push(func() error { return netstack.DeleteBridge(bridge) })
	return rec, nil
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

// ipamOf returns the fixed subnets and the gateway of ipam.config.
func ipamOf(n plan.Network) ([]netip.Prefix, netip.Addr, error) {
	var fixed []netip.Prefix
	var gw netip.Addr
	for i, c := range n.IPAM {
		if c.Subnet == "" {
			continue
		}
		p, err := netip.ParsePrefix(c.Subnet)
		if err != nil {
			return nil, gw, fmt.Errorf("ipam.config[%d].subnet: %w", i, err)
		}
		if !p.Addr().Is4() {
			continue // IPv6 subnets: not supported by netstack yet
		}
		fixed = append(fixed, p.Masked())
		if c.Gateway != "" && !gw.IsValid() {
			if gw, err = netip.ParseAddr(c.Gateway); err != nil {
				return nil, gw, fmt.Errorf("ipam.config[%d].gateway: %w", i, err)
			}
		}
	}
	return fixed, gw, nil
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

// destroyNetwork removes a network and everything recorded for it; missing
// pieces count as removed.
func (e *Engine) destroyNetwork(name, bridge string, gw netip.Addr) error {
	var errs []error
	if gw.IsValid() {
		errs = append(errs, e.dns.Unlisten(gw))
	}
	if bridge != "" {
		errs = append(errs, netstack.DeleteBridge(bridge))
	}
	errs = append(errs, e.ipam.Release(name), e.removeRecord(name))
	return errors.Join(errs...)
}

// downNetworks gives up the project's networks: its own ones are removed
// unless other projects still use them (then the last user removes them);
// external ones are left alone.
func (e *Engine) downNetworks(st *ProjectState) error {
	var errs []error
	for name, n := range st.Networks {
		users := e.networkUsers(name, st.Name)
		rec, err := e.loadRecord(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		mine := !n.External && (rec == nil || rec.Owner == st.Name)
		orphan := rec != nil && rec.Owner == "" && !rec.Standalone
		switch {
		case len(users) > 0 && mine && rec != nil:
			e.logf("network %s is still used by %v: left in place", name, users)
			rec.Owner = ""
			errs = append(errs, e.saveRecord(rec))
		case len(users) > 0:
		case mine || orphan:
			errs = append(errs, e.destroyNetwork(name, n.Bridge, n.Gateway))
		default:
			errs = append(errs, e.dns.Unlisten(n.Gateway))
		}
		delete(st.Networks, name)
	}
	return errors.Join(errs...)
}
