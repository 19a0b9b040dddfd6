package engine

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	gort "runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mini-compose/mini-compose/netstack"
	"github.com/mini-compose/mini-compose/project/plan"
	"github.com/mini-compose/mini-compose/runtime"
)

// undoStack collects rollback steps; run executes them last-in first-out.
type undoStack []func() error

func (u *undoStack) push(f func() error) { *u = append(*u, f) }

func (u undoStack) run(logf func(string, ...any)) {
	for i := len(u) - 1; i >= 0; i-- {
		if err := u[i](); err != nil {
			logf("rollback: %v", err)
		}
	}
}

// Up creates or updates the project's networks and containers so that they
// match the plan, and lists them as Ps does (from the state it holds: the
// reply of `up` needs no second read of it). A failed Up removes
// everything it created.
func (e *Engine) Up(ctx context.Context, pl *plan.Plan, o UpOptions) ([]ContainerSummary, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	st, err := e.up(ctx, pl, o)
	if err != nil {
		return nil, err
	}
	return e.summaries(pl.Name, st), nil
}

func (e *Engine) up(ctx context.Context, pl *plan.Plan, o UpOptions) (_ *ProjectState, retErr error) {
	st, err := e.loadState(pl.Name)
	if err != nil {
		return nil, err
	}
	isNew := st == nil
	if isNew {
		st = &ProjectState{Name: pl.Name, Networks: map[string]*NetworkState{}, Containers: map[string]*ContainerState{}}
	}
	oldPlan := st.Plan
	st.Plan, st.WorkingDir = keepUnselected(pl, oldPlan, st), pl.WorkingDir

	images, err := e.resolveImages(pl)
	if err != nil {
		return nil, err
	}
	var undo undoStack
	defer func() {
		if retErr == nil {
			return
		}
		undo.run(e.logf)
		if isNew {
			if err := netstack.DeleteRules(pl.Name); err != nil {
				e.logf("rollback: %v", err)
			}
			_ = e.removeState(pl.Name)
			return
		}
		// The firewall is rewritten from what is left, so that no rule
		// points at an address released by the rollback.
		st.Plan = oldPlan
		if err := e.applyRules(st); err != nil {
			e.logf("rollback: %v", err)
		}
		_ = e.saveState(st)
	}()

	// Orphans: containers of services that are no longer in the files.
	if o.RemoveOrphans {
		for name, c := range st.Containers {
			if !isKnown(pl, o.KnownServices, c.Service) {
				if err := e.removeContainer(st, c, true); err != nil {
					return nil, err
				}
				delete(st.Containers, name)
			}
		}
	}
	// Each phase's duration goes to the daemon log: where `up` spends its
	// time, on the user's machine.
	phases := newPhaseTimer()
	defer func() { e.logf("up %s: %s (err=%v)", pl.Name, phases, retErr) }()
	if err := e.upNetworks(pl, st, &undo); err != nil {
		return nil, err
	}
	phases.done("networks")
	todo, err := e.planContainers(pl, st, images, o)
	if err != nil {
		return nil, err
	}
	if err := e.reservePorts(st, todo); err != nil {
		return nil, err
	}
	phases.done("plan+ports")
	if err := e.prepareContainers(st, todo, &undo); err != nil {
		return nil, err
	}
	phases.done("prepare")
	if err := e.applyRules(st); err != nil {
		return nil, err
	}
	if err := e.saveState(st); err != nil {
		return nil, err
	}
	phases.done("rules+state")
	err = e.startContainers(ctx, pl, st, todo, &undo)
	phases.done("start")
	return st, err
}

// phaseTimer records how long consecutive phases took.
type phaseTimer struct {
	last  time.Time
	parts []string
}

func newPhaseTimer() *phaseTimer { return &phaseTimer{last: time.Now()} }

func (t *phaseTimer) done(phase string) {
	now := time.Now()
	t.parts = append(t.parts, fmt.Sprintf("%s %s", phase, now.Sub(t.last).Round(100*time.Microsecond)))
	t.last = now
}

func (t *phaseTimer) String() string { return strings.Join(t.parts, ", ") }

// isKnown tells whether a service is defined in the compose files.
func isKnown(pl *plan.Plan, known []string, service string) bool {
	if len(known) == 0 {
		return findService(pl, service) != nil
	}
	return slices.Contains(known, service)
}

// keepUnselected is the plan to persist: pl plus the services of the old
// plan that this up did not select but whose containers remain, so that
// down still knows their stop signal and grace period.
func keepUnselected(pl, old *plan.Plan, st *ProjectState) *plan.Plan {
	if old == nil {
		return pl
	}
	merged := *pl
	merged.Services = append([]plan.Service(nil), pl.Services...)
	for _, svc := range old.Services {
		if findService(pl, svc.Name) != nil {
			continue
		}
		for _, c := range st.Containers {
			if c.Service == svc.Name {
				merged.Services = append(merged.Services, svc)
				break
			}
		}
	}
	return &merged
}

func (e *Engine) resolveImages(pl *plan.Plan) (map[string]*runtime.Image, error) {
	images := map[string]*runtime.Image{}
	var errs []error
	for i := range pl.Services {
		svc := &pl.Services[i]
		// The CLI sends the normalized ref; `image: <id or id prefix>`
		// is tried as written after it, as docker does.
		ref := svc.ImageRef
		if ref == "" {
			ref = svc.Image
		}
		img, err := e.images.Get(ref)
		if errors.Is(err, runtime.ErrImageNotFound) && ref != svc.Image {
			img, err = e.images.Get(svc.Image)
		}
		if errors.Is(err, runtime.ErrImageNotFound) {
			// Named as the user wrote it, not in its normalized form.
			err = fmt.Errorf("find image %q: %w", svc.Image, runtime.ErrImageNotFound)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("service %q: %w (load it with `mini-compose image load -i FILE`)", svc.Name, err))
			continue
		}
		images[svc.Name] = img
	}
	return images, errors.Join(errs...)
}

