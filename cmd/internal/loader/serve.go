package loader

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/mini-compose/mini-compose/api"
	"github.com/mini-compose/mini-compose/cmd/internal/verbs"
	"github.com/mini-compose/mini-compose/internal/ondemand"
)

// How long the loader waits for requests before it exits: as long as a
// daemon runs (stacks are up, CLI runs will follow), a short while when
// none does (between a `down` and the next `up`).
const (
	idleWithDaemon    = 10 * time.Minute
	idleWithoutDaemon = 3 * time.Second
	loadTimeout       = 2 * time.Minute
)

// loaderGOGC is the loader's GOGC unless the user set one. A load of 20
// services allocates several times the loader's live heap in short-lived
// strings (compose-go splits a YAML path for every node it matches): at
// Go's default of 100 the collector ran during every load, on the critical
// path of `up`, with its background worker taking the other core from the
// daemon. Measured (bench/results, session 5): `config -q` of 20 services
// 45-48 -> 34 ms, loader VmRSS 27 -> 38 MiB; 200 and 300 gain less.
const loaderGOGC = 400

// formatter prints compose-go's warnings as the CLI would itself: logrus's
// terminal layout (WARN[0000] ...; its counter would count the loader's
// lifetime), or its key=value layout when stderr is not a terminal.
func formatter(terminal bool) logrus.Formatter {
	if terminal {
		return termFormatter{}
	}
	return &logrus.TextFormatter{DisableColors: true}
}

type termFormatter struct{}

func (termFormatter) Format(e *logrus.Entry) ([]byte, error) {
	level := strings.ToUpper(e.Level.String())
	if len(level) > 4 {
		level = level[:4]
	}
	return fmt.Appendf(nil, "%s[0000] %s\n", level, e.Message), nil
}

// Serve is the warm loader of root: it answers load requests on
// verbs.LoaderSocket until it has been idle for long enough. It returns
// at once (nil) if another loader already serves root.
func Serve(root string) error {
	lock, err := ondemand.Own(root, filepath.Join(root, "loader.lock"))
	if err != nil || lock == nil {
		return err // nil: another loader serves this root
	}
	defer lock.Close()
	sock := verbs.LoaderSocket(root)
	ln, err := ondemand.Listen(sock)
	if err != nil {
		return err
	}
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(loaderGOGC)
	}
	s := &server{sock: sock}
	s.last.Store(time.Now().UnixNano())
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/load", s.handle)
	srv := &http.Server{Handler: mux}
	done := make(chan struct{})
	go func() { s.exitWhenIdle(srv, root); close(done) }()
	err = srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		<-done // Serve returns as Shutdown begins: let it answer what it accepted
		return nil
	}
	return err
}

type server struct {
	sock     string
	mu       sync.Mutex // one load at a time: each sets the process's env and cwd
	inflight atomic.Int64
	last     atomic.Int64 // unix nanos of the last request
}

func (s *server) exitWhenIdle(srv *http.Server, root string) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for range t.C {
		idle := time.Since(time.Unix(0, s.last.Load()))
		limit := idleWithoutDaemon
		if _, err := os.Stat(api.SocketPath(root)); err == nil {
			limit = idleWithDaemon
		}
		if s.inflight.Load() > 0 || idle < limit {
			continue
		}
		// New clients now fail to dial and start a successor, which
		// waits for our lock; one connected already is answered or, if
		// idle, closed, and retries.
		_ = os.Remove(s.sock)
		_ = srv.Shutdown(context.Background())
		return
	}
}

func (s *server) handle(w http.ResponseWriter, r *http.Request) {
	s.inflight.Add(1)
	defer func() { s.last.Store(time.Now().UnixNano()); s.inflight.Add(-1) }()
	// An upgrade replaced our binary: a successor of the new version
	// answers instead (the client retries, which starts it).
	if exe, err := os.Readlink("/proc/self/exe"); err == nil && strings.HasSuffix(exe, " (deleted)") {
		_ = os.Remove(s.sock) // the client's retry starts the successor
		http.Error(w, "loader outdated by an upgrade", http.StatusServiceUnavailable)
		go func() { time.Sleep(100 * time.Millisecond); os.Exit(0) }()
		return
	}
	var req verbs.LoadRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, fmt.Sprintf("bad load request: %v", err), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s.load(req))
}

// load runs one request as a fresh CLI process would: with the client's
// environment and working directory (compose-go reads a few variables and
// the cwd itself), compose-go's warnings captured for the client.
func (s *server) load(req verbs.LoadRequest) (reply verbs.LoadReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// A load stuck on a file that never ends (a FIFO as env_file) would
	// hold every later CLI run: the loader gives up and exits instead,
	// and the next run starts a fresh one.
	watchdog := time.AfterFunc(loadTimeout, func() {
		log.Printf("a load has run for %s: exiting", loadTimeout)
		os.Exit(2)
	})
	defer watchdog.Stop()
	var warnings bytes.Buffer
	logrus.SetOutput(&warnings)
	logrus.SetFormatter(formatter(req.Terminal))
	defer logrus.SetOutput(os.Stderr)
	os.Clearenv()
	for _, kv := range req.Environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			_ = os.Setenv(k, v)
		}
	}
	if err := os.Chdir(req.Cwd); err != nil {
		return verbs.LoadReply{Error: fmt.Sprintf("get working directory: %v", err)}
	}
	defer func() {
		if p := recover(); p != nil {
			log.Printf("load panicked: %v", p)
			reply = verbs.LoadReply{Error: fmt.Sprintf("load: internal error: %v", p)}
		}
		reply.Warnings = warnings.String()
	}()
	res, err := Local{}.Load(req)
	if err != nil {
		return verbs.LoadReply{Error: err.Error()}
	}
	return verbs.LoadReply{Result: res}
}
