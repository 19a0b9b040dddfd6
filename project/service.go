package project

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/mini-compose/mini-compose/runtime/imageref"
)

// containerNameRE is what Docker accepts as a container name; it is also
// a valid libcontainer id.
var containerNameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// Defaults applied when a service does not set them, as Docker does.
const (
	DefaultStopSignal      = "SIGTERM"
	DefaultStopGracePeriod = 10 * time.Second
)

// buildService converts one service, reporting its problems to ps.
func buildService(p *types.Project, s types.ServiceConfig, ps *problems) *Service {
	path := "services." + s.Name
	screen(serviceAttrs, path, s, ps.add)
	svc := &Service{
		Name:            s.Name,
		Image:           s.Image,
		Entrypoint:      cloneCmd(s.Entrypoint),
		Command:         cloneCmd(s.Command),
		Environment:     environment(s.Environment),
		WorkingDir:      s.WorkingDir,
		User:            s.User,
		Hostname:        s.Hostname,
		Domainname:      s.DomainName,
		NetworkMode:     s.NetworkMode,
		DNS:             s.DNS,
		DNSSearch:       s.DNSSearch,
		DNSOpt:          s.DNSOpts,
		StopSignal:      s.StopSignal,
		StopGracePeriod: DefaultStopGracePeriod,
		Labels:          copyMap(s.Labels),
		Sysctls:         copyMap(s.Sysctls),
		Tty:             s.Tty,
		StdinOpen:       s.StdinOpen,
		Init:            s.Init != nil && *s.Init,
		ReadOnly:        s.ReadOnly,
		Privileged:      s.Privileged,
		CgroupHost:      s.Cgroup == "host",
		CapAdd:          s.CapAdd,
		CapDrop:         s.CapDrop,
		Links:           s.Links,
	}
	if svc.Image != "" {
		ref, err := imageref.Normalize(svc.Image)
		if err != nil {
			ps.add(path+".image", "invalid reference format: %q", svc.Image)
		}
		svc.ImageRef = ref
	} else if s.Build != nil {
		ps.add(path+".build", "building images is not supported yet; set image: to a locally loaded image")
	} else {
		ps.add(path+".image", "missing: a service needs an image")
	}
	if s.PullPolicy == types.PullPolicyBuild {
		ps.add(path+".pull_policy", "building images is not supported yet")
	}
	if svc.StopSignal == "" {
		svc.StopSignal = DefaultStopSignal
	}
	if s.StopGracePeriod != nil {
		svc.StopGracePeriod = time.Duration(*s.StopGracePeriod)
	}
	if s.WorkingDir != "" && !strings.HasPrefix(s.WorkingDir, "/") {
		ps.add(path+".working_dir", "%q must be an absolute path", s.WorkingDir)
	}
	buildReplicas(p, s, svc, path, ps)
	buildNetworking(p, s, svc, path, ps)
	buildDependencies(p, s, svc, path, ps)
	buildRestart(s, svc, path, ps)
	svc.Ports = buildPorts(s.Ports, path, ps)
	svc.Expose = buildExpose(s.Expose, path, ps)
	svc.ExtraHosts = extraHosts(s.ExtraHosts)
	svc.Mounts, svc.Volumes = buildMounts(p, s, path, ps)
	svc.Healthcheck = buildHealthcheck(s.HealthCheck, path, ps)
	svc.Resources = buildResources(s)
	svc.Ulimits = buildUlimits(s.Ulimits)
	return svc
}

func cloneCmd(c types.ShellCommand) []string {
	if c == nil {
		return nil
	}
	return append([]string{}, c...)
}

