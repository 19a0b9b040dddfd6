package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Without mini-compose-daemon installed next to it, the complete CLI runs
// its own `daemon` verb (and loads compose files in-process): the stack
// works the same way.
func TestDaemonFallbackToCLIBinary(t *testing.T) {
	s := newStack(t)
	alone := filepath.Join(t.TempDir(), "mini-compose-full")
	data, err := os.ReadFile(binary + "-full")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(alone, data, 0o755); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		cmd := exec.Command(alone, append([]string{"--root", s.root}, args...)...)
		cmd.Env = append(os.Environ(), "MINI_COMPOSE_RESOLV_CONF="+s.resolv)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("mini-compose %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	file := writeCompose(t, `
services:
  web:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":80"]
  client:
    image: mini-compose/hello:latest
    command: ["/app", "fetch", "http://web/", "200ms"]
`)
	run("-f", file, "up", "-d")
	pid := s.daemonPid()
	if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); exe != alone {
		t.Errorf("daemon runs %q, want the CLI binary %q", exe, alone)
	}
	eventually(t, 10*time.Second, "client reaches web", func() error {
		if logs := run("-f", file, "logs", "client"); !strings.Contains(logs, "-> 200 hello from") {
			return fmt.Errorf("client log: %q", logs)
		}
		return nil
	})
	run("-f", file, "down")
}
