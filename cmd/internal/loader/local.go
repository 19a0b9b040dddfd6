// Package loader reads compose files for the CLI's verbs: in the process
// that asks (Local), or as the warm loader process that the thin CLI
// starts on demand (Serve), which keeps compose-go's compiled schema and
// its initialised packages across CLI runs.
package loader

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/mini-compose/mini-compose/cmd/internal/verbs"
	"github.com/mini-compose/mini-compose/project"
)

// Local loads in the calling process.
type Local struct{}

// Load reads the compose files req selects and builds what it wants.
func (Local) Load(req verbs.LoadRequest) (*verbs.LoadResult, error) {
	p, err := project.Load(context.Background(), project.Options{
		ConfigPaths: req.ConfigPaths,
		ProjectName: req.ProjectName,
		WorkingDir:  req.WorkingDir,
		EnvFiles:    req.EnvFiles,
		Profiles:    req.Profiles,
		Environ:     req.Environ,
		Cwd:         req.Cwd,
	})
	if err != nil {
		return nil, err
	}
	res := &verbs.LoadResult{Name: p.Name}
	if req.Want == verbs.WantName {
		return res, nil
	}
	// Orphans are containers of services the files do not define at
	// all, not those left out of `up SERVICE...` or by profiles.
	known := p.ServiceNames()
	for name := range p.DisabledServices {
		known = append(known, name)
	}
	if len(req.Services) > 0 {
		if p, err = p.WithSelectedServices(req.Services, types.IncludeDependencies); err != nil {
			return nil, err
		}
	}
	if p, err = applyScale(p, req.Scale); err != nil {
		return nil, err
	}
	pl, err := project.Build(p)
	if err != nil {
		return nil, err
	}
	res.Services = p.ServiceNames()
	switch req.Want {
	case verbs.WantPlan:
		res.Plan, res.Known = pl, known
	case verbs.WantConfig:
		if req.NoRender {
			break
		}
		if res.Config, err = project.MarshalConfig(p); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("load: unknown request %q", req.Want)
	}
	return res, nil
}

// applyScale sets the replica count of services from --scale SERVICE=NUM.
func applyScale(p *types.Project, scales []string) (*types.Project, error) {
	want := map[string]int{}
	for _, s := range scales {
		name, num, ok := strings.Cut(s, "=")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || n < 0 {
			return nil, fmt.Errorf("--scale %q: want SERVICE=NUM", s)
		}
		if _, err := p.GetService(name); err != nil {
			return nil, fmt.Errorf("--scale %q: no such service %q", s, name)
		}
		want[name] = n
	}
	if len(want) == 0 {
		return p, nil
	}
	return p.WithServicesTransform(func(name string, s types.ServiceConfig) (types.ServiceConfig, error) {
		if n, ok := want[name]; ok {
			s.SetScale(n)
		}
		return s, nil
	})
}
