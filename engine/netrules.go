package engine

import (
	"fmt"
	"net/netip"

	"github.com/mini-compose/mini-compose/netstack"
)

// applyRules installs the project's firewall from its whole state. A port
// is published on the attachment that carries the default route (Docker's
// choice); a container only on internal networks publishes nothing.
func (e *Engine) applyRules(st *ProjectState) error {
	r := netstack.Rules{Project: st.Name}
	for _, n := range st.Networks {
		if !n.Subnet.IsValid() || n.Bridge == "" || !n.isBridge() {
			continue // half-made by an interrupted up, or no bridge
		}
		rule := netstack.NetRule{Bridge: n.Bridge, Subnet: n.Subnet, Internal: n.Internal}
		for _, g := range n.Gateways {
			if sub := g.Masked(); sub != n.Subnet {
				rule.Subnets = append(rule.Subnets, sub)
			}
		}
		r.Networks = append(r.Networks, rule)
	}
	for _, c := range st.Containers {
		at, n := publishingAttachment(st, c)
		if n == nil {
			continue
		}
		for _, p := range c.Ports {
			// A port without host_ip is published on both families (when
			// the container has an IPv6 address); one with host_ip only on
			// that address's family.
			for _, cip := range []netip.Addr{at.IP, at.IPv6} {
				if !cip.IsValid() || (p.HostIP.IsValid() && p.HostIP.Unmap().Is4() != cip.Is4()) {
					continue
				}
				r.Ports = append(r.Ports, netstack.PortRule{HostIP: p.HostIP, HostPort: p.HostPort, Proto: p.Protocol,
					Bridge: n.Bridge, ContainerIP: cip, ContainerPort: p.ContainerPort})
			}
		}
	}
	if err := netstack.ApplyRules(r); err != nil {
		return fmt.Errorf("apply firewall rules: %w", err)
	}
	return nil
}

// publishingAttachment is where a container's published ports lead: its
// default-route attachment, else its first non-internal one.
func publishingAttachment(st *ProjectState, c *ContainerState) (AttachState, *NetworkState) {
	var found *NetworkState
	var at AttachState
	for _, a := range c.Networks {
		n := st.Networks[a.Network]
		if n == nil || n.Internal || !n.isBridge() || !n.Subnet.IsValid() || !a.IP.IsValid() {
			continue
		}
		if found == nil || a.Default {
			found, at = n, a
		}
		if a.Default {
			break
		}
	}
	return at, found
}

// ensureNetwork brings back a network's bridge if it was lost (ip link del,
// a reboot-like loss) and puts the host side of every running container's
// veth back into it; a veth lost with it is created anew in the container's
// pinned netns.
func (e *Engine) ensureNetwork(st *ProjectState, n *NetworkState) error {
	if !n.Subnet.IsValid() || !n.Gateway.IsValid() {
		return nil
	}
	if err := ensureKernelNetwork(n); err != nil {
		return err
	}
	if !n.isBridge() {
		return nil // macvlan/ipvlan links live in the containers' netns
	}
	states := append([]*ProjectState{st}, e.otherStates(st.Name)...)
	for _, s := range states {
		for _, c := range s.Containers {
			if c.NetNS == "" || !e.isRunning(c.Name) {
				continue
			}
			for _, at := range c.Networks {
				if at.Network != n.Name {
					continue
				}
				if err := e.reattach(n, c, at); err != nil {
					return fmt.Errorf("reattach %q to network %q: %w", c.Name, n.Name, err)
				}
			}
		}
	}
	return nil
}

// restoreNetworks brings back, after a daemon restart, a project's lost
// bridges (with the running containers' veths) and its DNS listeners.
func (e *Engine) restoreNetworks(st *ProjectState) {
	for _, n := range st.Networks {
		if err := e.ensureNetwork(st, n); err != nil {
			e.logf("restore network %s: %v", n.Name, err)
		}
		if !n.Gateway.IsValid() || !n.isBridge() {
			continue
		}
		if err := e.dns.Listen(n.Gateway); err != nil {
			e.logf("restore dns on %s: %v", n.Gateway, err)
		}
	}
}
