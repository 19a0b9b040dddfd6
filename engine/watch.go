package engine

import (
	"context"

	"github.com/mini-compose/mini-compose/runtime"
)

// watch follows a container this process started: when its init exits,
// the container's DNS records go and its exit code is recorded.
func (e *Engine) watch(proj, name, id string, proc *runtime.Process) {
	ctx := e.track(name)
	go func() {
		code, err := proc.Wait()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			code = -1
		}
		e.exits.Store(name, exited{id, code})
		e.onExit(proj, name, id, code)
	}()
}

// exited is a reaped container whose exit onExit has not recorded yet.
type exited struct {
	id   string
	code int
}

// exitCode is the exit code of container c: recorded in the state, or
// reaped and not recorded yet; nil when neither.
func (e *Engine) exitCode(c *ContainerState) *int {
	if c.ExitCode != nil {
		return c.ExitCode
	}
	if v, ok := e.exits.Load(c.Name); ok && v.(exited).id == c.ID {
		code := v.(exited).code
		return &code
	}
	return nil
}

// watchRestored follows a container started by an earlier daemon, which we
// cannot reap: only that it exited is known, not its exit code.
func (e *Engine) watchRestored(proj, name, id string) {
	ctx := e.track(name)
	go func() {
		if err := e.rt.WaitExit(ctx, name); err != nil || ctx.Err() != nil {
			return
		}
		e.exits.Store(name, exited{id, -1})
		e.onExit(proj, name, id, -1)
	}()
}

func (e *Engine) track(name string) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	e.watchMu.Lock()
	if old := e.watched[name]; old != nil {
		old()
	}
	e.watched[name] = cancel
	e.watchMu.Unlock()
	return ctx
}

func (e *Engine) unwatch(name string) {
	e.watchMu.Lock()
	if cancel := e.watched[name]; cancel != nil {
		cancel()
		delete(e.watched, name)
	}
	e.watchMu.Unlock()
}

func (e *Engine) onExit(proj, name, id string, code int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	defer e.exits.CompareAndDelete(name, exited{id, code})
	st, err := e.loadState(proj)
	if err != nil || st == nil {
		return
	}
	c := st.Containers[name]
	if c == nil || c.ID != id {
		return
	}
	e.dns.RemoveContainer(name)
	c.Status = "exited"
	c.ExitCode = &code
	if err := e.saveState(st); err != nil {
		e.logf("record exit of %s: %v", name, err)
	}
	e.logf("container %s exited with code %d", name, code)
}
