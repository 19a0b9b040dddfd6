package e2e

import (
	"strings"
	"testing"
)

const (
	extOne = `
name: netone
services:
  a:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":80"]
    networks: [shared, default]
networks:
  shared:
    name: e2e-shared
    external: true
`
	extTwo = `
name: nettwo
services:
  b:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":80"]
    networks: [shared]
  z:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":80"]
networks:
  shared:
    name: e2e-shared
    external: true
`
)

// Two projects are isolated except through a network they share as
// external; that network outlives both projects, `network rm` refuses it
// while used, and `network connect/disconnect` hot-plug a container.
func TestNetworkExternalSharedByProjects(t *testing.T) {
	s := newStack(t)
	before := snapshot(t, s.root, "netone", "nettwo")
	one, two := writeCompose(t, extOne), writeCompose(t, extTwo)

	out, err := s.run("-f", one, "up", "-d")
	if err == nil || !strings.Contains(out, `network "e2e-shared" declared as external, but could not be found`) {
		t.Fatalf("up with a missing external network: %v\n%s", err, out)
	}
	s.mustRun("network", "create", "--subnet", "10.250.7.0/24", "--gateway", "10.250.7.254", "--label", "k=v", "e2e-shared")
	s.mustRun("-f", one, "up", "-d")
	s.mustRun("-f", two, "up", "-d")

	n := s.inspect("e2e-shared")
	if n.Subnet != "10.250.7.0/24" || n.Gateway != "10.250.7.254" || n.Labels["k"] != "v" || n.Owner != "" {
		t.Errorf("e2e-shared: %+v", n)
	}
	for _, c := range []string{"netone-a-1", "nettwo-b-1"} {
		if got := n.Containers[c]; !strings.HasPrefix(got.IPv4, "10.250.7.") || got.MAC == "" {
			t.Errorf("%s on e2e-shared: %+v", c, got)
		}
	}
	s.mustReach(one, "a", "http://b/")
	s.mustReach(two, "b", "http://a/")
	zIP := s.inspect("nettwo_default").Containers["nettwo-z-1"].IPv4
	s.mustNotReach(one, "a", "http://"+zIP+"/")
	aIP := s.inspect("netone_default").Containers["netone-a-1"].IPv4
	s.mustNotReach(two, "z", "http://"+aIP+"/")

	out, err = s.run("network", "rm", "e2e-shared")
	if err == nil || !strings.Contains(out, "in use") {
		t.Errorf("network rm of a used network: %v\n%s", err, out)
	}
	out, err = s.run("network", "rm", "netone_default")
	if err == nil || !strings.Contains(out, `belongs to project "netone"`) {
		t.Errorf("network rm of a project's network: %v\n%s", err, out)
	}

	// Hot-plug z into the shared network under an alias, then out again.
	s.mustRun("network", "connect", "--alias", "zed", "e2e-shared", "nettwo-z-1")
	s.mustReach(one, "a", "http://zed/")
	zShared := s.inspect("e2e-shared").Containers["nettwo-z-1"]
	if zShared.IfName != "eth1" || len(zShared.Aliases) != 1 {
		t.Errorf("z on e2e-shared after connect: %+v", zShared)
	}
	s.mustRun("network", "disconnect", "e2e-shared", "nettwo-z-1")
	s.mustNotReach(one, "a", "http://"+zShared.IPv4+"/")
	if _, ok := s.inspect("e2e-shared").Containers["nettwo-z-1"]; ok {
		t.Error("z still listed on e2e-shared after disconnect")
	}

	s.mustRun("-f", one, "down")
	s.mustRun("-f", two, "down")
	if out := s.mustRun("network", "ls", "-q"); strings.TrimSpace(out) != "e2e-shared" {
		t.Errorf("after both downs, want only e2e-shared left, got %q", out)
	}
	s.mustRun("network", "rm", "e2e-shared")
	assertSame(t, before, s.root, "netone", "nettwo")
}

// A network a project created outlives it while another project uses it
// as external; the last user's down removes it.
func TestNetworkOwnedNetworkOutlivesItsProject(t *testing.T) {
	s := newStack(t)
	before := snapshot(t, s.root, "netone", "nettwo")
	owner := writeCompose(t, `
name: netone
services:
  a:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":80"]
    networks: [shared]
networks:
  shared:
    name: e2e-owned
`)
	user := writeCompose(t, strings.Replace(extTwo, "e2e-shared", "e2e-owned", 1))
	s.mustRun("-f", owner, "up", "-d")
	s.mustRun("-f", user, "up", "-d")
	s.mustReach(user, "b", "http://a/")
	s.mustRun("-f", owner, "down")
	// The network, its DNS and its gateway keep serving the remaining user.
	s.mustReach(user, "b", "http://b/")
	n := s.inspect("e2e-owned")
	if len(n.Projects) != 1 || n.Projects[0] != "nettwo" {
		t.Errorf("e2e-owned after its owner's down: %+v", n)
	}
	if n.Bridge == "" || n.Owner != "" {
		t.Errorf("e2e-owned after its owner's down: %+v", n)
	}
	s.mustRun("-f", user, "down")
	if out := s.mustRun("network", "ls", "-q"); strings.TrimSpace(out) != "" {
		t.Errorf("networks left after the last user's down: %q", out)
	}
	assertSame(t, before, s.root, "netone", "nettwo")
}
