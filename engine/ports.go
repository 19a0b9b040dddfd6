package engine

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/mini-compose/mini-compose/netstack"
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
				hport := uint16(0)
				if sp.HostPort != 0 {
					hport = sp.HostPort + uint16(j)
				}
				if hport == 0 {
					if hport, err = randomPort(hostIP, sp.Protocol); err != nil {
						return fmt.Errorf("services.%s.ports[%d]: %w", p.svc.Name, i, err)
					}
				}
				k := portKey{hostIP, hport, sp.Protocol}
				if owner, taken := conflicts(used, k); taken {
					return fmt.Errorf("services.%s.ports[%d]: bind %s failed: port is already allocated (by %s)",
						p.svc.Name, i, hostPortString(hostIP, hport), owner)
				}
				if err := netstack.CheckPortFree(hostIP, hport, sp.Protocol); err != nil {
					return fmt.Errorf("services.%s.ports[%d]: %w", p.svc.Name, i, err)
				}
				used[k] = p.state.Name
				p.state.Ports = append(p.state.Ports, PortState{HostIP: hostIP, HostPort: hport, ContainerPort: cport, Protocol: sp.Protocol})
			}
		}
	}
	return nil
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
