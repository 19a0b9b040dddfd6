package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mini-compose/mini-compose/internal/testutil"
)

func init() { Init() }

var projectSeq atomic.Int64

// testEnv is a runtime with a busybox image whose /etc/passwd knows "app".
type testEnv struct {
	rt      *Runtime
	rootfs  string // image rootfs
	project string
	dir     string
}

func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	testutil.RequireRoot(t)
	dir := t.TempDir()
	passwd := filepath.Join(dir, "passwd")
	group := filepath.Join(dir, "group")
	if err := os.WriteFile(passwd, []byte("root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(group, []byte("root:x:0:\napp:x:1000:\nstaff:x:50:app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := testutil.BusyboxFiles()
	if err != nil {
		t.Skip(err)
	}
	files["/etc/passwd"], files["/etc/group"] = passwd, group
	rootfs := filepath.Join(dir, "rootfs")
	if err := testutil.WriteRootfs(rootfs, files); err != nil {
		t.Fatal(err)
	}
	rt, err := NewRuntime(filepath.Join(dir, "state"))
	if err != nil {
		t.Fatal(err)
	}
	project := fmt.Sprintf("rt-test-%d-%d", os.Getpid(), projectSeq.Add(1))
	return &testEnv{rt: rt, rootfs: rootfs, project: project, dir: dir}
}

func (e *testEnv) spec(id string, args ...string) Spec {
	return Spec{ID: id, Project: e.project, Image: e.rootfs, Args: args, LogPath: filepath.Join(e.dir, id+".log")}
}

// run starts a container, waits for its init and returns exit code and log.
func (e *testEnv) run(t *testing.T, s Spec) (int, string) {
	t.Helper()
	p, err := e.rt.Start(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.rt.Remove(s.ID) })
	code, err := p.Wait()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(s.LogPath)
	return code, string(b)
}

func TestRunLogsAndExitCode(t *testing.T) {
	e := newTestEnv(t)
	code, out := e.run(t, e.spec("c1", "sh", "-c", "echo out; echo err >&2; exit 7"))
	if code != 7 || out != "out\nerr\n" {
		t.Fatalf("exit %d, log %q; want 7, %q", code, out, "out\nerr\n")
	}
	st, err := e.rt.State("c1")
	if err != nil || st.Status != "stopped" || st.Pid != 0 {
		t.Fatalf("State = %+v, %v; want stopped", st, err)
	}
}

