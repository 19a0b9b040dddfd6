package engine

import (
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/mini-compose/mini-compose/netstack"
	"github.com/mini-compose/mini-compose/project/plan"
)

type portKey struct {
	ip    netip.Addr
	port  uint16
	proto string
}

// usedPorts lists the host ports that mini-compose already publishes, in
// every project, except for the containers about to be (re)created.
func (e *Engine) usedPorts(st *ProjectState) (map[portKey]string, error) {
	used := map[portKey]string{}
	add := func(c *ContainerState) {
		for _, p := range c.Ports {
			used[portKey{p.HostIP, p.HostPort, p.Protocol}] = c.Name
		}
	}
	for _, c := range st.Containers {
		add(c)
	}
	projects, err := e.Projects()
	if err != nil {
		return nil, err
	}
	for _, name := range projects {
		if name == st.Name {
			continue
		}
		other, err := e.loadState(name)
		if err != nil || other == nil {
			continue
		}
		for _, c := range other.Containers {
			add(c)
		}
	}
	return used, nil
}

func conflicts(used map[portKey]string, k portKey) (string, bool) {
	for u, owner := range used {
		if u.port != k.port || u.proto != k.proto {
			continue
		}
		if !u.ip.IsValid() || !k.ip.IsValid() || u.ip == k.ip {
			return owner, true
		}
	}
	return "", false
}

// reservePorts chooses host ports for the pending containers (random ones
// for "80"), and refuses ports that are taken, by us or by any other program.
func (e *Engine) reservePorts(st *ProjectState, todo []*pending) error {
	used, err := e.usedPorts(st)
	if err != nil {
		return err
	}
	for _, p := range todo {
		if mode := p.svc.NetworkMode; len(p.svc.Ports) > 0 && (strings.HasPrefix(mode, "service:") || strings.HasPrefix(mode, "container:")) {
			// As Docker: the ports belong to the namespace's owner.
			return fmt.Errorf("services.%s.ports: conflicting options: port publishing and network_mode %q (publish them on the service that owns the network namespace)", p.svc.Name, mode)
		}
		if len(p.svc.Ports) > 0 && onlyInternal(st, p.svc) {
			// Docker publishes nothing for a container without a way out.
			e.logf("services.%s.ports: ignored: the service is only on internal networks", p.svc.Name)
			continue
		}
		for i, sp := range p.svc.Ports {
			var hostIP netip.Addr
			if sp.HostIP != "" {
				if hostIP, err = netip.ParseAddr(sp.HostIP); err != nil {
					return fmt.Errorf("services.%s.ports[%d]: host_ip %q: %w", p.svc.Name, i, sp.HostIP, err)
				}
			}
			n := 1
			if sp.ContainerPortEnd > sp.ContainerPort {
				n = int(sp.ContainerPortEnd-sp.ContainerPort) + 1
			}
			for j := 0; j < n; j++ {
				cport := sp.ContainerPort + uint16(j)
				hport, err := pickHostPort(used, hostIP, sp, j)
				if err != nil {
					return fmt.Errorf("services.%s.ports[%d]: %w", p.svc.Name, i, err)
				}
				used[portKey{hostIP, hport, sp.Protocol}] = p.state.Name
				p.state.Ports = append(p.state.Ports, PortState{HostIP: hostIP, HostPort: hport, ContainerPort: cport, Protocol: sp.Protocol})
			}
		}
	}
	return nil
}

// pickHostPort chooses the host port of the j-th container port of sp: a
// random one, the fixed one, or the first free one of a host range
// ("8000-8002:80"), so that replicas spread over the range as with Docker.
func pickHostPort(used map[portKey]string, hostIP netip.Addr, sp plan.Port, j int) (uint16, error) {
	if sp.HostPort == 0 {
		return randomPort(hostIP, sp.Protocol)
	}
	first, last := sp.HostPort+uint16(j), sp.HostPort+uint16(j)
	if sp.HostPortEnd > sp.HostPort && sp.ContainerPortEnd <= sp.ContainerPort {
		last = sp.HostPortEnd
	}
	var firstErr error
	for port := int(first); port <= int(last); port++ {
		k := portKey{hostIP, uint16(port), sp.Protocol}
		err := netstack.CheckPortFree(hostIP, k.port, sp.Protocol)
		if owner, taken := conflicts(used, k); taken {
			err = fmt.Errorf("bind %s failed: port is already allocated (by %s)", hostPortString(hostIP, k.port), owner)
		}
		if err == nil {
			return k.port, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if first != last {
		return 0, fmt.Errorf("no free host port in %d-%d: %w", first, last, firstErr)
	}
	return 0, firstErr
}

// onlyInternal reports whether every network of the service is internal.
func onlyInternal(st *ProjectState, svc *plan.Service) bool {
	if svc.NetworkMode != "" || len(svc.Networks) == 0 {
		return false
	}
	for _, sn := range svc.Networks {
		if n := networkByKey(st, sn.Key); n == nil || !n.Internal {
			return false
		}
	}
	return true
}

func hostPortString(ip netip.Addr, port uint16) string {
	h := "0.0.0.0"
	if ip.IsValid() {
		h = ip.String()
	}
	return net.JoinHostPort(h, fmt.Sprint(port))
}

// randomPort asks the kernel for a free ephemeral port, as Docker does.
func randomPort(ip netip.Addr, proto string) (uint16, error) {
	host := ""
	if ip.IsValid() {
		host = ip.String()
	}
	addr := net.JoinHostPort(host, "0")
	if proto == "udp" {
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			return 0, fmt.Errorf("find a free port: %w", err)
		}
		defer c.Close()
		return uint16(c.LocalAddr().(*net.UDPAddr).Port), nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return uint16(l.Addr().(*net.TCPAddr).Port), nil
}