// pending is a container that Up will (re)create.
type pending struct {
	svc   *plan.Service
	img   *runtime.Image
	state *ContainerState
	spec  runtime.Spec
}

func serviceHash(svc *plan.Service, imageID string) string {
	// ImageRef is derived from Image and the image id is hashed anyway:
	// leaving it out keeps the hashes of containers made before it existed.
	s := *svc
	s.ImageRef = ""
	b, _ := json.Marshal(struct {
		S *plan.Service
		I string
	}{&s, imageID})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// planContainers decides which containers are kept, and removes the ones
// that must be recreated.
func (e *Engine) planContainers(pl *plan.Plan, st *ProjectState, images map[string]*runtime.Image, o UpOptions) ([]*pending, error) {
	var todo []*pending
	recreated := map[string]bool{} // services with a container in todo
	taken, err := e.namesOfOtherProjects(pl.Name)
	if err != nil {
		return nil, err
	}
	for i := range pl.Services {
		svc := &pl.Services[i]
		img := images[svc.Name]
		hash := serviceHash(svc, img.ID)
		// A container in the netns of a recreated service would be left in
		// the old, unplugged namespace: recreate it too, as Compose does.
		joinsRecreated := recreated[sharedNetnsService(svc.NetworkMode)]
		want := map[string]bool{}
		for _, c := range svc.Containers {
			want[c.Name] = true
			old := st.Containers[c.Name]
			if old != nil && !o.ForceRecreate && !joinsRecreated && (o.NoRecreate || old.Hash == hash) && e.isRunning(old.Name) {
				continue
			}
			recreated[svc.Name] = true
			if old != nil {
				if err := e.removeContainer(st, old, true); err != nil {
					return nil, err
				}
				delete(st.Containers, c.Name)
			}
			if p, ok := taken[c.Name]; ok {
				return nil, fmt.Errorf("container name %q is already in use by project %q", c.Name, p)
			}
			todo = append(todo, &pending{svc: svc, img: img, state: &ContainerState{
				Name: c.Name, ID: randomID(), Service: svc.Name, Number: c.Number,
				Image: svc.Image, ImageID: img.ID, Hash: hash,
			}})
		}
		// Scale down: replicas beyond the wanted count.
		for name, c := range st.Containers {
			if c.Service == svc.Name && !want[name] {
				if err := e.removeContainer(st, c, true); err != nil {
					return nil, err
				}
				delete(st.Containers, name)
			}
		}
	}
	return todo, nil
}

func (e *Engine) isRunning(name string) bool {
	s, err := e.rt.State(name)
	return err == nil && s.Status == "running"
}

// namesOfOtherProjects maps the container names held by projects other
// than proj to their project, read once per Up (not once per container).
func (e *Engine) namesOfOtherProjects(proj string) (map[string]string, error) {
	projects, err := e.Projects()
	if err != nil {
		return nil, err
	}
	taken := map[string]string{}
	for _, p := range projects {
		if p == proj {
			continue
		}
		if st, err := e.loadState(p); err == nil && st != nil {
			for name := range st.Containers {
				taken[name] = p
			}
		}
	}
	return taken, nil
}

// startContainers starts the pending containers level by level of
// depends_on, in parallel within a level, bounded by the cores.
func (e *Engine) startContainers(ctx context.Context, pl *plan.Plan, st *ProjectState, todo []*pending, undo *undoStack) error {
	level := map[string]int{}
	maxLevel := 0
	for i := range pl.Services {
		svc := &pl.Services[i]
		l := 0
		for _, d := range svc.DependsOn {
			l = max(l, level[d]+1)
		}
		if dep := sharedNetnsService(svc.NetworkMode); dep != "" {
			l = max(l, level[dep]+1)
		}
		level[svc.Name] = l
		maxLevel = max(maxLevel, l)
	}
	// Starts are CPU-bound: one slot per core. Wiring (netns, veths,
	// files) is kernel work that often waits; it runs before a container
	// takes a start slot, several at once but bounded (each holds a locked
	// OS thread and netlink sockets while it runs).
	slots := max(2, gort.NumCPU())
	sem := make(chan struct{}, slots)
	wiring := make(chan struct{}, 4*slots)
	for l := 0; l <= maxLevel; l++ {
		var wg sync.WaitGroup
		var mu sync.Mutex
		var errs []error
		for _, p := range todo {
			if level[p.svc.Name] != l {
				continue
			}
			wg.Add(1)
			go func(p *pending) {
				defer wg.Done()
				wiring <- struct{}{}
				err := e.wireOne(ctx, st, p)
				<-wiring
				if err == nil {
					sem <- struct{}{}
					err = e.startOne(ctx, st, p)
					<-sem
				}
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, fmt.Errorf("start container %q: %w", p.state.Name, err))
				}
			}(p)
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
		if err := e.saveState(st); err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine) wireOne(ctx context.Context, st *ProjectState, p *pending) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return e.wire(st, p)
}

func (e *Engine) startOne(ctx context.Context, st *ProjectState, p *pending) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	proc, err := e.rt.Start(p.spec)
	if err != nil {
		return err
	}
	p.state.Status = "running"
	e.registerDNS(st, p.state)
	e.watch(st.Name, p.state.Name, p.state.ID, proc)
	return nil
}

// randomID makes a Docker-style 64-hex container id.
func randomID() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails on Linux
	return hex.EncodeToString(b[:])
}
