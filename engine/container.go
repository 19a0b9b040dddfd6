package engine

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mini-compose/mini-compose/netstack"
	"github.com/mini-compose/mini-compose/project"
	"github.com/mini-compose/mini-compose/runtime"
)

// sharedNetnsService returns X for network_mode "service:X".
func sharedNetnsService(mode string) string {
	s, _ := strings.CutPrefix(mode, "service:")
	if s == mode {
		return ""
	}
	return s
}

// prepareContainers allocates addresses, creates and wires each pending
// container's network namespace and writes its generated files. The
// containers are started later, once the firewall is in place.
func (e *Engine) prepareContainers(st *ProjectState, todo []*pending, undo *undoStack) error {
	for _, p := range todo {
		c := p.state
		st.Containers[c.Name] = c
		undo.push(func() error {
			delete(st.Containers, c.Name)
			return e.removeContainer(st, c, false)
		})
		c.Created = time.Now()
		c.Hostname = p.svc.Hostname
		if c.Hostname == "" {
			c.Hostname = c.ID[:12]
		}
		netnsPath, err := e.wireNetwork(st, p)
		if err != nil {
			return err
		}
		files, err := e.writeFiles(st, p)
		if err != nil {
			return err
		}
		proc, err := p.svc.Resolve(project.ImageConfig{
			Entrypoint: p.img.Config.Entrypoint, Cmd: p.img.Config.Cmd, Env: p.img.Config.Env,
			WorkingDir: p.img.Config.WorkingDir, User: p.img.Config.User,
		})
		if err != nil {
			return fmt.Errorf("services.%s: %w", p.svc.Name, err)
		}
		c.Command = proc.Args
		c.Upstreams = p.svc.DNS
		c.Links = linkAliases(p.svc.Links)
		mounts := make([]runtime.Mount, 0, len(p.svc.Mounts))
		for _, m := range p.svc.Mounts {
			mounts = append(mounts, runtime.Mount{Type: m.Type, Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly})
		}
		p.spec = runtime.Spec{
			ID: c.Name, Project: st.Name, Image: p.img.Rootfs,
			Args: proc.Args, Env: append(proc.Env, "HOSTNAME="+c.Hostname), Cwd: proc.Cwd, User: proc.User,
			Hostname: c.Hostname, Domainname: p.svc.Domainname, NetNS: netnsPath, Files: files,
			Mounts: mounts, Sysctls: p.svc.Sysctls, ReadOnly: p.svc.ReadOnly, Privileged: p.svc.Privileged,
			LogPath: LogPath(e.root, c.Name),
		}
	}
	return nil
}

// wireNetwork gives the container its network namespace and returns its path.
func (e *Engine) wireNetwork(st *ProjectState, p *pending) (string, error) {
	c := p.state
	mode := p.svc.NetworkMode
	switch {
	case mode == "host":
		return "host", nil
	case mode == "none":
		return "", nil
	case strings.HasPrefix(mode, "service:") || strings.HasPrefix(mode, "container:"):
		target := sharedNetnsService(mode)
		if target != "" {
			target = firstContainerOf(st, target)
		} else {
			target = strings.TrimPrefix(mode, "container:")
		}
		other := st.Containers[target]
		if other == nil || other.NetNS == "" {
			return "", fmt.Errorf("services.%s.network_mode: %q has no network namespace to join", p.svc.Name, mode)
		}
		return other.NetNS, nil
	case mode != "" && mode != "bridge" && mode != "default":
		return "", fmt.Errorf("services.%s.network_mode: %q is not supported", p.svc.Name, mode)
	}
	path := e.netnsPath(c.Name)
	if err := netstack.NewNetNS(path); err != nil {
		return "", err
	}
	c.NetNS = path
	nets := append([]project.ServiceNetwork(nil), p.svc.Networks...)
	sort.SliceStable(nets, func(i, j int) bool { return nets[i].Priority > nets[j].Priority })
	for i, sn := range nets {
		n := networkByKey(st, sn.Key)
		if n == nil {
			return "", fmt.Errorf("services.%s.networks.%s: network not created", p.svc.Name, sn.Key)
		}
		var want netip.Addr
		if sn.IPv4Address != "" {
			a, err := netip.ParseAddr(sn.IPv4Address)
			if err != nil {
				return "", fmt.Errorf("services.%s.networks.%s.ipv4_address: %w", p.svc.Name, sn.Key, err)
			}
			want = a
		}
		ip, err := e.ipam.AllocateIP(n.Name, c.Name, want)
		if err != nil {
			return "", fmt.Errorf("services.%s.networks.%s: %w", p.svc.Name, sn.Key, err)
		}
		ifname := sn.InterfaceName
		if ifname == "" {
			ifname = fmt.Sprintf("eth%d", i)
		}
		at := AttachState{Network: n.Name, HostIf: netstack.VethName(c.Name, n.Name), IP: ip,
			Names: dnsNames(p.svc, c, sn.Aliases)}
		c.Networks = append(c.Networks, at)
		if err := netstack.AttachVeth(netstack.Attachment{Bridge: n.Bridge, HostIf: at.HostIf, NetNS: path,
			IfName: ifname, Addr: netip.PrefixFrom(ip, n.Subnet.Bits()), Gateway: n.Gateway,
			DefaultRoute: i == 0 && !n.Internal}); err != nil {
			return "", err
		}
	}
	return path, nil
}

