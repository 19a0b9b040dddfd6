package e2e

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// netInspect is the part of `network inspect` the tests read.
type netInspect struct {
	Name       string            `json:"name"`
	Bridge     string            `json:"bridge"`
	Driver     string            `json:"driver"`
	Subnet     string            `json:"subnet"`
	Subnets    []string          `json:"subnets"`
	Gateway    string            `json:"gateway"`
	Gateway6   string            `json:"gateway6"`
	Internal   bool              `json:"internal"`
	Owner      string            `json:"owner"`
	Projects   []string          `json:"projects"`
	Labels     map[string]string `json:"labels"`
	MTU        int               `json:"mtu"`
	Containers map[string]struct {
		Project string   `json:"project"`
		IPv4    string   `json:"ipv4_address"`
		IPv6    string   `json:"ipv6_address"`
		MAC     string   `json:"mac_address"`
		IfName  string   `json:"interface_name"`
		Aliases []string `json:"aliases"`
		Expose  []string `json:"expose"`
	} `json:"containers"`
}

func (s *stack) inspect(name string) netInspect {
	s.t.Helper()
	out := s.mustRun("network", "inspect", name)
	var ns []netInspect
	if err := json.Unmarshal([]byte(out), &ns); err != nil || len(ns) != 1 {
		s.t.Fatalf("network inspect %s: %v\n%s", name, err, out)
	}
	return ns[0]
}

// get runs the hello app's HTTP client inside a service's first container.
func (s *stack) get(file, service, url string) (string, error) {
	return s.run("-f", file, "exec", "-T", service, "/app", "get", url)
}

// mustReach waits until service gets an answer from url.
func (s *stack) mustReach(file, service, url string) {
	s.t.Helper()
	eventually(s.t, 10*time.Second, service+" GET "+url, func() error {
		out, err := s.get(file, service, url)
		if err != nil || !strings.HasPrefix(out, "hello from ") {
			return fmt.Errorf("%v: %q", err, out)
		}
		return nil
	})
}

// mustNotReach checks that service cannot fetch url (the client gives up
// after its 3 s timeout or at once when refused).
func (s *stack) mustNotReach(file, service, url string) {
	s.t.Helper()
	if out, err := s.get(file, service, url); err == nil {
		s.t.Errorf("%s reached %s, which must be isolated: %q", service, url, out)
	}
}

const multiCompose = `
name: netmulti
services:
  a:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":80"]
    networks: [n1]
  b:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":80"]
    expose: ["80"]
    networks:
      n2:
        aliases: [bee]
  c:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":80"]
    networks:
      n1:
        interface_name: front
        mac_address: "02:42:de:ad:be:ef"
      n2:
        ipv4_address: 172.31.250.10
        gw_priority: 10
networks:
  n1:
    name: e2e-front
    labels: {tier: front}
    driver_opts:
      com.docker.network.bridge.name: e2ebr-front
      com.docker.network.driver.mtu: "1400"
  n2:
    ipam:
      config:
        - subnet: 172.31.250.0/24
`

// Several networks per project: a service on both reaches each side, the
// two sides cannot reach each other, and the per-attachment settings
// (interface_name, mac_address, ipv4_address, gw_priority, bridge name,
// MTU, name, labels) hold.
func TestNetworkSeveralPerProject(t *testing.T) {
	s := newStack(t)
	before := snapshot(t, s.root, "netmulti")
	file := writeCompose(t, multiCompose)
	s.mustRun("-f", file, "up", "-d")

	front, back := s.inspect("e2e-front"), s.inspect("netmulti_n2")
	if front.Bridge != "e2ebr-front" || front.MTU != 1400 || front.Labels["tier"] != "front" || front.Owner != "netmulti" {
		t.Errorf("network e2e-front: %+v", front)
	}
	if back.Subnet != "172.31.250.0/24" || back.Containers["netmulti-c-1"].IPv4 != "172.31.250.10" {
		t.Errorf("network netmulti_n2: %+v", back)
	}
	cFront := front.Containers["netmulti-c-1"]
	if cFront.IfName != "front" || cFront.MAC != "02:42:de:ad:be:ef" {
		t.Errorf("c on e2e-front: %+v", cFront)
	}
	if got := back.Containers["netmulti-b-1"]; len(got.Aliases) != 1 || got.Aliases[0] != "bee" || len(got.Expose) != 1 {
		t.Errorf("b on netmulti_n2: %+v", got)
	}
	if _, ok := front.Containers["netmulti-b-1"]; ok {
		t.Errorf("b is listed on e2e-front: %+v", front.Containers)
	}

	// Inside c: the named interface with its MAC and MTU, and the default
	// route on n2 (gw_priority), whose interface is eth0.
	out := s.mustRun("-f", file, "exec", "-T", "c", "cat", "/sys/class/net/front/address", "/sys/class/net/front/mtu", "/proc/net/route")
	if !strings.Contains(out, "02:42:de:ad:be:ef\n1400\n") {
		t.Errorf("interface front in c: %q", out)
	}
	if !regexpDefaultRoute("eth0").MatchString(out) {
		t.Errorf("default route of c is not on eth0 (n2):\n%s", out)
	}

	s.mustReach(file, "c", "http://a/")
	s.mustReach(file, "c", "http://bee/")
	s.mustReach(file, "a", "http://c/")
	bIP := back.Containers["netmulti-b-1"].IPv4
	aIP := front.Containers["netmulti-a-1"].IPv4
	s.mustNotReach(file, "a", "http://"+bIP+"/")
	s.mustNotReach(file, "b", "http://"+aIP+"/")
	if out, err := s.get(file, "a", "http://bee/"); err == nil || !strings.Contains(out, "no such host") {
		t.Errorf("a resolved b's alias on a network it is not on: %v %q", err, out)
	}

	s.mustRun("-f", file, "down")
	assertSame(t, before, s.root, "netmulti")
	if out := s.mustRun("network", "ls", "-q"); strings.TrimSpace(out) != "" {
		t.Errorf("networks left after down: %q", out)
	}
	s.mustRun("-f", file, "down")
}

// regexpDefaultRoute matches the default route of iface in /proc/net/route.
func regexpDefaultRoute(iface string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(iface) + `\s+00000000\s`)
}
