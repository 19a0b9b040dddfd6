package engine

import (
	"fmt"
	"slices"

	"github.com/mini-compose/mini-compose/netstack"
)

// findContainer returns the project state holding a container.
func (e *Engine) findContainer(name string) (*ProjectState, *ContainerState, error) {
	for _, st := range e.otherStates("") {
		if c := st.Containers[name]; c != nil {
			return st, c, nil
		}
	}
	return nil, nil, fmt.Errorf("no such container %q", name)
}

// Connect plugs a new veth into a running container's netns, gives it an
// address on the network and publishes its names in the network's DNS.
func (e *Engine) Connect(req ConnectRequest) (retErr error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	st, c, err := e.findContainer(req.Container)
	if err != nil {
		return err
	}
	if c.NetNS == "" || !e.isRunning(c.Name) {
		return fmt.Errorf("connect %q to network %q: the container is not running with a network namespace of its own", c.Name, req.Network)
	}
	for _, at := range c.Networks {
		if at.Network == req.Network {
			return fmt.Errorf("connect %q to network %q: already connected", c.Name, req.Network)
		}
	}
	rec, err := e.loadRecord(req.Network)
	if err != nil {
		return err
	}
	if rec == nil || !rec.Subnet.IsValid() {
		return fmt.Errorf("connect %q: network %q not found", c.Name, req.Network)
	}
	n := st.Networks[req.Network]
	if n == nil {
		n = stateOf(rec, "")
		n.External = rec.Owner != st.Name
		if err := e.ensureNetwork(st, n); err != nil {
			return err
		}
		if n.isBridge() {
			if err := e.dns.Listen(n.Gateway); err != nil {
				return fmt.Errorf("start dns on %s: %w", n.Gateway, err)
			}
		}
		st.Networks[n.Name] = n
		defer func() {
			if retErr != nil {
				delete(st.Networks, n.Name)
			}
		}()
	}
	at := AttachState{Network: n.Name, HostIf: netstack.VethName(c.Name, n.Name), IfName: nextIfName(c),
		Aliases: req.Aliases, Names: append([]string{c.Service, c.Name, c.ID[:12]}, req.Aliases...)}
	if svc := findService(st.Plan, c.Service); svc != nil {
		at.Names = dnsNames(svc, c, req.Aliases)
	}
	had := len(c.Networks)
	if err := e.attach(c, n, at, attachWants{IPv4: req.IPv4, IPv6: req.IPv6}); err != nil {
		if len(c.Networks) > had {
			_ = e.detachNet(c, n, c.Networks[had])
		}
		c.Networks = c.Networks[:had]
		_ = e.ipam.ReleaseIP(n.Name, c.Name)
		return fmt.Errorf("connect %q to network %q: %w", c.Name, n.Name, err)
	}
	return e.commitNetworkChange(st, c)
}

// Disconnect unplugs a container from a network.
func (e *Engine) Disconnect(network, container string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	st, c, err := e.findContainer(container)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(c.Networks, func(a AttachState) bool { return a.Network == network })
	if i < 0 {
		return fmt.Errorf("disconnect %q: not connected to network %q", container, network)
	}
	at := c.Networks[i]
	if err := e.detachNet(c, st.Networks[network], at); err != nil {
		return fmt.Errorf("disconnect %q from network %q: %w", container, network, err)
	}
	c.Networks = slices.Delete(c.Networks, i, i+1)
	if !projectUses(st, network) {
		delete(st.Networks, network)
	}
	return e.commitNetworkChange(st, c)
}

// projectUses reports whether the plan or a container of st uses network.
func projectUses(st *ProjectState, network string) bool {
	if st.Plan != nil {
		for _, n := range st.Plan.Networks {
			if n.Name == network {
				return true
			}
		}
	}
	for _, c := range st.Containers {
		for _, at := range c.Networks {
			if at.Network == network {
				return true
			}
		}
	}
	return false
}

func (e *Engine) commitNetworkChange(st *ProjectState, c *ContainerState) error {
	if err := e.applyRules(st); err != nil {
		return err
	}
	if err := e.saveState(st); err != nil {
		return err
	}
	e.registerDNS(st, c)
	return e.rewriteHosts(st, c)
}

func nextIfName(c *ContainerState) string {
	for i := 0; ; i++ {
		name := fmt.Sprintf("eth%d", i)
		if !slices.ContainsFunc(c.Networks, func(a AttachState) bool { return a.IfName == name }) {
			return name
		}
	}
}

// Port returns the host address ("0.0.0.0:8080") that publishes a
// container port of the index-th (1-based) replica of a service.
func (e *Engine) Port(project, service string, port uint16, proto string, index int) (string, error) {
	st, err := e.loadState(project)
	if err != nil {
		return "", err
	}
	if st == nil {
		return "", fmt.Errorf("no such project %q", project)
	}
	if proto == "" {
		proto = "tcp"
	}
	if index <= 0 {
		index = 1
	}
	for _, c := range st.Containers {
		if c.Service != service || c.Number != index {
			continue
		}
		for _, p := range c.Ports {
			if p.ContainerPort == port && p.Protocol == proto {
				return hostPortString(p.HostIP, p.HostPort), nil
			}
		}
		return "", fmt.Errorf("no port %d/%s published for service %q", port, proto, service)
	}
	return "", fmt.Errorf("no container of service %q with index %d", service, index)
}