func TestSpecHonoured(t *testing.T) {
	e := newTestEnv(t)
	hosts := filepath.Join(e.dir, "hosts")
	if err := os.WriteFile(hosts, []byte("10.1.2.3 db\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := e.spec("c2", "sh", "-c", `echo "$FOO|$(pwd)|$(id -u):$(id -g)|$(id -G)|$(hostname)|$(cat /etc/hosts)|$HOME|$(ls /proc/net/dev >/dev/null && cat /proc/net/dev | grep -c :)"`)
	s.Env = []string{"FOO=bar"}
	s.Cwd = "/work/dir"
	s.User = "app:staff"
	s.Hostname = "box1"
	s.Files = map[string]string{"/etc/hosts": hosts}
	code, out := e.run(t, s)
	// Only lo in the container's own network namespace.
	want := "bar|/work/dir|1000:50|50|box1|10.1.2.3 db|/home/app|1\n"
	if code != 0 || out != want {
		t.Fatalf("exit %d, log %q; want 0, %q", code, out, want)
	}
}

func TestExec(t *testing.T) {
	e := newTestEnv(t)
	// pid 1 has no default action for SIGTERM: the init must handle it.
	s := e.spec("c3", "sh", "-c", "trap 'exit 5' TERM; while true; do sleep 0.05; done")
	s.Env = []string{"FOO=init"}
	p, err := e.rt.Start(s)
	if err != nil {
		t.Fatal(err)
	}
	defer e.rt.Remove("c3")
	st, err := e.rt.State("c3")
	if err != nil || st.Status != "running" || st.Pid != p.Pid {
		t.Fatalf("State = %+v, %v; want running pid %d", st, err, p.Pid)
	}
	var out, errOut bytes.Buffer
	code, err := e.rt.Exec(context.Background(), "c3", ExecSpec{
		Args: []string{"sh", "-c", "read x; echo $x-$FOO-$BAR-$(id -u); echo e >&2; exit 3"}, Env: []string{"BAR=b"},
		User: "app", Stdin: strings.NewReader("in\n"), Stdout: &out, Stderr: &errOut,
	})
	if err != nil || code != 3 || out.String() != "in-init-b-1000\n" || errOut.String() != "e\n" {
		t.Fatalf("Exec = %d, %v, stdout %q, stderr %q", code, err, out.String(), errOut.String())
	}
	if err := e.rt.Stop("c3", syscall.SIGTERM, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if code, err := p.Wait(); err != nil || code != 5 {
		t.Fatalf("Wait = %d, %v; want 5 (exit from the TERM trap)", code, err)
	}
	if _, err := e.rt.Exec(context.Background(), "c3", ExecSpec{Args: []string{"true"}}); err == nil {
		t.Fatal("Exec in a stopped container succeeded")
	}
}

func TestStopFallsBackToKill(t *testing.T) {
	e := newTestEnv(t)
	// The shell is pid 1: SIGTERM has no default action for it, and it traps it too.
	s := e.spec("c4", "sh", "-c", "trap '' TERM; echo ready; while true; do sleep 1; done")
	p, err := e.rt.Start(s)
	if err != nil {
		t.Fatal(err)
	}
	defer e.rt.Remove("c4")
	waitLog(t, s.LogPath, "ready\n")
	if err := e.rt.Stop("c4", syscall.SIGTERM, 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if code, err := p.Wait(); err != nil || code != 128+int(syscall.SIGKILL) {
		t.Fatalf("Wait = %d, %v; want %d (SIGKILL)", code, err, 128+int(syscall.SIGKILL))
	}
	if st, err := e.rt.State("c4"); err != nil || st.Status != "stopped" {
		t.Fatalf("State = %+v, %v", st, err)
	}
}

func TestWaitExit(t *testing.T) {
	e := newTestEnv(t)
	s := e.spec("c5", "sleep", "1000")
	p, err := e.rt.Start(s)
	if err != nil {
		t.Fatal(err)
	}
	defer e.rt.Remove("c5")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := e.rt.WaitExit(ctx, "c5"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitExit on a running container = %v, want deadline exceeded", err)
	}
	if err := e.rt.Signal("c5", syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := e.rt.WaitExit(context.Background(), "c5"); err != nil {
		t.Fatal(err)
	}
	_, _ = p.Wait()
}

func waitLog(t *testing.T, path, want string) {
	t.Helper()
	for range 500 {
		if b, _ := os.ReadFile(path); string(b) == want {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	b, _ := os.ReadFile(path)
	t.Fatalf("log %q never became %q", b, want)
}

// State keeps the handles it loads; a container removed and started again
// under the same id must be reported with its new process, also when the
// first one went without Remove (a rolled-back start).
func TestStateFollowsRecreate(t *testing.T) {
	e := newTestEnv(t)
	s := e.spec("c6", "sleep", "1000")
	stateOf := func() State {
		t.Helper()
		st, err := e.rt.State("c6")
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	p1, err := e.rt.Start(s)
	if err != nil {
		t.Fatal(err)
	}
	if st := stateOf(); st.Status != "running" || st.Pid != p1.Pid {
		t.Fatalf("first State = %+v, want running pid %d", st, p1.Pid)
	}
	if err := e.rt.Signal("c6", syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = p1.Wait()
	if st := stateOf(); st.Status != "stopped" {
		t.Fatalf("State after kill = %+v, want stopped", st)
	}
	if err := e.rt.Remove("c6"); err != nil {
		t.Fatal(err)
	}
	p2, err := e.rt.Start(s)
	if err != nil {
		t.Fatal(err)
	}
	defer e.rt.Remove("c6")
	if st := stateOf(); st.Status != "running" || st.Pid != p2.Pid {
		t.Fatalf("State after recreate = %+v, want running pid %d", st, p2.Pid)
	}
	if err := e.rt.Signal("c6", syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = p2.Wait()
	// A handle left cached for an id whose container went away without
	// Remove (a rolled-back start destroys its container directly): a later
	// Start of the id must not report it, even when that Start fails.
	stale, err := e.rt.load("c6")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.rt.Remove("c6"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.rt.State("c6"); !errors.Is(err, ErrNotExist) {
		t.Fatalf("State after Remove = %v, want ErrNotExist", err)
	}
	e.rt.seen.Store("c6", &handle{c: stale, pid: p2.Pid})
	bad := s
	bad.Image = filepath.Join(e.dir, "no-such-rootfs")
	if _, err := e.rt.Start(bad); err == nil {
		t.Fatal("Start with a missing rootfs succeeded")
	}
	if _, err := e.rt.State("c6"); !errors.Is(err, ErrNotExist) {
		t.Fatalf("State after a failed Start = %v, want ErrNotExist", err)
	}
}
