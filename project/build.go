package project

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// Problem is one invalid or unsupported setting of a compose project.
type Problem struct {
	File string // base name of the first compose file ("" if unknown)
	Path string // YAML path, e.g. "services.web.ports[1]"
	Msg  string
}

// Error renders "<file>: <path>: <problem>".
func (p *Problem) Error() string {
	if p.File == "" {
		return p.Path + ": " + p.Msg
	}
	return p.File + ": " + p.Path + ": " + p.Msg
}

// problems collects every Problem found by Build.
type problems struct {
	file string
	list []error
}

func (ps *problems) add(path, format string, args ...any) {
	ps.list = append(ps.list, &Problem{File: ps.file, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// Build validates a loaded project and converts it into a Plan. Every
// problem (invalid value, unknown reference, unsupported feature) is
// reported at once, joined with errors.Join, each as a *Problem.
func Build(p *types.Project) (*Plan, error) {
	if p == nil {
		return nil, errors.New("build plan: no project")
	}
	ps := &problems{}
	if len(p.ComposeFiles) > 0 {
		ps.file = filepath.Base(p.ComposeFiles[0])
	}
	if p.Name == "" {
		ps.add("name", "project name must not be empty")
	}
	plan := &Plan{Name: p.Name, WorkingDir: p.WorkingDir}
	checkTopLevel(p, ps)
	nets := buildNetworks(p, ps)
	plan.Volumes = buildVolumes(p, ps)

	used := map[string]bool{}
	services := map[string]*Service{}
	for _, name := range sortedKeys(p.Services) {
		s := p.Services[name]
		svc := buildService(p, s, ps)
		services[name] = svc
		for _, n := range svc.Networks {
			used[n.Key] = true
		}
	}
	for _, key := range sortedKeys(nets) {
		n := nets[key]
		if _, declared := p.Networks[key]; declared || used[key] {
			plan.Networks = append(plan.Networks, n)
		}
	}
	checkContainerNames(services, ps)
	checkHostPorts(services, ps)
	order, err := topoSort(services)
	if err != nil {
		ps.add("services", "%v", err)
	}
	for _, name := range order {
		plan.Services = append(plan.Services, *services[name])
	}
	if len(ps.list) > 0 {
		return nil, errors.Join(ps.list...)
	}
	return plan, nil
}

// checkTopLevel rejects top-level sections that would change behaviour
// but have no equivalent here.
func checkTopLevel(p *types.Project, ps *problems) {
	for _, name := range sortedKeys(p.Jobs) {
		ps.add("jobs."+name, "jobs are not supported")
	}
	for _, name := range sortedKeys(p.Models) {
		ps.add("models."+name, "models are not supported")
	}
}

// buildNetworks converts every declared network, plus the implicit
// "default" network.
func buildNetworks(p *types.Project, ps *problems) map[string]Network {
	out := map[string]Network{}
	for _, key := range sortedKeys(p.Networks) {
		n := p.Networks[key]
		path := "networks." + key
		screen(networkAttrs, path, n, ps.add)
		net := Network{
			Key:        key,
			Name:       n.Name,
			Driver:     n.Driver,
			Internal:   n.Internal,
			External:   bool(n.External),
			Labels:     copyMap(n.Labels),
			DriverOpts: copyMap(n.DriverOpts),
		}
		if net.Name == "" {
			net.Name = p.Name + "_" + key
		}
		if net.Driver == "" {
			net.Driver = "bridge"
		}
		if !net.External {
			extras := len(n.Ipam.Config) > 0 || n.Internal || (n.EnableIPv6 != nil && *n.EnableIPv6)
			checkDriver(&net, extras, path, ps)
		}
		if n.Ipam.Driver != "" && n.Ipam.Driver != "default" {
			ps.add(path+".ipam.driver", "IPAM driver %q is not supported (only \"default\")", n.Ipam.Driver)
		}
		if n.EnableIPv4 != nil && !*n.EnableIPv4 {
			ps.add(path+".enable_ipv4", "IPv6-only networks are not supported")
		}
		if n.EnableIPv6 != nil {
			net.EnableIPv6 = *n.EnableIPv6
		}
		for i, pool := range n.Ipam.Config {
			if pool == nil {
				continue
			}
			cfgPath := fmt.Sprintf("%s.ipam.config[%d]", path, i)
			net.IPAM = append(net.IPAM, buildPool(pool, cfgPath, ps))
		}
		out[key] = net
	}
	if _, ok := out["default"]; !ok {
		out["default"] = Network{Key: "default", Name: p.Name + "_default", Driver: "bridge"}
	}
	return out
}

// buildVolumes converts the top-level named volumes.
func buildVolumes(p *types.Project, ps *problems) []Volume {
	var out []Volume
	for _, key := range sortedKeys(p.Volumes) {
		v := p.Volumes[key]
		path := "volumes." + key
		screen(volumeAttrs, path, v, ps.add)
		if v.Driver != "" && v.Driver != "local" {
			ps.add(path+".driver", "driver %q is not supported (only \"local\")", v.Driver)
		}
		if len(v.DriverOpts) > 0 {
			ps.add(path+".driver_opts", "volume driver options are not supported")
		}
		out = append(out, Volume{Key: key, Name: volumeName(p, key), External: bool(v.External), Labels: copyMap(v.Labels)})
	}
	return out
}

// volumeName is the real name of a top-level volume.
func volumeName(p *types.Project, key string) string {
	if v, ok := p.Volumes[key]; ok && v.Name != "" {
		return v.Name
	}
	return p.Name + "_" + key
}

// checkContainerNames rejects two containers with the same name.
func checkContainerNames(services map[string]*Service, ps *problems) {
	seen := map[string]string{}
	for _, name := range sortedKeys(services) {
		for _, c := range services[name].Containers {
			if other, dup := seen[c.Name]; dup {
				ps.add("services."+name+".container_name", "container name %q is already used by service %q", c.Name, other)
				continue
			}
			seen[c.Name] = name
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func copyMap[M ~map[string]string](m M) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// topoSort orders services so that dependencies (depends_on, links,
// network_mode: service:x) come first; ties are broken by name.
func topoSort(services map[string]*Service) ([]string, error) {
	deps := map[string][]string{}
	for name, s := range services {
		set := map[string]bool{}
		for _, d := range s.DependsOn {
			set[d] = true
		}
		for _, l := range s.Links {
			set[strings.SplitN(l, ":", 2)[0]] = true
		}
		if dep, ok := strings.CutPrefix(s.NetworkMode, types.ServicePrefix); ok {
			set[dep] = true
		}
		for d := range set {
			if _, known := services[d]; known {
				deps[name] = append(deps[name], d)
			}
		}
		sort.Strings(deps[name])
	}
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var order []string
	var visit func(name string, stack []string) error
	visit = func(name string, stack []string) error {
		switch state[name] {
		case done:
			return nil
		case visiting:
			cycle := append(stack[slices.Index(stack, name):], name)
			return fmt.Errorf("dependency cycle: %s", strings.Join(cycle, " -> "))
		}
		state[name] = visiting
		for _, d := range deps[name] {
			if err := visit(d, append(stack, name)); err != nil {
				return err
			}
		}
		state[name] = done
		order = append(order, name)
		return nil
	}
	for _, name := range sortedKeys(services) {
		if err := visit(name, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}
