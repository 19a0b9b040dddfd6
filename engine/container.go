package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mini-compose/mini-compose/api"
	"github.com/mini-compose/mini-compose/netstack"
	"github.com/mini-compose/mini-compose/project/plan"
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

// prepareContainers records each pending container and allocates its
// addresses, so that the firewall can be written for all of them at once.
// Creating and wiring the network namespaces, the generated files and the
// start itself happen later, in parallel (see wire).
func (e *Engine) prepareContainers(st *ProjectState, todo []*pending, undo *undoStack) error {
	// Addresses for all of them in one write of the IPAM's state.
	return e.ipam.Batch(func(ipam *netstack.IPAM) error { return e.prepareEach(ipam, st, todo, undo) })
}

func (e *Engine) prepareEach(ipam *netstack.IPAM, st *ProjectState, todo []*pending, undo *undoStack) error {
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
		if err := e.planNetwork(ipam, st, p); err != nil {
			return err
		}
		proc, err := p.svc.Resolve(plan.ImageConfig{
			Entrypoint: p.img.Config.Entrypoint, Cmd: p.img.Config.Cmd, Env: p.img.Config.Env,
			WorkingDir: p.img.Config.WorkingDir, User: p.img.Config.User,
		})
		if err != nil {
			return fmt.Errorf("services.%s: %w", p.svc.Name, err)
		}
		c.Command = proc.Args
		c.Upstreams = p.svc.DNS
		c.Links = linkAliases(p.svc.Links)
		mounts, err := e.mountsOf(st.Plan, c, p.svc)
		if err != nil {
			return err
		}
		p.spec = runtime.Spec{
			ID: c.Name, Project: st.Name, Image: p.img.Rootfs,
			Args: proc.Args, Env: append(proc.Env, "HOSTNAME="+c.Hostname), Cwd: proc.Cwd, User: proc.User,
			Hostname: c.Hostname, Domainname: p.svc.Domainname,
			Mounts: mounts, Sysctls: p.svc.Sysctls, ReadOnly: p.svc.ReadOnly, Privileged: p.svc.Privileged,
			CgroupHost: p.svc.CgroupHost,
			LogPath:    api.LogPath(e.root, c.Name),
		}
	}
	return nil
}

// wire creates and wires the container's network namespace and writes its
// generated files: the kernel work of a start, safe to run for several
// containers at once.
func (e *Engine) wire(st *ProjectState, p *pending) error {
	netnsPath, err := e.plugNetwork(st, p)
	if err != nil {
		return err
	}
	files, err := e.writeFiles(st, p)
	if err != nil {
		return err
	}
	p.spec.NetNS, p.spec.Files = netnsPath, files
	return nil
}

// planNetwork decides where the container's network namespace will be and
// allocates its address and MAC on each network; nothing is created yet.
// The netns path is recorded first, so that down removes it after a crash.
func (e *Engine) planNetwork(ipam *netstack.IPAM, st *ProjectState, p *pending) error {
	c := p.state
	switch mode := effectiveMode(st.Plan, p.svc); {
	case mode == "host" || mode == "none" || strings.HasPrefix(mode, "service:") || strings.HasPrefix(mode, "container:"):
		return nil // resolved by plugNetwork, once the target runs
	case mode != "" && mode != "bridge" && mode != "default":
		return fmt.Errorf("services.%s.network_mode: %q is not supported", p.svc.Name, mode)
	}
	c.NetNS = e.netnsPath(c.Name)
	gw := gatewayIndex(st, p.svc.Networks)
	used := map[string]bool{}
	for _, sn := range p.svc.Networks {
		if sn.InterfaceName != "" {
			used[sn.InterfaceName] = true
		}
	}
	next := 0
	for i, sn := range p.svc.Networks {
		n := networkByKey(st, sn.Key)
		if n == nil {
			return fmt.Errorf("services.%s.networks.%s: network not created", p.svc.Name, sn.Key)
		}
		ifname := sn.InterfaceName
		for ; ifname == ""; next++ {
			if cand := fmt.Sprintf("eth%d", next); !used[cand] {
				ifname, used[cand] = cand, true
			}
		}
		at := AttachState{Network: n.Name, HostIf: netstack.VethName(c.Name, n.Name), IfName: ifname,
			Aliases: sn.Aliases, Names: dnsNames(p.svc, c, sn.Aliases), Default: i == gw}
		if err := allocate(ipam, c, n, at, attachWants{sn.IPv4Address, sn.IPv6Address, sn.MacAddress}); err != nil {
			return fmt.Errorf("services.%s.networks.%s: %w", p.svc.Name, sn.Key, err)
		}
	}
	return nil
}

