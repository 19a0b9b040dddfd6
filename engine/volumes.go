package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mini-compose/mini-compose/project/plan"
	"github.com/mini-compose/mini-compose/runtime"
)

// volumeDir is where the data of a volume lives.
func (e *Engine) volumeDir(name string) string {
	return filepath.Join(e.root, "volumes", name, "_data")
}

// anonVolume names the anonymous volume of a container's i-th mount; a
// recreated container finds it again, as with Compose.
func anonVolume(container string, i int) string {
	return fmt.Sprintf("%s_anon%d", container, i)
}

// mountsOf turns a service's mounts into the runtime's: a volume becomes a
// bind of its directory under <root>/volumes (created on first use; named
// ones are kept by down unless -v, external ones must exist), and a bind
// source is created when the file asks for it.
func (e *Engine) mountsOf(pl *plan.Plan, c *ContainerState, svc *plan.Service) ([]runtime.Mount, error) {
	out := make([]runtime.Mount, 0, len(svc.Mounts))
	for i, m := range svc.Mounts {
		rm := runtime.Mount{Type: m.Type, Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly}
		switch m.Type {
		case "volume":
			name := m.Source
			if name == "" {
				name = anonVolume(c.Name, i)
			}
			dir := e.volumeDir(name)
			if v := volumeNamed(pl, name); v != nil && v.External {
				if _, err := os.Stat(dir); err != nil {
					return nil, fmt.Errorf("services.%s.volumes[%d]: external volume %q not found", svc.Name, i, name)
				}
			} else if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("services.%s.volumes[%d]: create volume %q: %w", svc.Name, i, name, err)
			}
			rm.Type, rm.Source = "bind", dir
		case "bind":
			if _, err := os.Stat(m.Source); errors.Is(err, os.ErrNotExist) && m.CreateHostPath {
				if err := os.MkdirAll(m.Source, 0o755); err != nil {
					return nil, fmt.Errorf("services.%s.volumes[%d]: create %q: %w", svc.Name, i, m.Source, err)
				}
			}
		}
		out = append(out, rm)
	}
	return out, nil
}

func volumeNamed(pl *plan.Plan, name string) *plan.Volume {
	if pl == nil {
		return nil
	}
	for i := range pl.Volumes {
		if pl.Volumes[i].Name == name {
			return &pl.Volumes[i]
		}
	}
	return nil
}

// removeVolumes deletes the project's own named volumes and the anonymous
// volumes of its containers (down -v).
func (e *Engine) removeVolumes(st *ProjectState, containers []string) error {
	var errs []error
	if st.Plan != nil {
		for _, v := range st.Plan.Volumes {
			if !v.External {
				errs = append(errs, os.RemoveAll(filepath.Dir(e.volumeDir(v.Name))))
			}
		}
	}
	for _, c := range containers {
		anon, _ := filepath.Glob(filepath.Join(e.root, "volumes", c+"_anon*"))
		for _, dir := range anon {
			errs = append(errs, os.RemoveAll(dir))
		}
	}
	return errors.Join(errs...)
}
