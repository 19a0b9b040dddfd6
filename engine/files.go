package engine

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/mini-compose/mini-compose/project/plan"
)

// writeFiles generates /etc/hosts, /etc/resolv.conf and /etc/hostname for a
// container and returns them as container path -> host file.
func (e *Engine) writeFiles(st *ProjectState, p *pending) (map[string]string, error) {
	c := p.state
	dir := filepath.Join(e.root, "config", c.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	fqdn := fqdnOf(c, p.svc)
	resolv, err := e.resolvConf(st, p)
	if err != nil {
		return nil, err
	}
	contents := map[string]string{"hosts": hostsFile(st, c, p.svc), "resolv.conf": resolv, "hostname": fqdn + "\n"}
	if c.JoinedNetNS != "" {
		// As with Docker, a container in another's netns uses its hosts
		// and resolv.conf: same addresses, same DNS server.
		for _, name := range []string{"hosts", "resolv.conf"} {
			if b, err := os.ReadFile(filepath.Join(e.root, "config", c.JoinedNetNS, name)); err == nil {
				contents[name] = string(b)
			}
		}
	}
	files := map[string]string{}
	for name, content := range contents {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return nil, fmt.Errorf("write %s of %q: %w", name, c.Name, err)
		}
		files["/etc/"+name] = path
	}
	return files, nil
}

// resolvConf points the container at the embedded DNS on its first network's
// gateway (which forwards to the service's dns: servers or the host's);
// host-network containers get the host's resolv.conf.
func (e *Engine) resolvConf(st *ProjectState, p *pending) (string, error) {
	var b strings.Builder
	if len(p.state.Networks) == 0 {
		if p.svc.NetworkMode == "host" {
			host, err := os.ReadFile("/etc/resolv.conf")
			if err != nil && !os.IsNotExist(err) {
				return "", err
			}
			return string(host), nil
		}
		for _, s := range p.svc.DNS {
			fmt.Fprintf(&b, "nameserver %s\n", s)
		}
	} else if gw := dnsGateway(st, p.state); gw.IsValid() {
		fmt.Fprintf(&b, "nameserver %s\n", gw)
	} else {
		// Only on macvlan/ipvlan networks: the host cannot serve DNS there.
		for _, s := range p.svc.DNS {
			fmt.Fprintf(&b, "nameserver %s\n", s)
		}
	}
	if len(p.svc.DNSSearch) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(p.svc.DNSSearch, " "))
	}
	if len(p.svc.DNSOpt) > 0 {
		fmt.Fprintf(&b, "options %s\n", strings.Join(p.svc.DNSOpt, " "))
	}
	return b.String(), nil
}

// hostGateway is what extra_hosts' "host-gateway" means for a container:
// the host's address on the network of its default route (or its first
// network); for host networking, the host's loopback.
func hostGateway(st *ProjectState, c *ContainerState) string {
	for _, at := range c.Networks {
		if n := st.Networks[at.Network]; n != nil && (at.Default || len(c.Networks) == 1) {
			return n.Gateway.String()
		}
	}
	if len(c.Networks) > 0 {
		if n := st.Networks[c.Networks[0].Network]; n != nil {
			return n.Gateway.String()
		}
	}
	return "127.0.0.1"
}

// dnsGateway is the embedded DNS server of a container: the gateway of its
// first bridge network (zero when it is on none).
func dnsGateway(st *ProjectState, c *ContainerState) netip.Addr {
	for _, at := range c.Networks {
		if n := st.Networks[at.Network]; n != nil && n.isBridge() {
			return n.Gateway
		}
	}
	return netip.Addr{}
}

func fqdnOf(c *ContainerState, svc *plan.Service) string {
	if svc != nil && svc.Domainname != "" {
		return c.Hostname + "." + svc.Domainname
	}
	return c.Hostname
}

// hostsFile renders a container's /etc/hosts: localhost, its own name on
// every address it has (one line per attachment, IPv4 then IPv6), and
// extra_hosts.
func hostsFile(st *ProjectState, c *ContainerState, svc *plan.Service) string {
	var hosts strings.Builder
	hosts.WriteString("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
	hosts.WriteString("fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n")
	fqdn := fqdnOf(c, svc)
	names := fqdn
	if fqdn != c.Hostname {
		names += " " + c.Hostname
	}
	for _, at := range c.Networks {
		for _, ip := range []netip.Addr{at.IP, at.IPv6} {
			if ip.IsValid() {
				fmt.Fprintf(&hosts, "%s\t%s\n", ip, names)
			}
		}
	}
	if svc == nil {
		return hosts.String()
	}
	for _, h := range svc.ExtraHosts {
		ip := h.IP
		if ip == "host-gateway" {
			ip = hostGateway(st, c)
		}
		fmt.Fprintf(&hosts, "%s\t%s\n", ip, h.Name)
	}
	return hosts.String()
}

// rewriteHosts regenerates the /etc/hosts of a running container (and of
// those sharing its netns) after its networks changed. The file is
// rewritten in place: it is bind-mounted, so a rename would not be seen.
func (e *Engine) rewriteHosts(st *ProjectState, c *ContainerState) error {
	content := hostsFile(st, c, findService(st.Plan, c.Service))
	targets := []string{c.Name}
	for _, o := range st.Containers {
		if o.JoinedNetNS == c.Name {
			targets = append(targets, o.Name)
		}
	}
	for _, name := range targets {
		path := filepath.Join(e.root, "config", name, "hosts")
		if _, err := os.Stat(path); err != nil {
			continue
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return fmt.Errorf("rewrite hosts of %q: %w", name, err)
		}
	}
	return nil
}
