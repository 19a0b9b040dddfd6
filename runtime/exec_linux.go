package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/opencontainers/runc/libcontainer"
	"golang.org/x/sys/unix"
)

// ExecSpec describes an extra process to run in a running container.
type ExecSpec struct {
	Args []string
	// Env is merged over the init's environment (KEY=VALUE entries).
	Env []string
	// Cwd and User default to the init's.
	Cwd, User string
	Stdin     io.Reader
	Stdout    io.Writer
	Stderr    io.Writer
}

// Exec runs a process in the running container id and returns its exit
// code once it exits; cancelling ctx kills it.
func (r *Runtime) Exec(ctx context.Context, id string, e ExecSpec) (int, error) {
	if len(e.Args) == 0 {
		return -1, fmt.Errorf("exec in container %q: no command", id)
	}
	c, err := r.load(id)
	if err != nil {
		return -1, err
	}
	if st, err := c.Status(); err != nil || st != libcontainer.Running {
		return -1, fmt.Errorf("exec in container %q: %w", id, libcontainer.ErrNotRunning)
	}
	var m meta
	if b, err := os.ReadFile(filepath.Join(r.dir(id), "meta.json")); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	cwd, userSpec := e.Cwd, e.User
	if cwd == "" {
		cwd = m.Cwd
	}
	if userSpec == "" {
		userSpec = m.User
	}
	u, err := resolveUser(r.rootfsDir(id), userSpec)
	if err != nil {
		return -1, fmt.Errorf("exec in container %q: %w", id, err)
	}
	p := &libcontainer.Process{
		Args: e.Args, Env: mergeEnv(m.Env, e.Env), Cwd: cwd,
		UID: u.Uid, GID: u.Gid, AdditionalGroups: u.Sgids,
		Stdin: e.Stdin, Stdout: e.Stdout, Stderr: e.Stderr,
	}
	if u.Uid != 0 {
		// Like the init: a non-root user gets no effective capabilities.
		caps := *c.Config().Capabilities
		caps.Effective, caps.Permitted = nil, nil
		p.Capabilities = &caps
	}
	if err := c.Run(p); err != nil {
		return -1, fmt.Errorf("exec %q in container %q: %w", e.Args[0], id, err)
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			_ = p.Signal(unix.SIGKILL)
		case <-done:
		}
	}()
	ps, err := p.Wait()
	if ps == nil {
		return -1, fmt.Errorf("exec %q in container %q: wait: %w", e.Args[0], id, err)
	}
	if ctx.Err() != nil {
		return exitCode(ps), fmt.Errorf("exec %q in container %q: %w", e.Args[0], id, ctx.Err())
	}
	return exitCode(ps), nil
}
