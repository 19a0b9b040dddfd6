package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// installer copies the built binaries into a directory of their own, as an
// installer does: a new file renamed over the old one, so that a process
// running the old one sees its binary deleted.
func installer(t *testing.T) (dir string, install func(name string)) {
	dir = t.TempDir()
	return dir, func(name string) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(filepath.Dir(binary), name))
		if err != nil {
			t.Fatal(err)
		}
		tmp := filepath.Join(dir, "."+name+".new")
		if err := os.WriteFile(tmp, data, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}

// An upgrade replaces mini-compose-daemon under a running daemon: the next
// command is served by a daemon of the new binary, which takes over the
// running containers (their processes, DNS names and ports untouched).
func TestDaemonReplacedAfterUpgrade(t *testing.T) {
	s := newStack(t)
	dir, install := installer(t)
	for _, name := range []string{"mini-compose", "mini-compose-full", "mini-compose-daemon"} {
		install(name)
	}
	file := writeCompose(t, "services:\n  a:"+sleeper+"\n  b:"+sleeper+"\n")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(filepath.Join(dir, "mini-compose"), append([]string{"--root", s.root, "-f", file}, args...)...)
		cmd.Env = append(os.Environ(), "MINI_COMPOSE_RESOLV_CONF="+s.resolv)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("mini-compose %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("up", "-d")
	defer run("down", "-t", "0")
	pidOf := func() string { return strings.TrimSpace(run("exec", "-T", "a", "cat", "/proc/1/stat")) }
	before, old := pidOf(), s.daemonPid()
	if old == 0 {
		t.Fatal("no daemon after up")
	}

	install("mini-compose-daemon")
	ps := run("ps")
	pid := s.daemonPid()
	if pid == 0 || pid == old {
		t.Fatalf("daemon after the upgrade: pid %d (was %d)", pid, old)
	}
	if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); strings.HasSuffix(exe, "(deleted)") {
		t.Errorf("daemon runs the replaced binary %q", exe)
	}
	if strings.Count(ps, "Up ") != 2 {
		t.Errorf("ps after the upgrade:\n%s", ps)
	}
	// The same container process, and the successor serves its DNS.
	if after := pidOf(); after != before {
		t.Errorf("container a's init changed: %q -> %q", before, after)
	}
	if out := run("exec", "-T", "a", "nslookup", "b"); !strings.Contains(out, "Address") || strings.Contains(out, "can't resolve") {
		t.Errorf("nslookup b after the upgrade:\n%s", out)
	}
}
