package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mini-compose/mini-compose/netstack"
)

// Down stops and removes the project's containers, networks, firewall
// rules and state. A project that is already gone is not an error.
func (e *Engine) Down(ctx context.Context, name string, o DownOptions) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	st, err := e.loadState(name)
	if err != nil {
		if st, err = e.recoverState(name, err); err != nil {
			return err
		}
	}
	if st == nil {
		return netstack.DeleteRules(name)
	}
	if o.Timeout != nil && st.Plan != nil {
		for i := range st.Plan.Services {
			st.Plan.Services[i].StopGracePeriod = max(*o.Timeout, time.Nanosecond)
		}
	}
	// Containers stop in parallel: a service's grace period is the bound.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	victims := make([]*ContainerState, 0, len(st.Containers))
	for _, c := range st.Containers {
		victims = append(victims, c)
	}
	victims = append(victims, e.strays(st)...)
	for _, c := range victims {
		wg.Add(1)
		go func(c *ContainerState) {
			defer wg.Done()
			if err := e.removeContainer(st, c, true); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}(c)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		_ = e.saveState(st)
		return err
	}
	spec := e.sweepSpec(st)
	st.Containers = map[string]*ContainerState{}
	if err := netstack.Sweep(spec); err != nil {
		return err
	}
	if err := e.downNetworks(st); err != nil {
		_ = e.saveState(st)
		return err
	}
	if o.Volumes {
		names := make([]string, len(victims))
		for i, c := range victims {
			names[i] = c.Name
		}
		if err := e.removeVolumes(st, names); err != nil {
			return fmt.Errorf("remove volumes: %w", err)
		}
	}
	return e.removeState(name)
}

// strays are the containers of the plan that the state does not list (a
// kill -9 in up before the state was saved) and no other project holds:
// down removes whatever of them exists, and their addresses.
func (e *Engine) strays(st *ProjectState) []*ContainerState {
	if st.Plan == nil {
		return nil
	}
	var out []*ContainerState
	others := e.otherStates(st.Name)
	for _, svc := range st.Plan.Services {
		for _, pc := range svc.Containers {
			if st.Containers[pc.Name] != nil || heldBy(others, pc.Name) {
				continue
			}
			c := &ContainerState{Name: pc.Name, Service: svc.Name, Number: pc.Number}
			for name := range st.Networks {
				c.Networks = append(c.Networks, AttachState{Network: name, HostIf: netstack.VethName(pc.Name, name)})
			}
			out = append(out, c)
		}
	}
	return out
}

func heldBy(states []*ProjectState, container string) bool {
	for _, o := range states {
		if o.Containers[container] != nil {
			return true
		}
	}
	return false
}
