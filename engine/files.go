package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// writeFiles generates /etc/hosts, /etc/resolv.conf and /etc/hostname for a
// container and returns them as container path -> host file.
func (e *Engine) writeFiles(st *ProjectState, p *pending) (map[string]string, error) {
	c := p.state
	dir := filepath.Join(e.root, "config", c.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	fqdn := c.Hostname
	if p.svc.Domainname != "" {
		fqdn = c.Hostname + "." + p.svc.Domainname
	}
	var hosts strings.Builder
	hosts.WriteString("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
	hosts.WriteString("fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n")
	if len(c.Networks) > 0 {
		names := fqdn
		if fqdn != c.Hostname {
			names += " " + c.Hostname
		}
		fmt.Fprintf(&hosts, "%s\t%s\n", c.Networks[0].IP, names)
	}
	for _, h := range p.svc.ExtraHosts {
		ip := h.IP
		if ip == "host-gateway" {
			ip = hostGateway(st, c)
		}
		fmt.Fprintf(&hosts, "%s\t%s\n", ip, h.Name)
	}
	resolv, err := e.resolvConf(st, p)
	if err != nil {
		return nil, err
	}
	contents := map[string]string{"hosts": hosts.String(), "resolv.conf": resolv, "hostname": fqdn + "\n"}
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
	} else {
		gw := st.Networks[p.state.Networks[0].Network].Gateway
		fmt.Fprintf(&b, "nameserver %s\n", gw)
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
