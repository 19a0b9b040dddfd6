package verbs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mini-compose/mini-compose/internal/ondemand"
)

// LoaderSocket is where the warm loader of root listens.
func LoaderSocket(root string) string { return filepath.Join(root, "loader.sock") }

// LoaderLog is the warm loader's own log.
func LoaderLog(root string) string { return filepath.Join(root, "loader.log") }

// LoadReply is the warm loader's answer: the result or the error, and what
// compose-go warned about on the way, to be shown by the CLI.
type LoadReply struct {
	Result   *LoadResult `json:"result,omitempty"`
	Error    string      `json:"error,omitempty"`
	Warnings string      `json:"warnings,omitempty"`
}

// Remote loads through the warm loader process of a state root, starting
// it with Start when none answers (and again if it died). What the loader
// cannot do for us — read a file that only this process can open (-f
// /dev/stdin, -f <(...)), or run at all (no mini-compose-full, a state
// root we cannot write) — goes to Fallback, which runs the whole command in
// mini-compose-full.
type Remote struct {
	Root     string
	Start    []string     // argv of the loader; nil when there is none to start
	Fallback func() error // runs the command in-process elsewhere; does not return on success
}

// Load sends req to the loader and prints the loader's warnings.
func (r Remote) Load(req LoadRequest) (*LoadResult, error) {
	if ownFiles(req) {
		return nil, r.fallback(errors.New("compose or env files that only this process can read"))
	}
	_, err := unix.IoctlGetTermios(int(os.Stderr.Fd()), unix.TCGETS)
	req.Terminal = err == nil
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	var reply LoadReply
	// A loader that exits (idle, or outdated by an upgrade) or dies
	// between our dial and its reply is replaced by the second attempt.
	for attempt := 0; ; attempt++ {
		err = r.call(body, &reply)
		var se *ondemand.StartError
		if errors.As(err, &se) {
			return nil, r.fallback(err)
		}
		if err == nil || attempt == 1 {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("loader of %s: %w (see %s)", r.Root, err, LoaderLog(r.Root))
	}
	os.Stderr.WriteString(reply.Warnings)
	if reply.Error != "" {
		return nil, errors.New(reply.Error)
	}
	if res := reply.Result; res == nil || (req.Want == WantPlan && res.Plan == nil) {
		return nil, fmt.Errorf("loader of %s: incomplete reply", r.Root)
	}
	return reply.Result, nil
}

// fallback runs the command elsewhere, or explains why the loader failed.
func (r Remote) fallback(why error) error {
	if r.Fallback != nil {
		if err := r.Fallback(); err != nil {
			return fmt.Errorf("load compose files: %v; %w", why, err)
		}
	}
	return fmt.Errorf("loader of %s: %w", r.Root, why)
}

// ownFiles reports whether a compose or env file of req (also from
// COMPOSE_FILE) is one that only this process can read: a pipe, a terminal,
// /dev/stdin or another per-process link. The loader would read its own.
func ownFiles(req LoadRequest) bool {
	paths := append(append([]string(nil), req.ConfigPaths...), req.EnvFiles...)
	composeFile, sep := "", ":"
	for _, kv := range req.Environ {
		if v, ok := strings.CutPrefix(kv, "COMPOSE_FILE="); ok {
			composeFile = v
		} else if v, ok := strings.CutPrefix(kv, "COMPOSE_PATH_SEPARATOR="); ok && v != "" {
			sep = v
		}
	}
	if composeFile != "" {
		paths = append(paths, strings.Split(composeFile, sep)...)
	}
	self := fmt.Sprintf("/proc/%d/", os.Getpid())
	for _, p := range paths {
		if !filepath.IsAbs(p) {
			p = filepath.Join(req.Cwd, p)
		}
		p = filepath.Clean(p)
		if p == "/dev/null" {
			continue
		}
		for _, own := range []string{"/dev/stdin", "/dev/fd/", "/dev/tty", "/proc/self/", "/proc/thread-self/", self} {
			if p == strings.TrimSuffix(own, "/") || strings.HasPrefix(p, own) {
				return true
			}
		}
		if fi, err := os.Stat(p); err == nil && !fi.Mode().IsRegular() {
			return true
		}
	}
	return false
}

func (r Remote) call(body []byte, out *LoadReply) error {
	// Longer than the loader's own limit on a load, after which it exits.
	hc := &http.Client{Timeout: 150 * time.Second, Transport: &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return ondemand.DialOrStart(ctx, r.Root, LoaderSocket(r.Root), LoaderLog(r.Root), r.Start)
		},
	}}
	resp, err := hc.Post("http://loader/v1/load", "application/json", bytes.NewReader(body))
	if err != nil {
		return err // a *ondemand.StartError stays visible through errors.As
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s", resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
