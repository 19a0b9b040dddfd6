package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/opencontainers/runc/libcontainer"
	"golang.org/x/sys/unix"
)

// killWait bounds the wait for a SIGKILLed init to disappear.
const killWait = 10 * time.Second

// Signal sends sig to the container's init.
func (r *Runtime) Signal(id string, sig syscall.Signal) error {
	c, err := r.load(id)
	if err != nil {
		return err
	}
	if err := c.Signal(sig); err != nil {
		return fmt.Errorf("signal container %q: %w", id, err)
	}
	return nil
}

// Stop sends sig to the init, waits up to grace for it to exit, then kills
// every process of the container. It returns once the init is gone.
func (r *Runtime) Stop(id string, sig syscall.Signal, grace time.Duration) error {
	c, err := r.load(id)
	if err != nil {
		return err
	}
	if st, err := c.Status(); err == nil && st == libcontainer.Stopped {
		return nil
	}
	if err := c.Signal(sig); err != nil && !errors.Is(err, libcontainer.ErrNotRunning) {
		return fmt.Errorf("stop container %q: %w", id, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	err = waitInit(ctx, c)
	cancel()
	if err == nil {
		return nil
	}
	return r.kill(c)
}

// kill SIGKILLs the container (its own pid namespace dies with its init)
// and waits for the init to be gone.
func (r *Runtime) kill(c *libcontainer.Container) error {
	if st, err := c.Status(); err == nil && st == libcontainer.Paused {
		_ = c.Resume()
	}
	if err := c.Signal(unix.SIGKILL); err != nil && !errors.Is(err, libcontainer.ErrNotRunning) {
		return fmt.Errorf("kill container %q: %w", c.ID(), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), killWait)
	defer cancel()
	if err := waitInit(ctx, c); err != nil {
		return fmt.Errorf("kill container %q: %w", c.ID(), err)
	}
	return nil
}

// WaitExit blocks until the container's init exits (or ctx ends). Unlike
// Process.Wait it works from any process, e.g. after a daemon restart.
func (r *Runtime) WaitExit(ctx context.Context, id string) error {
	c, err := r.load(id)
	if err != nil {
		return err
	}
	if err := waitInit(ctx, c); err != nil {
		return fmt.Errorf("wait for container %q: %w", id, err)
	}
	return nil
}

// waitInit polls a pidfd of the init until it exits. A zombie init counts
// as exited: its parent may reap it whenever it likes.
func waitInit(ctx context.Context, c *libcontainer.Container) error {
	st, err := c.State()
	if err != nil {
		return err
	}
	fd, err := unix.PidfdOpen(st.InitProcessPid, 0)
	if errors.Is(err, unix.ESRCH) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pidfd_open %d: %w", st.InitProcessPid, err)
	}
	defer unix.Close(fd)
	// The pid may have been reused before we opened it: libcontainer checks
	// the start time, so "running" now means fd is our init.
	if s, err := c.Status(); err != nil || s == libcontainer.Stopped {
		return err
	}
	for {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, 100)
		if err != nil && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("poll pidfd: %w", err)
		}
		if n > 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// Remove kills the container if needed and deletes its libcontainer state,
// rootfs mount, cgroups and directory. An unknown id is not an error.
func (r *Runtime) Remove(id string) error {
	if err := validID(id); err != nil {
		return err
	}
	r.seen.Delete(id)
	c, err := r.load(id)
	switch {
	case err == nil:
		if st, serr := c.Status(); serr != nil || st != libcontainer.Stopped {
			if err := r.kill(c); err != nil {
				return fmt.Errorf("remove container %q: %w", id, err)
			}
		}
		if err := c.Destroy(); err != nil {
			return fmt.Errorf("remove container %q: %w", id, err)
		}
	case !errors.Is(err, ErrNotExist):
		return fmt.Errorf("remove container %q: %w", id, err)
	}
	if err := unmount(r.rootfsDir(id)); err != nil {
		return fmt.Errorf("remove container %q: %w", id, err)
	}
	if err := r.removeCgroups(id); err != nil {
		return fmt.Errorf("remove container %q: %w", id, err)
	}
	if err := os.RemoveAll(r.dir(id)); err != nil {
		return fmt.Errorf("remove container %q: %w", id, err)
	}
	r.seen.Delete(id) // again: a State may have loaded it meanwhile
	return nil
}

// removeCgroups removes the container's cgroup (left behind by a crash
// before Destroy) in every hierarchy, then its parents if empty. The
// project comes from meta.json; without it, any project's cgroup of that id.
func (r *Runtime) removeCgroups(id string) error {
	project := "*"
	if b, err := os.ReadFile(filepath.Join(r.dir(id), "meta.json")); err == nil {
		if p := projectOf(b); p != "" {
			project = p
		}
	}
	var leaves []string
	for _, pat := range []string{"/sys/fs/cgroup/*", "/sys/fs/cgroup"} {
		l, _ := filepath.Glob(filepath.Join(pat, cgroupRoot, project, id))
		leaves = append(leaves, l...)
	}
	projects := map[string]bool{}
	if project != "*" {
		projects[project] = true
	}
	for _, l := range leaves {
		if err := os.Remove(l); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove cgroup %q: %w", l, err)
		}
		projects[filepath.Base(filepath.Dir(l))] = true
	}
	for p := range projects {
		r.removeCgroupParents(p)
	}
	return nil
}

// removeCgroupParents removes mini-compose/<project> and mini-compose in
// every hierarchy when empty (rmdir fails on a cgroup with children).
func (r *Runtime) removeCgroupParents(project string) {
	r.cgroupMu.Lock()
	defer r.cgroupMu.Unlock()
	for _, pat := range []string{"/sys/fs/cgroup/*", "/sys/fs/cgroup"} {
		dirs, _ := filepath.Glob(filepath.Join(pat, cgroupRoot, project))
		for _, d := range dirs {
			_ = os.Remove(d)
			_ = os.Remove(filepath.Dir(d))
		}
	}
}
