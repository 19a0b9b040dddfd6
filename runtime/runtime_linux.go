package runtime

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/opencontainers/runc/libcontainer"
	"golang.org/x/sys/unix"
)

// Runtime runs containers with libcontainer. State lives in
// root/libcontainer (libcontainer's) and root/containers/<id>/ (ours).
type Runtime struct {
	root string
	// cgroupMu orders the creation of cgroup parents (inside Start) against
	// their removal when empty, within this process.
	cgroupMu sync.RWMutex
	// seen caches libcontainer handles for State (id -> *handle): loading
	// decodes the whole state.json and refreshes the status, which made
	// `ps` cost ~0.6 ms per container. Start stores the handle of what it
	// started (and first forgets any older one of the id); State stores
	// what it loads; Remove forgets.
	seen sync.Map
}

// handle is a cached libcontainer handle and its init's pid, which never
// changes for a handle: asking libcontainer for it (Container.State) reads
// /proc/<pid>/stat once more through its hardened procfs lookups, which
// cost `ps` as much as the status itself.
type handle struct {
	c   *libcontainer.Container
	pid int
}

// Process is the init process of a container started by this process.
type Process struct {
	// Pid is the init's pid on the host.
	Pid int
	p   *libcontainer.Process
}

// meta is what Exec and Remove need to know about a container.
type meta struct {
	ID      string    `json:"id"`
	Project string    `json:"project"`
	Env     []string  `json:"env"`
	Cwd     string    `json:"cwd"`
	User    string    `json:"user"`
	Created time.Time `json:"created"`
}

// NewRuntime returns a runtime keeping its state under root.
func NewRuntime(root string) (*Runtime, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("open runtime root %q: %w", root, err)
	}
	for _, d := range []string{"libcontainer", "containers"} {
		if err := os.MkdirAll(filepath.Join(abs, d), 0o711); err != nil {
			return nil, fmt.Errorf("open runtime root %q: %w", root, err)
		}
	}
	initProcs()
	return &Runtime{root: abs}, nil
}

// initProcs gives the containers' init processes one P: libcontainer
// re-executes this binary as each container's init and passes it this
// process's $GOMAXPROCS, and with one P the short-lived Go runtime of the
// init does not spin idle threads against the other starts (measured:
// start phase of a 20-service up -5 %). Go read $GOMAXPROCS of this process
// at its start, so this one keeps its own value; a value set by the user
// is kept for both. Other programs this process starts inherit it too,
// which is why only the daemon (and tests) create a Runtime.
func initProcs() {
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		_ = os.Setenv("GOMAXPROCS", "1")
	}
}

func (r *Runtime) stateRoot() string          { return filepath.Join(r.root, "libcontainer") }
func (r *Runtime) dir(id string) string       { return filepath.Join(r.root, "containers", id) }
func (r *Runtime) rootfsDir(id string) string { return filepath.Join(r.dir(id), "rootfs") }

