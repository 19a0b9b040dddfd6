package e2e

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// Containers get a private cgroup namespace unless the service says
// `cgroup: host`: /proc/self/cgroup shows "/" then, the container's path
// under mini-compose/ otherwise. On cgroup v1 both see their own cgroup at
// /sys/fs/cgroup (the host's mode bind-mounts it, as Docker does).
func TestCgroupNamespace(t *testing.T) {
	s := newStack(t)
	file := writeCompose(t, "services:\n  priv:"+sleeper+"\n  host:"+sleeper+"\n    cgroup: host\n")
	s.mustRun("-f", file, "up", "-d")
	defer s.run("-f", file, "down", "-t", "0")

	_, err := os.Stat("/sys/fs/cgroup/pids")
	v1 := err == nil
	for svc, wantPath := range map[string]string{"priv": "/", "host": "/mini-compose/proj/proj-host-1"} {
		out := s.mustRun("-f", file, "exec", "-T", svc, "cat", "/proc/self/cgroup")
		n := 0
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			f := strings.SplitN(l, ":", 3)
			if len(f) != 3 || strings.Contains(f[1], "name=") && f[1] != "name=systemd" {
				continue
			}
			n++
			if f[2] != wantPath {
				t.Errorf("%s: /proc/self/cgroup line %q: want path %q", svc, l, wantPath)
			}
		}
		if n == 0 {
			t.Errorf("%s: no cgroup in /proc/self/cgroup:\n%s", svc, out)
		}
		// The container's own cgroup: its init (pid 1), the shell's sleep
		// and the cat reading the file; the host's root cgroup would list
		// every process of the host. (On v2 without a namespace the
		// container sees the whole tree, as with Docker's host mode.)
		procs := "/sys/fs/cgroup/cgroup.procs"
		if v1 {
			procs = "/sys/fs/cgroup/pids/cgroup.procs"
		} else if svc == "host" {
			continue
		}
		got := strings.Fields(s.mustRun("-f", file, "exec", "-T", svc, "cat", procs))
		if len(got) > 3 || !slices.Contains(got, "1") {
			t.Errorf("%s: %s lists %q, want the container's processes", svc, procs, got)
		}
	}
}