func networkByKey(st *ProjectState, key string) *NetworkState {
	for _, n := range st.Networks {
		if n.Key == key {
			return n
		}
	}
	return nil
}

func firstContainerOf(st *ProjectState, service string) string {
	best := ""
	for name, c := range st.Containers {
		if c.Service == service && (best == "" || c.Number < st.Containers[best].Number) {
			best = name
		}
	}
	return best
}

// dnsNames are the names a container answers to on one network.
func dnsNames(svc *project.Service, c *ContainerState, aliases []string) []string {
	names := []string{svc.Name, c.Name, c.ID[:12]}
	if svc.Hostname != "" {
		names = append(names, svc.Hostname)
	}
	return append(names, aliases...)
}

// linkAliases turns links ("db", "db:database") into alias -> service.
func linkAliases(links []string) map[string]string {
	if len(links) == 0 {
		return nil
	}
	m := map[string]string{}
	for _, l := range links {
		target, alias, ok := strings.Cut(l, ":")
		if !ok {
			alias = target
		}
		m[alias] = target
	}
	return m
}

// removeContainer stops (if asked) and deletes a container and everything
// it owns. Missing pieces count as removed.
func (e *Engine) removeContainer(st *ProjectState, c *ContainerState, stop bool) error {
	e.unwatch(c.Name)
	e.dns.RemoveContainer(c.Name)
	var errs []error
	if stop {
		grace := 10 * time.Second
		sig := "SIGTERM"
		if svc := findService(st.Plan, c.Service); svc != nil {
			if svc.StopGracePeriod > 0 {
				grace = svc.StopGracePeriod
			}
			if svc.StopSignal != "" {
				sig = svc.StopSignal
			}
		}
		if err := e.rt.Stop(c.Name, signalOf(sig), grace); err != nil && !errors.Is(err, runtime.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := e.rt.Remove(c.Name); err != nil {
		errs = append(errs, err)
	}
	if c.NetNS != "" {
		if err := netstack.DeleteNetNS(c.NetNS); err != nil {
			errs = append(errs, err)
		}
	}
	for _, at := range c.Networks {
		// Deleting the netns takes the veth pair with it; this catches a
		// host side left behind by an interrupted attach.
		if err := netstack.DetachVeth(at.HostIf); err != nil {
			errs = append(errs, err)
		}
		if err := e.ipam.ReleaseIP(at.Network, c.Name); err != nil {
			errs = append(errs, err)
		}
	}
	_ = os.RemoveAll(filepath.Join(e.root, "config", c.Name))
	_ = os.Remove(LogPath(e.root, c.Name))
	return errors.Join(errs...)
}

func findService(plan *project.Plan, name string) *project.Service {
	if plan == nil {
		return nil
	}
	for i := range plan.Services {
		if plan.Services[i].Name == name {
			return &plan.Services[i]
		}
	}
	return nil
}
