package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while a process writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// `up` without -d follows the containers' output, prefixed by name, and
// takes the stack down on Ctrl-C.
func TestUpAttachedFollowsLogsUntilInterrupt(t *testing.T) {
	s := newStack(t)
	before := snapshot(t, s.root, "hello")
	compose := filepath.Join(repo, "examples", "hello", "compose.yaml")
	cmd := exec.Command(binary, "--root", s.root, "-f", compose, "up")
	cmd.Env = append(os.Environ(), "MINI_COMPOSE_RESOLV_CONF="+s.resolv)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	eventually(t, 15*time.Second, "attached output shows both services", func() error {
		o := out.String()
		if !strings.Contains(o, "hello-web-1    | serving on :80") || !strings.Contains(o, "hello-client-1 | GET http://web/ -> 200") {
			return fmt.Errorf("output so far:\n%s", o)
		}
		return nil
	})
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("up exited with %v:\n%s", err, out.String())
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("up did not stop after SIGINT:\n%s", out.String())
	}
	assertSame(t, before, s.root, "hello")
	if ps := s.mustRun("-p", "hello", "ps", "-a", "-q"); strings.TrimSpace(ps) != "" {
		t.Errorf("containers left after Ctrl-C: %q", ps)
	}
}

// config prints the normalized model; -q only validates.
func TestConfig(t *testing.T) {
	s := newStack(t)
	file := writeCompose(t, "services:\n  web:\n    image: mini-compose/hello:latest\n    environment:\n      - GREETING=${GREETING:-hi}\n")
	if err := os.WriteFile(filepath.Join(filepath.Dir(file), ".env"), []byte("GREETING=from-dotenv\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := s.mustRun("-f", file, "config")
	for _, want := range []string{"name: proj", "GREETING: from-dotenv", "image: mini-compose/hello:latest"} {
		if !strings.Contains(out, want) {
			t.Errorf("config lacks %q:\n%s", want, out)
		}
	}
	if out := s.mustRun("-f", file, "config", "-q"); out != "" {
		t.Errorf("config -q printed %q", out)
	}
	bad := writeCompose(t, "services:\n  web:\n    image: x\n    ports: [\"1-2:3-5\"]\n")
	if out, err := s.run("-f", bad, "config"); err == nil || !strings.Contains(out, "services.web.ports") {
		t.Errorf("bad ports: %v %q", err, out)
	}
}
