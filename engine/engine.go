package engine

import (
	"context"
	"fmt"
	"log"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/mini-compose/mini-compose/netstack"
	"github.com/mini-compose/mini-compose/resolver"
	"github.com/mini-compose/mini-compose/runtime"
)

// DNS is what the engine needs of the embedded resolver.
type DNS interface {
	SetContainer(c resolver.Client, entries []resolver.Entry)
	RemoveContainer(id string)
	Listen(ip netip.Addr) error
	Unlisten(ip netip.Addr) error
}

// Engine owns every project of one state root. Its methods are safe for
// concurrent use; stack changes are serialised.
type Engine struct {
	root    string
	images  *runtime.Store
	rt      *runtime.Runtime
	ipam    *netstack.IPAM
	dns     DNS
	logf    func(format string, args ...any)
	mu      sync.Mutex // serialises Up/Down/Restore
	watchMu sync.Mutex
	watched map[string]context.CancelFunc // container name -> stop watching
	// exits holds each exit code from the moment a watcher reaps the
	// container until onExit has recorded it in the project's state
	// (container name -> exited): onExit waits for mu, which an `up` in
	// progress holds while it lists the containers it started.
	exits sync.Map
}

// New opens the state under root.
func New(root string, dns DNS) (*Engine, error) {
	for _, d := range []string{root, filepath.Join(root, "logs"), filepath.Join(root, "config")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("create state dir %q: %w", d, err)
		}
	}
	images, err := runtime.OpenStore(filepath.Join(root, "images"))
	if err != nil {
		return nil, err
	}
	rt, err := runtime.NewRuntime(root)
	if err != nil {
		return nil, err
	}
	pools, err := addressPools(root)
	if err != nil {
		return nil, err
	}
	ipam, err := netstack.OpenIPAM(filepath.Join(root, "networks"), pools, nil)
	if err != nil {
		return nil, err
	}
	return &Engine{root: root, images: images, rt: rt, ipam: ipam, dns: dns,
		logf: log.Printf, watched: map[string]context.CancelFunc{}}, nil
}

// Images gives access to the image store.
func (e *Engine) Images() *runtime.Store { return e.images }

// Runtime gives access to the container runtime.
func (e *Engine) Runtime() *runtime.Runtime { return e.rt }

func (e *Engine) netnsPath(container string) string {
	return filepath.Join(e.root, "netns", container)
}

func (e *Engine) containerDir(container string) string {
	return filepath.Join(e.root, "containers", container)
}

func signalOf(name string) syscall.Signal {
	if s, ok := signals[name]; ok {
		return s
	}
	return syscall.SIGTERM
}

var signals = map[string]syscall.Signal{
	"SIGTERM": syscall.SIGTERM, "TERM": syscall.SIGTERM,
	"SIGINT": syscall.SIGINT, "INT": syscall.SIGINT,
	"SIGQUIT": syscall.SIGQUIT, "QUIT": syscall.SIGQUIT,
	"SIGKILL": syscall.SIGKILL, "KILL": syscall.SIGKILL,
	"SIGHUP": syscall.SIGHUP, "HUP": syscall.SIGHUP,
	"SIGUSR1": syscall.SIGUSR1, "USR1": syscall.SIGUSR1,
	"SIGUSR2": syscall.SIGUSR2, "USR2": syscall.SIGUSR2,
	"SIGWINCH": syscall.SIGWINCH, "WINCH": syscall.SIGWINCH,
}

// PoolsFile is the optional file, in the state root, that sets the address
// pools in the shape of Docker's daemon.json ({"default-address-pools":
// [{"base": "10.89.0.0/16", "size": 24}]}); MINI_COMPOSE_ADDRESS_POOLS
// takes precedence over it.
const PoolsFile = "daemon.json"

// addressPools returns the configured address pools: the environment
// variable, else the pools file of root, else netstack's defaults.
func addressPools(root string) ([]netstack.Pool, error) {
	if s := os.Getenv(netstack.EnvAddressPools); s != "" {
		pools, err := netstack.ParsePools(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", netstack.EnvAddressPools, err)
		}
		return pools, nil
	}
	path := filepath.Join(root, PoolsFile)
	if _, err := os.Stat(path); err == nil {
		pools, err := netstack.LoadPoolsConfig(path)
		if err != nil {
			return nil, fmt.Errorf("address pools from %s: %w", path, err)
		}
		return pools, nil
	}
	return netstack.DefaultPools(), nil
}
