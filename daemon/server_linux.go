package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mini-compose/mini-compose/api"
	"github.com/mini-compose/mini-compose/engine"
	"github.com/mini-compose/mini-compose/internal/ondemand"
	"github.com/mini-compose/mini-compose/resolver"
)

// idleExit is how long a daemon with no project waits before it exits.
const idleExit = 3 * time.Second

// Run is the daemon's main loop. It returns when the daemon is idle, or at
// once (nil) if another daemon already owns root.
func Run(root string) error {
	lock, err := ondemand.Own(root, lockPath(root))
	if err != nil || lock == nil {
		return err // nil: another daemon serves this root
	}
	defer lock.Close()
	warnIfRootNearBinary(root)
	// Containers are our children; orphans of theirs come to us as well,
	// so that we reap them promptly (PID 1 here reaps only every ~2 s).
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		log.Printf("set child subreaper: %v", err)
	}
	// MINI_COMPOSE_RESOLV_CONF names the host resolver configuration that
	// the embedded DNS forwards to (default /etc/resolv.conf).
	dns := resolver.New(resolver.Config{ResolvConf: os.Getenv("MINI_COMPOSE_RESOLV_CONF")})
	defer dns.Close()
	eng, err := engine.New(root, dns)
	if err != nil {
		return err
	}
	if err := eng.Restore(); err != nil {
		log.Printf("restore: %v", err)
	}
	sock := api.SocketPath(root)
	ln, err := ondemand.Listen(sock)
	if err != nil {
		return err
	}
	s := &server{eng: eng, root: root, stopped: make(chan struct{})}
	s.touch()
	srv := &http.Server{Handler: s.routes()}
	go s.exitWhenIdle(srv)
	err = srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		// Serve returns as Shutdown begins: let the requests in flight
		// finish (an `up` cut short would leave a half-built stack).
		<-s.stopped
		return nil
	}
	_ = os.Remove(sock)
	return err
}

type server struct {
	eng      *engine.Engine
	root     string
	inflight atomic.Int64
	closing  atomic.Bool   // set once idle: no more requests are served
	last     atomic.Int64  // unix nanos of the last request
	stopped  chan struct{} // closed once Shutdown has drained the requests
}

func (s *server) touch() { s.last.Store(time.Now().UnixNano()) }

func (s *server) exitWhenIdle(srv *http.Server) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for range t.C {
		if s.inflight.Load() > 0 || time.Since(time.Unix(0, s.last.Load())) < idleExit {
			continue
		}
		if ps, err := s.eng.Projects(); err != nil || len(ps) > 0 {
			continue
		}
		// From here on requests are turned away (503, the client retries
		// with a successor); one that started meanwhile keeps us alive.
		s.closing.Store(true)
		if s.inflight.Load() > 0 {
			s.closing.Store(false)
			continue
		}
		log.Printf("no project left: exiting")
		// New clients now fail to dial and start a successor, which waits
		// for our lock (see ondemand.Own) instead of finding a closing daemon.
		_ = os.Remove(api.SocketPath(s.root))
		_ = srv.Shutdown(context.Background())
		close(s.stopped)
		return
	}
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/up", s.handle(func(r *http.Request) (any, error) {
		var req api.UpRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Plan == nil {
			return nil, fmt.Errorf("bad up request: %v", err)
		}
		return s.eng.Up(r.Context(), req.Plan, req.Options)
	}))
	mux.HandleFunc("POST /v1/down", s.handle(func(r *http.Request) (any, error) {
		var req api.DownRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			return nil, fmt.Errorf("bad down request: %w", err)
		}
		return struct{}{}, s.eng.Down(r.Context(), req.Project, api.DownOptions{Timeout: req.Timeout, Volumes: req.Volumes})
	}))
	mux.HandleFunc("GET /v1/ps", s.handle(func(r *http.Request) (any, error) {
		return s.eng.Ps(r.URL.Query().Get("project"))
	}))
	mux.HandleFunc("GET /v1/projects", s.handle(func(r *http.Request) (any, error) {
		return s.eng.Projects()
	}))
	s.networkRoutes(mux)
	return mux
}

func (s *server) handle(fn func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.inflight.Add(1)
		defer func() { s.touch(); s.inflight.Add(-1) }()
		// The client asks again, which starts (or reaches) a successor.
		if s.closing.Load() {
			http.Error(w, "daemon is exiting", http.StatusServiceUnavailable)
			return
		}
		// Work on behalf of a client must finish even if the client goes
		// away mid-way, or a half-built stack would be left behind.
		r = r.WithContext(context.WithoutCancel(r.Context()))
		out, err := fn(r)
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			_ = json.NewEncoder(w).Encode(api.ErrorReply{Error: err.Error()})
			return
		}
		_ = json.NewEncoder(w).Encode(out)
	}
}

// warnIfRootNearBinary logs when the state root lies inside the directory of
// the daemon's binary: libcontainer then cannot seal the binary with an
// overlayfs over that directory (the kernel refuses overlapping layers) and
// copies it for every container start instead, which is much slower.
func warnIfRootNearBinary(root string) {
	exe, err := os.Executable()
	if err != nil {
		return
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return
	}
	if rel, err := filepath.Rel(filepath.Dir(exe), abs); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
		log.Printf("warning: state root %s is inside %s, the directory of the daemon binary: every container start will copy the binary (slow); keep them apart", abs, filepath.Dir(exe))
	}
}
