package engine

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/mini-compose/mini-compose/netstack"
	"github.com/mini-compose/mini-compose/project"
)

// upNetworks creates the plan's networks that do not exist yet.
func (e *Engine) upNetworks(plan *project.Plan, st *ProjectState, undo *undoStack) error {
	for _, n := range plan.Networks {
		if st.Networks[n.Name] != nil {
			// Restore a bridge lost since (idempotent) and keep going.
			ns := st.Networks[n.Name]
			if err := netstack.EnsureBridge(ns.Bridge, netip.PrefixFrom(ns.Gateway, ns.Subnet.Bits()), mtuOf(n)); err != nil {
				return err
			}
			continue
		}
		if n.External {
			return fmt.Errorf("networks.%s: external networks are not supported yet", n.Key)
		}
		if n.Driver != "" && n.Driver != "bridge" {
			return fmt.Errorf("networks.%s.driver: driver %q is not supported yet (only bridge)", n.Key, n.Driver)
		}
		var fixed []netip.Prefix
		for i, c := range n.IPAM {
			if c.Subnet == "" {
				continue
			}
			p, err := netip.ParsePrefix(c.Subnet)
			if err != nil {
				return fmt.Errorf("networks.%s.ipam.config[%d].subnet: %w", n.Key, i, err)
			}
			fixed = append(fixed, p.Masked())
		}
		subnet, err := e.ipam.Allocate(n.Name, fixed)
		if err != nil {
			return fmt.Errorf("allocate subnet for network %q: %w", n.Name, err)
		}
		name := n.Name
		undo.push(func() error { return e.ipam.Release(name) })
		gw, err := e.ipam.Gateway(n.Name)
		if err != nil {
			return err
		}
		bridge := netstack.BridgeName(n.Name)
		if err := netstack.EnsureBridge(bridge, netip.PrefixFrom(gw, subnet.Bits()), mtuOf(n)); err != nil {
			return err
		}
		undo.push(func() error { return netstack.DeleteBridge(bridge) })
		if err := e.dns.Listen(gw); err != nil {
			return fmt.Errorf("start dns on %s: %w", gw, err)
		}
		undo.push(func() error { return e.dns.Unlisten(gw) })
		st.Networks[n.Name] = &NetworkState{Key: n.Key, Name: n.Name, Bridge: bridge,
			Subnet: subnet, Gateway: gw, Internal: n.Internal}
		undo.push(func() error { delete(st.Networks, name); return nil })
	}
	return nil
}

func mtuOf(n project.Network) int {
	for _, k := range []string{"com.docker.network.driver.mtu", "mtu"} {
		if v, ok := n.DriverOpts[k]; ok {
			if m, err := strconv.Atoi(v); err == nil {
				return m
			}
		}
	}
	return 0
}

// applyRules installs the project's firewall from its whole state.
func (e *Engine) applyRules(st *ProjectState) error {
	r := netstack.Rules{Project: st.Name}
	bridgeOf := map[string]string{}
	for _, n := range st.Networks {
		bridgeOf[n.Name] = n.Bridge
		r.Networks = append(r.Networks, netstack.NetRule{Bridge: n.Bridge, Subnet: n.Subnet, Internal: n.Internal})
	}
	for _, c := range st.Containers {
		if len(c.Ports) == 0 || len(c.Networks) == 0 {
			continue
		}
		at := c.Networks[0]
		for _, p := range c.Ports {
			r.Ports = append(r.Ports, netstack.PortRule{HostIP: p.HostIP, HostPort: p.HostPort, Proto: p.Protocol,
				Bridge: bridgeOf[at.Network], ContainerIP: at.IP, ContainerPort: p.ContainerPort})
		}
	}
	if err := netstack.ApplyRules(r); err != nil {
		return fmt.Errorf("apply firewall rules: %w", err)
	}
	return nil
}

// downNetworks removes the project's own networks.
func (e *Engine) downNetworks(st *ProjectState) error {
	var first error
	for name, n := range st.Networks {
		if n.External {
			continue
		}
		if err := e.dns.Unlisten(n.Gateway); err != nil && first == nil {
			first = err
		}
		if err := netstack.DeleteBridge(n.Bridge); err != nil && first == nil {
			first = err
		}
		if err := e.ipam.Release(name); err != nil && first == nil {
			first = err
		}
	}
	return first
}