// environment drops unset (nil-valued) variables.
func environment(env types.MappingWithEquals) map[string]string {
	out := map[string]string{}
	for k, v := range env {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}

// buildReplicas sets Replicas and names the containers.
func buildReplicas(p *types.Project, s types.ServiceConfig, svc *Service, path string, ps *problems) {
	if s.Scale != nil && s.Deploy != nil && s.Deploy.Replicas != nil && *s.Scale != *s.Deploy.Replicas {
		ps.add(path+".scale", "%d differs from deploy.replicas %d", *s.Scale, *s.Deploy.Replicas)
	}
	svc.Replicas = s.GetScale()
	if svc.Replicas < 0 {
		ps.add(path+".deploy.replicas", "%d must not be negative", svc.Replicas)
		svc.Replicas = 0
	}
	if s.ContainerName != "" {
		if !containerNameRE.MatchString(s.ContainerName) {
			ps.add(path+".container_name", "%q is not a valid container name (allowed: [a-zA-Z0-9][a-zA-Z0-9_.-]*)", s.ContainerName)
		}
		if svc.Replicas > 1 {
			ps.add(path+".container_name", "cannot be set with %d replicas: container names must be unique", svc.Replicas)
		}
		if svc.Replicas >= 1 {
			svc.Containers = []Container{{Name: s.ContainerName, Number: 1}}
		}
		return
	}
	for n := 1; n <= svc.Replicas; n++ {
		svc.Containers = append(svc.Containers, Container{Name: fmt.Sprintf("%s-%s-%d", p.Name, s.Name, n), Number: n})
	}
}

// buildNetworking checks network_mode and converts the service networks.
func buildNetworking(p *types.Project, s types.ServiceConfig, svc *Service, path string, ps *problems) {
	if mode := s.NetworkMode; mode != "" {
		switch {
		case mode == "none", mode == "host", strings.HasPrefix(mode, types.ContainerPrefix):
		case strings.HasPrefix(mode, types.ServicePrefix):
			dep := strings.TrimPrefix(mode, types.ServicePrefix)
			if _, ok := p.Services[dep]; !ok {
				ps.add(path+".network_mode", "unknown service %q", dep)
			}
		default:
			ps.add(path+".network_mode", "%q is not supported (use none, host, service:<name> or container:<name>)", mode)
		}
		if len(s.Networks) > 0 {
			ps.add(path+".networks", "cannot be set together with network_mode")
		}
		return
	}
	if len(s.Networks) == 0 {
		svc.Networks = []ServiceNetwork{{Key: "default"}}
		return
	}
	for _, key := range s.NetworksByPriority() {
		if _, ok := p.Networks[key]; !ok && key != "default" {
			ps.add(path+".networks."+key, "network %q is not declared in the top-level networks", key)
		}
		if d := p.Networks[key].Driver; (d == "host" || d == "none") && len(s.Networks) > 1 {
			ps.add(path+".networks."+key, "a %q network cannot be combined with other networks", d)
		}
		sn := ServiceNetwork{Key: key}
		if c := s.Networks[key]; c != nil {
			sn.Aliases = c.Aliases
			sn.IPv4Address = c.Ipv4Address
			sn.IPv6Address = c.Ipv6Address
			sn.MacAddress = c.MacAddress
			sn.InterfaceName = c.InterfaceName
			sn.Priority = c.Priority
			sn.GwPriority = c.GatewayPriority
			checkAddress(path+".networks."+key+".ipv4_address", c.Ipv4Address, 4, ps)
			checkAddress(path+".networks."+key+".ipv6_address", c.Ipv6Address, 6, ps)
		}
		svc.Networks = append(svc.Networks, sn)
	}
}

// buildDependencies converts depends_on and checks links.
func buildDependencies(p *types.Project, s types.ServiceConfig, svc *Service, path string, ps *problems) {
	// compose-go adds links and network_mode: service:x to depends_on;
	// those are reported on their own attribute.
	implied := map[string]bool{}
	if dep, ok := strings.CutPrefix(s.NetworkMode, types.ServicePrefix); ok {
		implied[dep] = true
	}
	for _, l := range s.Links {
		implied[strings.SplitN(l, ":", 2)[0]] = true
	}
	for _, name := range sortedKeys(s.DependsOn) {
		d := s.DependsOn[name]
		if _, ok := p.Services[name]; !ok {
			if !d.Required || implied[name] {
				continue // an optional dependency may be absent
			}
			if _, disabled := p.DisabledServices[name]; disabled {
				ps.add(path+".depends_on."+name, "service %q is disabled by its profiles", name)
			} else {
				ps.add(path+".depends_on."+name, "unknown service %q", name)
			}
			continue
		}
		cond := d.Condition
		if cond == "" {
			cond = types.ServiceConditionStarted
		}
		switch cond {
		case types.ServiceConditionStarted, types.ServiceConditionHealthy, types.ServiceConditionCompletedSuccessfully:
		default:
			ps.add(path+".depends_on."+name+".condition", "unknown condition %q", cond)
		}
		if cond == types.ServiceConditionHealthy && p.Services[name].HealthCheck == nil {
			ps.add(path+".depends_on."+name+".condition", "service %q has no healthcheck", name)
		}
		svc.DependsOn = append(svc.DependsOn, name)
		svc.Dependencies = append(svc.Dependencies, Dependency{Service: name, Condition: cond, Required: d.Required, Restart: d.Restart})
	}
	for i, l := range s.Links {
		name := strings.SplitN(l, ":", 2)[0]
		if _, ok := p.Services[name]; !ok {
			ps.add(fmt.Sprintf("%s.links[%d]", path, i), "unknown service %q", name)
		}
	}
}

// buildRestart validates restart (or maps deploy.restart_policy).
func buildRestart(s types.ServiceConfig, svc *Service, path string, ps *problems) {
	r := s.Restart
	if r == "" && s.Deploy != nil && s.Deploy.RestartPolicy != nil {
		switch c := s.Deploy.RestartPolicy.Condition; c {
		case "any", "":
			r = types.RestartPolicyAlways
		case "on-failure":
			r = types.RestartPolicyOnFailure
		case "none":
			r = types.RestartPolicyNo
		default:
			ps.add(path+".deploy.restart_policy.condition", "unknown condition %q", c)
		}
	}
	if r == "" {
		r = types.RestartPolicyNo
	}
	policy, count, hasCount := strings.Cut(r, ":")
	switch policy {
	case types.RestartPolicyNo, types.RestartPolicyAlways, types.RestartPolicyUnlessStopped:
		if hasCount {
			ps.add(path+".restart", "%q: only on-failure takes a retry count", r)
		}
	case types.RestartPolicyOnFailure:
		if n, err := strconv.Atoi(count); hasCount && (err != nil || n < 0) {
			ps.add(path+".restart", "%q: retry count must be a non-negative integer", r)
		}
	default:
		ps.add(path+".restart", "unknown policy %q (use no, always, on-failure[:N] or unless-stopped)", r)
	}
	svc.Restart = r
}

// extraHosts flattens extra_hosts, sorted by name then IP order.
func extraHosts(h types.HostsList) []HostEntry {
	var out []HostEntry
	for _, name := range sortedKeys(h) {
		for _, ip := range h[name] {
			out = append(out, HostEntry{Name: name, IP: ip})
		}
	}
	return out
}

// buildUlimits converts ulimits, sorted by name.
func buildUlimits(u map[string]*types.UlimitsConfig) []Ulimit {
	var out []Ulimit
	for _, name := range sortedKeys(u) {
		c := u[name]
		if c == nil {
			continue
		}
		l := Ulimit{Name: name, Soft: int64(c.Soft), Hard: int64(c.Hard)}
		if c.Single != 0 {
			l.Soft, l.Hard = int64(c.Single), int64(c.Single)
		}
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// buildResources merges the service-level and deploy limits.
func buildResources(s types.ServiceConfig) Resources {
	r := Resources{MemoryLimit: int64(s.MemLimit), CPUs: float64(s.CPUS), PidsLimit: s.PidsLimit}
	if s.Deploy != nil && s.Deploy.Resources.Limits != nil {
		l := s.Deploy.Resources.Limits
		if l.MemoryBytes != 0 {
			r.MemoryLimit = int64(l.MemoryBytes)
		}
		if l.NanoCPUs != 0 {
			r.CPUs = float64(l.NanoCPUs.Value())
		}
		if l.Pids != 0 {
			r.PidsLimit = l.Pids
		}
	}
	return r
}
