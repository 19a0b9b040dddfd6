package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/mini-compose/mini-compose/netstack"
)

// DownOptions tune Down.
type DownOptions struct {
	Timeout *time.Duration // overrides every service's stop_grace_period
}

// Down stops and removes the project's containers, networks, firewall
// rules and state. A project that is already gone is not an error.
func (e *Engine) Down(ctx context.Context, name string, o DownOptions) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	st, err := e.loadState(name)
	if err != nil {
		return err
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
	for _, c := range st.Containers {
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
	st.Containers = map[string]*ContainerState{}
	if err := netstack.DeleteRules(name); err != nil {
		return err
	}
	if err := e.downNetworks(st); err != nil {
		_ = e.saveState(st)
		return err
	}
	return e.removeState(name)
}
