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
		if !n.Subnet.IsValid() || n.Bridge == "" {
			continue // half-made by an interrupted up
		}
		r.Networks = append(r.Networks, netstack.NetRule{Bridge: n.Bridge, Subnet: n.Subnet, Internal: n.Internal})
	}
	for _, c := range st.Containers {
		at, n := publishingAttachment(st, c)
		if n == nil {
			continue
		}
		for _, p := range c.Ports {
			r.Ports = append(r.Ports, netstack.PortRule{HostIP: p.HostIP, HostPort: p.HostPort, Proto: p.Protocol,
				Bridge: n.Bridge, ContainerIP: at.IP, ContainerPort: p.ContainerPort})
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
		if n == nil || n.Internal || !n.Subnet.IsValid() || !a.IP.IsValid() {
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
	if err := netstack.EnsureBridge(n.Bridge, netip.PrefixFrom(n.Gateway, n.Subnet.Bits()), n.MTU); err != nil {
		return err
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
		if !n.Gateway.IsValid() {
			continue
		}
		if err := e.dns.Listen(n.Gateway); err != nil {
			e.logf("restore dns on %s: %v", n.Gateway, err)
		}
	}
}
