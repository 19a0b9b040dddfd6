package e2e

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A crash of the daemon does not take the stack down: containers keep
// running and published ports keep answering; the next command restores the
// daemon, and with it DNS and supervision.
func TestDaemonCrashKeepsStack(t *testing.T) {
	s := newStack(t)
	before := snapshot(t, s.root, "hello")
	compose := filepath.Join(repo, "examples", "hello", "compose.yaml")
	s.mustRun("-f", compose, "up", "-d")
	eventually(t, 10*time.Second, "web answers", func() error { _, err := httpGet("http://127.0.0.1:8080/"); return err })

	old := s.daemonPid()
	if old == 0 {
		t.Fatal("no daemon")
	}
	if err := exec.Command("kill", "-9", fmt.Sprint(old)).Run(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "daemon gone", func() error {
		if s.daemonPid() != 0 {
			return fmt.Errorf("still there")
		}
		return nil
	})
	// Without any process of ours, the port still answers.
	if body, err := httpGet("http://127.0.0.1:8080/"); err != nil || !strings.HasPrefix(body, "hello from") {
		t.Fatalf("published port died with the daemon: %v %q", err, body)
	}
	// The next command brings the daemon back; containers were never restarted.
	ps := s.mustRun("-f", compose, "ps")
	if strings.Count(ps, "Up ") != 2 {
		t.Fatalf("want 2 running containers after the crash:\n%s", ps)
	}
	if s.daemonPid() == 0 || s.daemonPid() == old {
		t.Fatal("daemon was not restarted")
	}
	out, err := s.run("-f", compose, "exec", "-T", "client", "/app", "get", "http://web/")
	if err != nil || !strings.HasPrefix(out, "hello from") {
		t.Fatalf("DNS not restored after the crash: %v %q", err, out)
	}
	s.mustRun("-f", compose, "down")
	assertSame(t, before, s.root, "hello")
}
