package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func ipLinkDel(t *testing.T, name string) {
	t.Helper()
	if out, err := exec.Command("ip", "link", "del", name).CombinedOutput(); err != nil {
		t.Fatalf("ip link del %s: %v\n%s", name, err, out)
	}
}

// A bridge deleted behind our back comes back when the daemon restarts,
// with the running containers' veths in it again; down after a second loss
// still removes everything, and down twice is fine.
func TestNetworkLostBridgeRestoredAndTornDown(t *testing.T) {
	s := newStack(t)
	before := snapshot(t, s.root, "netlost")
	file := writeCompose(t, `
name: netlost
services:
  web:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":80"]
    ports: ["18090:80"]
  client:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":80"]
`)
	s.mustRun("-f", file, "up", "-d")
	s.mustReach(file, "client", "http://web/")
	bridge := s.inspect("netlost_default").Bridge

	ipLinkDel(t, bridge)
	if _, err := s.get(file, "client", "http://web/"); err == nil {
		t.Fatal("web still reachable with its bridge gone: the test proves nothing")
	}
	s.killDaemon()
	s.mustRun("-f", file, "ps") // respawns the daemon, which restores
	s.mustReach(file, "client", "http://web/")
	eventually(t, 10*time.Second, "published port after restore", func() error {
		body, err := httpGet("http://127.0.0.1:18090/")
		if err == nil && !strings.HasPrefix(body, "hello from ") {
			err = fmt.Errorf("unexpected body %q", body)
		}
		return err
	})

	ipLinkDel(t, bridge)
	s.mustRun("-f", file, "down")
	assertSame(t, before, s.root, "netlost")
	s.mustRun("-f", file, "down")
}

// A daemon killed with SIGKILL in the middle of up leaves a partial
// project; down removes exactly what was made.
func TestNetworkDownAfterKillMidUp(t *testing.T) {
	s := newStack(t)
	before := snapshot(t, s.root, "netkill")
	var b strings.Builder
	b.WriteString("name: netkill\nservices:\n")
	for i := range 8 {
		fmt.Fprintf(&b, "  s%d:\n    image: mini-compose/hello:latest\n    command: [\"/app\", \"serve\", \":80\"]\n    networks: [n%d, default]\n", i, i%3)
	}
	b.WriteString("networks:\n  n0: {}\n  n1: {}\n  n2: {internal: true}\n")
	file := writeCompose(t, b.String())

	up := exec.Command(binary, "--root", s.root, "-f", file, "up", "-d")
	up.Env = append(os.Environ(), "MINI_COMPOSE_RESOLV_CONF="+s.resolv)
	if err := up.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill as soon as the first container's netns is pinned.
	killed := false
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if ents, _ := os.ReadDir(filepath.Join(s.root, "netns")); len(ents) > 0 {
			if pid := s.daemonPid(); pid != 0 {
				_ = exec.Command("kill", "-9", fmt.Sprint(pid)).Run()
				killed = true
				break
			}
		}
	}
	upErr := up.Wait()
	if !killed {
		t.Fatal("up never reached the first container")
	}
	t.Logf("up after the kill: %v", upErr)
	// As if the kill had come before the state recorded one container whose
	// netns (and maybe veths and process) exist: down must find it anyway.
	if name := forgetOneContainer(t, s.root, "netkill"); name != "" {
		t.Logf("removed %s from the state", name)
	}

	s.mustRun("-f", file, "down")
	assertSame(t, before, s.root, "netkill")
	if out := s.mustRun("network", "ls", "-q"); strings.TrimSpace(out) != "" {
		t.Errorf("networks left after down: %q", out)
	}
	s.mustRun("-f", file, "down")
}

// forgetOneContainer deletes from the project's state a container whose
// netns is pinned, with the daemon dead; it returns its name, or "" when
// the state lists no such container.
func forgetOneContainer(t *testing.T, root, project string) string {
	t.Helper()
	path := filepath.Join(root, "projects", project+".json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read state: %v", err)
	}
	var st map[string]any
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	containers, _ := st["containers"].(map[string]any)
	ents, _ := os.ReadDir(filepath.Join(root, "netns"))
	for _, e := range ents {
		if _, ok := containers[e.Name()]; !ok {
			continue
		}
		delete(containers, e.Name())
		out, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, out, 0o600); err != nil {
			t.Fatal(err)
		}
		return e.Name()
	}
	return ""
}