// Start mounts the container's overlay rootfs and runs its init, detached:
// the container outlives the caller. Only the caller can Wait for it. On
// error everything done so far is undone.
func (r *Runtime) Start(s Spec) (_ *Process, retErr error) {
	if err := validID(s.ID); err != nil {
		return nil, err
	}
	if s.Project == "" || strings.Contains(s.Project, "/") || s.Project == "." || s.Project == ".." {
		return nil, fmt.Errorf("start container %q: invalid project %q", s.ID, s.Project)
	}
	if len(s.Args) == 0 {
		return nil, fmt.Errorf("start container %q: no command", s.ID)
	}
	// A handle State cached for an earlier container of this id (one whose
	// start was rolled back) must not describe this one.
	r.seen.Delete(s.ID)
	dir := r.dir(s.ID)
	if err := os.Mkdir(dir, 0o711); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("start container %q: already exists", s.ID)
		}
		return nil, fmt.Errorf("start container %q: %w", s.ID, err)
	}
	defer undo(&retErr, "remove container dir", func() error { return os.RemoveAll(dir) })

	rootfs := r.rootfsDir(s.ID)
	// Best effort: without it libcontainer creates the entries in the
	// container's own layer, as before.
	_ = ensureInitLayer(s.Image)
	if err := mountOverlay(s.Image, dir, rootfs); err != nil {
		return nil, fmt.Errorf("start container %q: %w", s.ID, err)
	}
	defer undo(&retErr, "unmount rootfs", func() error { return unmount(rootfs) })

	u, err := resolveUser(rootfs, s.User)
	if err != nil {
		return nil, fmt.Errorf("start container %q: %w", s.ID, err)
	}
	cwd := s.Cwd
	if cwd == "" {
		cwd = "/"
	}
	if err := ensureDir(rootfs, cwd, u.Uid, u.Gid); err != nil {
		return nil, fmt.Errorf("start container %q: create cwd %q: %w", s.ID, cwd, err)
	}
	cfg, err := libcontainerConfig(s, rootfs, uint32(u.Uid))
	if err != nil {
		return nil, fmt.Errorf("start container %q: %w", s.ID, err)
	}
	env := defaultEnv(s.Env, s.Hostname, u.Home)
	m := meta{ID: s.ID, Project: s.Project, Env: env, Cwd: cwd, User: s.User, Created: time.Now().UTC()}
	if err := writeJSONAtomic(filepath.Join(dir, "meta.json"), m); err != nil {
		return nil, fmt.Errorf("start container %q: %w", s.ID, err)
	}

	logf, err := openLog(s.LogPath)
	if err != nil {
		return nil, fmt.Errorf("start container %q: %w", s.ID, err)
	}
	defer logf.Close() // the container holds its own copy

	c, err := libcontainer.Create(r.stateRoot(), s.ID, cfg)
	if err != nil {
		return nil, fmt.Errorf("start container %q: create: %w", s.ID, err)
	}
	defer undo(&retErr, "remove cgroup parents", func() error { r.removeCgroupParents(s.Project); return nil })
	defer undo(&retErr, "destroy container", c.Destroy)

	p := &libcontainer.Process{
		Args: s.Args, Env: env, Cwd: cwd,
		UID: u.Uid, GID: u.Gid, AdditionalGroups: u.Sgids,
		Stdout: logf, Stderr: logf, Init: true,
	}
	// Run creates the cgroup, parents included: removeCgroupParents must
	// not rmdir them in between.
	r.cgroupMu.RLock()
	err = c.Run(p)
	r.cgroupMu.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("start container %q: run %q: %w", s.ID, s.Args[0], err)
	}
	pid, err := p.Pid()
	if err != nil {
		_ = p.Signal(unix.SIGKILL)
		_, _ = p.Wait()
		return nil, fmt.Errorf("start container %q: %w", s.ID, err)
	}
	r.seen.Store(s.ID, &handle{c: c, pid: pid}) // the first `ps` after `up` needs no Load
	return &Process{Pid: pid, p: p}, nil
}

// Wait reaps the init and returns its exit code (128+n when killed by
// signal n). Only the process that called Start can Wait.
func (p *Process) Wait() (int, error) {
	ps, err := p.p.Wait()
	if ps == nil {
		return -1, fmt.Errorf("wait for container init %d: %w", p.Pid, err)
	}
	return exitCode(ps), nil
}

func exitCode(ps *os.ProcessState) int {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// State reports the status of a container.
func (r *Runtime) State(id string) (State, error) {
	var h *handle
	if v, ok := r.seen.Load(id); ok {
		h = v.(*handle)
	} else {
		c, err := r.load(id)
		if err != nil {
			return State{}, err
		}
		ls, err := c.State()
		if err != nil {
			return State{}, fmt.Errorf("get state of container %q: %w", id, err)
		}
		v, _ := r.seen.LoadOrStore(id, &handle{c: c, pid: ls.InitProcessPid})
		h = v.(*handle)
	}
	st, err := h.c.Status()
	if err != nil {
		return State{}, fmt.Errorf("get state of container %q: %w", id, err)
	}
	out := State{Status: st.String()}
	if st != libcontainer.Stopped {
		out.Pid = h.pid
	}
	return out, nil
}

// List returns the ids of all containers the runtime knows, sorted.
func (r *Runtime) List() ([]string, error) {
	seen := map[string]bool{}
	for _, d := range []string{filepath.Join(r.root, "containers"), r.stateRoot()} {
		ents, err := os.ReadDir(d)
		if err != nil {
			return nil, fmt.Errorf("list containers: %w", err)
		}
		for _, e := range ents {
			if e.IsDir() {
				seen[e.Name()] = true
			}
		}
	}
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, nil
}

func (r *Runtime) load(id string) (*libcontainer.Container, error) {
	if err := validID(id); err != nil {
		return nil, err
	}
	c, err := libcontainer.Load(r.stateRoot(), id)
	if err != nil {
		if errors.Is(err, libcontainer.ErrNotExist) {
			return nil, fmt.Errorf("load container %q: %w", id, ErrNotExist)
		}
		return nil, fmt.Errorf("load container %q: %w", id, err)
	}
	return c, nil
}

func validID(id string) error {
	if id == "" || id == "." || id == ".." {
		return fmt.Errorf("invalid container id %q", id)
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_+.-", c)) {
			return fmt.Errorf("invalid container id %q", id)
		}
	}
	return nil
}

func openLog(p string) (*os.File, error) {
	if p == "" {
		p = os.DevNull
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open log %q: %w", p, err)
	}
	return f, nil
}

// undo runs fn when *retErr is set, logging (never returning) its failure.
func undo(retErr *error, what string, fn func() error) {
	if *retErr == nil {
		return
	}
	if err := fn(); err != nil {
		log.Printf("runtime: rollback: %s: %v", what, err)
	}
}
