// Package e2e drives the built mini-compose binary on the example stacks.
// It runs only inside the namespaces that `make test` creates.
package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var (
	binary   string // the built mini-compose
	imageTar string // the hello example image
	repo     string // the repository root
)

func TestMain(m *testing.M) {
	if os.Getuid() != 0 || os.Getenv("MINI_COMPOSE_HERMETIC") != "1" {
		fmt.Println("e2e: skipped: needs root inside the namespaces of `make test`")
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "mc-e2e-bin")
	if err != nil {
		panic(err)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		if err := build(dir); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: build:", err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

func build(dir string) error {
	wd, _ := os.Getwd()
	repo = filepath.Clean(filepath.Join(wd, "..", ".."))
	binary = filepath.Join(dir, "mini-compose")
	app := filepath.Join(dir, "hello-app")
	imageTar = filepath.Join(dir, "hello.tar")
	steps := []struct {
		env  []string
		args []string
	}{
		// The binaries as shipped (static; see the Makefile).
		{nil, []string{"make", "--no-print-directory", "build", "BIN=" + binary}},
		{[]string{"CGO_ENABLED=0"}, []string{"go", "build", "-o", app, "./examples/hello/app"}},
		{nil, []string{"go", "run", "./internal/tools/mkimage", "-o", imageTar, "-t", "mini-compose/hello:latest", "--busybox", "--add", app + ":/app"}},
	}
	for _, s := range steps {
		cmd := exec.Command(s.args[0], s.args[1:]...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), s.env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v\n%s", strings.Join(s.args, " "), err, out)
		}
	}
	return nil
}

func skipUnlessHermetic(t *testing.T) {
	t.Helper()
	if binary == "" {
		t.Skip("needs root inside the namespaces of `make test`")
	}
}

// stack is one state root with the example image loaded.
type stack struct {
	t      *testing.T
	root   string
	resolv string // the host resolv.conf the daemon forwards to
}

func newStack(t *testing.T) *stack {
	skipUnlessHermetic(t)
	s := &stack{t: t, root: t.TempDir(), resolv: stubUpstream(t)}
	if out, err := s.run("image", "load", "-i", imageTar); err != nil {
		t.Fatalf("image load: %v\n%s", err, out)
	}
	t.Cleanup(s.cleanup)
	return s
}

// run executes the binary with this stack's root and returns its output.
func (s *stack) run(args ...string) (string, error) {
	cmd := exec.Command(binary, append([]string{"--root", s.root}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "MINI_COMPOSE_RESOLV_CONF="+s.resolv)
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		return "", err
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		return out.String(), fmt.Errorf("timed out: mini-compose %s", strings.Join(args, " "))
	}
}

func (s *stack) mustRun(args ...string) string {
	s.t.Helper()
	out, err := s.run(args...)
	if err != nil {
		s.t.Fatalf("mini-compose %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// daemonPid is the pid of the root's daemon, or 0.
func (s *stack) daemonPid() int {
	// "mini-compose-daemon --root R", or "mini-compose --root R daemon".
	return s.pidOf("( daemon)?$")
}

// pidOf is the pid of a process whose command line holds "--root R" and
// then matches the regular expression rest, or 0.
func (s *stack) pidOf(rest string) int {
	out, err := exec.Command("pgrep", "-f", "--", "--root "+s.root+rest).Output()
	if err != nil {
		return 0
	}
	var pid int
	fmt.Sscan(string(out), &pid)
	return pid
}

// cleanup takes down whatever a (failed) test left in its root, so that no
// container, cgroup or daemon outlives the test and trips the next one.
func (s *stack) cleanup() {
	projects, _ := filepath.Glob(filepath.Join(s.root, "projects", "*.json"))
	for _, p := range projects {
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		if out, err := s.run("-p", name, "down", "-t", "0"); err != nil {
			s.t.Logf("cleanup: down %s: %v\n%s", name, err, out)
		}
	}
	s.killDaemon()
}

// killDaemon makes sure no daemon or loader outlives the test.
func (s *stack) killDaemon() {
	for _, pid := range []int{s.daemonPid(), s.loaderPid()} {
		if pid != 0 {
			_ = exec.Command("kill", "-9", fmt.Sprint(pid)).Run()
		}
	}
}

// loaderPid is the pid of the root's warm loader, or 0.
func (s *stack) loaderPid() int { return s.pidOf(" loader$") }

// eventually retries f until it returns nil or the deadline passes.
func eventually(t *testing.T, d time.Duration, what string, f func() error) {
	t.Helper()
	var err error
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err = f(); err == nil {
			return
		}
	}
	t.Fatalf("%s: %v", what, err)
}
