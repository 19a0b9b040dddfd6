package runtime

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// leftovers lists what a container may leave behind: mounts under the
// runtime root, cgroup dirs of the project, state dirs.
func (e *testEnv) leftovers(t *testing.T, id string) []string {
	t.Helper()
	var out []string
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(mi), "\n") {
		if strings.Contains(l, e.rt.root) {
			out = append(out, "mount: "+l)
		}
	}
	for _, pat := range []string{"/sys/fs/cgroup/*/" + cgroupRoot + "/" + e.project, "/sys/fs/cgroup/" + cgroupRoot + "/" + e.project} {
		dirs, _ := filepath.Glob(pat)
		for _, d := range dirs {
			out = append(out, "cgroup: "+d)
		}
	}
	for _, d := range []string{e.rt.dir(id), filepath.Join(e.rt.stateRoot(), id)} {
		if _, err := os.Lstat(d); !errors.Is(err, os.ErrNotExist) {
			out = append(out, "state: "+d)
		}
	}
	return out
}

func TestRemoveLeavesNothing(t *testing.T) {
	e := newTestEnv(t)
	s := e.spec("c6", "sleep", "1000")
	s.Mounts = []Mount{{Type: "tmpfs", Target: "/scratch"}}
	p, err := e.rt.Start(s)
	if err != nil {
		t.Fatal(err)
	}
	before := e.leftovers(t, "c6")
	var cg, mounts int
	for _, l := range before {
		cg += b2i(strings.HasPrefix(l, "cgroup: "))
		mounts += b2i(strings.HasPrefix(l, "mount: "))
	}
	if cg == 0 || mounts != 1 {
		t.Fatalf("running container shows %d cgroup dirs and %d mounts, want >0 and 1: %v", cg, mounts, before)
	}
	if err := e.rt.Remove("c6"); err != nil {
		t.Fatal(err)
	}
	if code, err := p.Wait(); err != nil || code != 128+int(syscall.SIGKILL) {
		t.Fatalf("Wait = %d, %v; want SIGKILL", code, err)
	}
	if left := e.leftovers(t, "c6"); len(left) != 0 {
		t.Fatalf("Remove left: %v", left)
	}
	if _, err := e.rt.State("c6"); !errors.Is(err, ErrNotExist) {
		t.Fatalf("State after Remove = %v, want ErrNotExist", err)
	}
	if err := e.rt.Remove("c6"); err != nil {
		t.Fatalf("second Remove = %v, want nil", err)
	}
	if ids, err := e.rt.List(); err != nil || len(ids) != 0 {
		t.Fatalf("List = %v, %v", ids, err)
	}
}

func TestStartFailureRollsBack(t *testing.T) {
	e := newTestEnv(t)
	for name, s := range map[string]Spec{
		"missing binary": e.spec("bad1", "/no/such/binary"),
		"bad user":       func() Spec { s := e.spec("bad2", "true"); s.User = "nobody-here"; return s }(),
		"bad bind": func() Spec {
			s := e.spec("bad3", "true")
			s.Files = map[string]string{"/etc/x": "/no/such/file"}
			return s
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := e.rt.Start(s); err == nil {
				_ = e.rt.Remove(s.ID)
				t.Fatal("Start succeeded")
			}
			if left := e.leftovers(t, s.ID); len(left) != 0 {
				t.Fatalf("failed Start left: %v", left)
			}
		})
	}
}

func TestStartTwiceFails(t *testing.T) {
	e := newTestEnv(t)
	p, err := e.rt.Start(e.spec("c7", "sleep", "1000"))
	if err != nil {
		t.Fatal(err)
	}
	defer e.rt.Remove("c7")
	if _, err := e.rt.Start(e.spec("c7", "true")); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second Start = %v, want already exists", err)
	}
	if st, err := e.rt.State("c7"); err != nil || st.Status != "running" {
		t.Fatalf("first container after failed Start: %+v, %v", st, err)
	}
	if err := e.rt.Stop("c7", syscall.SIGKILL, time.Second); err != nil {
		t.Fatal(err)
	}
	_, _ = p.Wait()
}

func TestReadOnlyAndPrivileged(t *testing.T) {
	e := newTestEnv(t)
	s := e.spec("c8", "sh", "-c", "touch /x 2>/dev/null && echo rw || echo ro; echo hi > /scratch/f && cat /scratch/f")
	s.ReadOnly = true
	s.Mounts = []Mount{{Type: "tmpfs", Target: "/scratch"}}
	if code, out := e.run(t, s); code != 0 || out != "ro\nhi\n" {
		t.Fatalf("read-only: exit %d, log %q", code, out)
	}
	s = e.spec("c9", "sh", "-c", "ip link set lo mtu 1300 && echo ok")
	s.Privileged = true
	if code, out := e.run(t, s); code != 0 || out != "ok\n" {
		t.Fatalf("privileged: exit %d, log %q", code, out)
	}
	s = e.spec("c10", "sh", "-c", "ip link set lo mtu 1300 2>/dev/null || echo denied")
	if code, out := e.run(t, s); code != 0 || out != "denied\n" {
		t.Fatalf("unprivileged: exit %d, log %q", code, out)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// BenchmarkStartRemove measures a container from Start (init running) to
// Remove (killed, destroyed, unmounted).
func BenchmarkStartRemove(b *testing.B) {
	e := newTestEnv(b)
	for i := 0; b.Loop(); i++ {
		id := "bench-" + strconv.Itoa(i)
		p, err := e.rt.Start(e.spec(id, "sleep", "1000"))
		if err != nil {
			b.Fatal(err)
		}
		if err := e.rt.Remove(id); err != nil {
			b.Fatal(err)
		}
		_, _ = p.Wait()
	}
}