// plugNetwork creates the namespace planned by planNetwork and plugs a veth
// into it per network, or finds the namespace the container shares; it
// returns the netns path for the runtime.
func (e *Engine) plugNetwork(st *ProjectState, p *pending) (string, error) {
	c := p.state
	switch mode := effectiveMode(st.Plan, p.svc); {
	case mode == "host":
		return "host", nil
	case mode == "none":
		return "", nil
	case strings.HasPrefix(mode, "service:") || strings.HasPrefix(mode, "container:"):
		other, err := e.sharedNetNS(st, p.svc.Name, mode)
		if err != nil {
			return "", err
		}
		c.JoinedNetNS = other.Name
		return other.NetNS, nil
	}
	if err := netstack.NewNetNS(c.NetNS); err != nil {
		return "", err
	}
	for _, at := range c.Networks {
		n := st.Networks[at.Network]
		if err := e.plug(c, n, at); err != nil {
			return "", fmt.Errorf("services.%s: network %s: %w", p.svc.Name, n.Name, err)
		}
	}
	return c.NetNS, nil
}

// gatewayIndex picks the attachment that gets the default route: the
// highest gw_priority among non-internal networks, the first one on ties
// (the list is in priority order); -1 when all are internal.
func gatewayIndex(st *ProjectState, nets []plan.ServiceNetwork) int {
	best := -1
	for i, sn := range nets {
		n := networkByKey(st, sn.Key)
		if n == nil || n.Internal {
			continue
		}
		if best < 0 || sn.GwPriority > nets[best].GwPriority {
			best = i
		}
	}
	return best
}

// effectiveMode is the service's network_mode, with a service attached only
// to a `driver: host` or `driver: none` network mapped to that mode.
func effectiveMode(plan *plan.Plan, svc *plan.Service) string {
	if svc.NetworkMode != "" || plan == nil || len(svc.Networks) != 1 {
		return svc.NetworkMode
	}
	for _, n := range plan.Networks {
		if n.Key == svc.Networks[0].Key && (n.Driver == "host" || n.Driver == "none") {
			return n.Driver
		}
	}
	return ""
}

// sharedNetNS finds the netns of network_mode service:X (first replica of
// X) or container:NAME (a container of any project).
func (e *Engine) sharedNetNS(st *ProjectState, svc, mode string) (*ContainerState, error) {
	var other *ContainerState
	if target := sharedNetnsService(mode); target != "" {
		other = st.Containers[firstContainerOf(st, target)]
	} else {
		target = strings.TrimPrefix(mode, "container:")
		if other = st.Containers[target]; other == nil {
			for _, s := range e.otherStates(st.Name) {
				if other = s.Containers[target]; other != nil {
					break
				}
			}
		}
	}
	if other == nil || other.NetNS == "" || !e.isRunning(other.Name) {
		return nil, fmt.Errorf("services.%s.network_mode: %q has no running container with a network namespace to join", svc, mode)
	}
	return other, nil
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
func dnsNames(svc *plan.Service, c *ContainerState, aliases []string) []string {
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
	// Deleting the netns takes the veth pairs with it; this catches host
	// sides and addresses left behind by an interrupted attach, which may
	// not be in c.Networks yet.
	nets := map[string]bool{}
	for _, at := range c.Networks {
		nets[at.Network] = true
	}
	for name := range st.Networks {
		nets[name] = true
	}
	for name := range nets {
		if err := netstack.DetachVeth(netstack.VethName(c.Name, name)); err != nil {
			errs = append(errs, err)
		}
	}
	for _, at := range c.Networks {
		if err := e.ipam.ReleaseIP(at.Network, c.Name); err != nil {
			errs = append(errs, err)
		}
	}
	_ = os.RemoveAll(filepath.Join(e.root, "config", c.Name))
	_ = os.Remove(api.LogPath(e.root, c.Name))
	return errors.Join(errs...)
}

func findService(plan *plan.Plan, name string) *plan.Service {
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
