package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

const sleeper = `
    image: mini-compose/hello:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]`

// A failed up on a running project leaves the firewall as the remaining
// containers need it: no rule for the container that was rolled back.
func TestFailedReUpRestoresRules(t *testing.T) {
	s := newStack(t)
	file := writeCompose(t, "services:\n  web:"+sleeper+"\n    ports: [\"18090:80\"]\n")
	s.mustRun("-f", file, "up", "-d")
	defer s.run("-f", file, "down", "-t", "0")
	broken := "services:\n  web:" + sleeper + "\n    ports: [\"18090:80\"]\n  api:\n    image: mini-compose/hello:latest\n    command: [\"/no/such\"]\n    ports: [\"18091:80\"]\n"
	if err := os.WriteFile(file, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := s.run("-f", file, "up", "-d"); err == nil {
		t.Fatalf("up with a broken service succeeded:\n%s", out)
	}
	rules, err := exec.Command("nft", "list", "table", "inet", "mc-proj").CombinedOutput()
	if err != nil {
		t.Fatalf("nft: %v\n%s", err, rules)
	}
	if strings.Contains(string(rules), "18091") || !strings.Contains(string(rules), "18090") {
		t.Errorf("rules after the failed up should publish 18090 only:\n%s", rules)
	}
	if ps := s.mustRun("-f", file, "ps"); !strings.Contains(ps, "proj-web-1") || strings.Contains(ps, "api") {
		t.Errorf("ps after the failed up:\n%s", ps)
	}
}

// `up SERVICE --remove-orphans` removes containers of services the file no
// longer has, not those of the services left out of the command.
func TestUpSubsetKeepsOtherServices(t *testing.T) {
	s := newStack(t)
	file := writeCompose(t, "services:\n  a:"+sleeper+"\n  b:"+sleeper+"\n  gone:"+sleeper+"\n")
	s.mustRun("-f", file, "up", "-d")
	defer s.run("-f", file, "down", "-t", "0")
	if err := os.WriteFile(file, []byte("services:\n  a:"+sleeper+"\n  b:"+sleeper+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.mustRun("-f", file, "up", "-d", "--remove-orphans", "a")
	ps := s.mustRun("-f", file, "ps", "-a")
	if !strings.Contains(ps, "proj-a-1") || !strings.Contains(ps, "proj-b-1") || strings.Contains(ps, "proj-gone-1") {
		t.Errorf("want a and b kept, gone removed:\n%s", ps)
	}
}

// A container sharing a service's network namespace is recreated with it,
// instead of being left in the old, unplugged namespace.
func TestSharedNetnsFollowsRecreatedService(t *testing.T) {
	s := newStack(t)
	compose := func(v string) string {
		return "services:\n  a:" + sleeper + "\n    environment: [V=" + v + "]\n  b:" + sleeper + "\n    network_mode: service:a\n"
	}
	file := writeCompose(t, compose("1"))
	s.mustRun("-f", file, "up", "-d")
	defer s.run("-f", file, "down", "-t", "0")
	if err := os.WriteFile(file, []byte(compose("2")), 0o644); err != nil {
		t.Fatal(err)
	}
	s.mustRun("-f", file, "up", "-d")
	var rows []struct {
		Name     string
		Networks []string
	}
	if err := json.Unmarshal([]byte(s.mustRun("-f", file, "ps", "--format", "json")), &rows); err != nil {
		t.Fatal(err)
	}
	ip := ""
	for _, r := range rows {
		if r.Name == "proj-a-1" && len(r.Networks) > 0 {
			_, ip, _ = strings.Cut(r.Networks[0], "=")
		}
	}
	out, err := s.run("-f", file, "exec", "-T", "b", "ip", "-4", "-o", "addr", "show")
	if err != nil || ip == "" || !strings.Contains(out, " "+ip+"/") {
		t.Errorf("b does not share a's new namespace (a's address %q): %v\n%s", ip, err, out)
	}
}

// down cleans up a project whose state file is damaged, from the network
// registry and the runtime, and keeps the damaged file aside.
func TestDownRecoversDamagedState(t *testing.T) {
	s := newStack(t)
	before := snapshot(t, s.root, "proj")
	file := writeCompose(t, "services:\n  a:"+sleeper+"\n    ports: [\"18092:80\"]\n    networks: [n1]\n  b:"+sleeper+"\nnetworks:\n  n1: {}\n")
	s.mustRun("-f", file, "up", "-d")
	state := s.root + "/projects/proj.json"
	if err := os.WriteFile(state, []byte(`{"name": "proj", "contai`), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := s.run("-f", file, "ps"); err == nil || !strings.Contains(out, "down` recovers") {
		t.Errorf("ps on a damaged state: %v\n%s", err, out)
	}
	s.mustRun("-f", file, "down", "-t", "0")
	assertSame(t, before, s.root, "proj")
	if _, err := os.Stat(state + ".damaged"); err != nil {
		t.Errorf("damaged state not kept aside: %v", err)
	}
	if out := s.mustRun("network", "ls", "-q"); strings.TrimSpace(out) != "" {
		t.Errorf("networks left: %q", out)
	}
}

// A container_name held by another project is refused before anything of
// the second project starts, naming the holder; the holder keeps running.
func TestContainerNameHeldByAnotherProject(t *testing.T) {
	s := newStack(t)
	file := writeCompose(t, "services:\n  a:"+sleeper+"\n    container_name: shared-name\n")
	s.mustRun("-f", file, "-p", "one", "up", "-d")
	defer s.run("-f", file, "-p", "one", "down", "-t", "0")
	out, err := s.run("-f", file, "-p", "two", "up", "-d")
	if err == nil {
		defer s.run("-f", file, "-p", "two", "down", "-t", "0")
		t.Fatalf("second project took a held container name:\n%s", out)
	}
	if !strings.Contains(out, `container name "shared-name" is already in use by project "one"`) {
		t.Errorf("error should name the holder:\n%s", out)
	}
	if ps := s.mustRun("-f", file, "-p", "one", "ps"); !strings.Contains(ps, "shared-name") || !strings.Contains(ps, " Up ") {
		t.Errorf("holder after the refused up:\n%s", ps)
	}
	if _, err := os.Stat(s.root + "/projects/two.json"); !os.IsNotExist(err) {
		t.Errorf("the refused project left state: %v", err)
	}
}

// A container that exits while `up` is still starting others is listed
// with its exit code, in up's own report and in ps (the code is known from
// the moment the daemon reaps it, before it is written to the state).
func TestUpReportsExitCode(t *testing.T) {
	s := newStack(t)
	var b strings.Builder
	b.WriteString("services:\n  fail:\n    image: mini-compose/hello:latest\n    command: [\"sh\", \"-c\", \"exit 3\"]\n")
	for _, n := range []string{"a", "b", "c", "d", "e", "f"} {
		b.WriteString("  " + n + ":" + sleeper + "\n")
	}
	file := writeCompose(t, b.String())
	out := s.mustRun("-f", file, "up", "-d")
	defer s.run("-f", file, "down", "-t", "0")
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "proj-fail-1") && strings.Contains(l, "Exited") && !strings.Contains(l, "Exited (3)") {
			t.Errorf("up reports %q, want Up or Exited (3)", strings.TrimSpace(l))
		}
	}
	eventually(t, 5*time.Second, "fail exited with code 3", func() error {
		for _, r := range s.ps("-f", file) {
			if r.Service == "fail" && r.State == "exited" {
				if r.ExitCode != 3 {
					return fmt.Errorf("exit code %d", r.ExitCode)
				}
				return nil
			}
		}
		return fmt.Errorf("not exited yet")
	})
}
