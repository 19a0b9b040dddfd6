package e2e

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// ipLink runs `ip link ARGS` and fails the test on error.
func ipLink(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", append([]string{"link"}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("ip link %v: %v\n%s", args, err, out)
	}
}

// macvlan: containers on a parent link of the test's namespace reach each
// other through it, with no veth or bridge of ours; a macvlan network
// without parent gets a dummy parent and is internal; ipvlan works or
// fails clearly (this kernel has no CONFIG_IPVLAN); down leaves nothing.
func TestNetworkMacvlanIpvlan(t *testing.T) {
	s := newStack(t)
	ipLink(t, "add", "mcpar0", "type", "veth", "peer", "name", "mcpar1")
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", "mcpar0").Run() })
	ipLink(t, "set", "mcpar0", "up")
	ipLink(t, "set", "mcpar1", "up")
	before := snapshot(t, s.root, "netmv")
	file := writeCompose(t, `
name: netmv
services:
  a:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":80"]
    networks:
      mv: {ipv4_address: 192.168.230.10}
  b:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":80"]
    networks: [mv]
  c:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":80"]
    networks: [lone]
networks:
  mv:
    driver: macvlan
    driver_opts: {parent: mcpar0, macvlan_mode: bridge}
    ipam: {config: [{subnet: 192.168.230.0/24}]}
  lone: {driver: macvlan}
`)
	s.mustRun("-f", file, "up", "-d")
	mv := s.inspect("netmv_mv")
	if mv.Driver != "macvlan" || mv.Bridge != "" || mv.Containers["netmv-a-1"].IPv4 != "192.168.230.10" {
		t.Errorf("mv: driver %q bridge %q a %+v", mv.Driver, mv.Bridge, mv.Containers["netmv-a-1"])
	}
	if lone := s.inspect("netmv_lone"); !lone.Internal {
		t.Errorf("a macvlan network without parent must be internal: %+v", lone)
	}
	s.mustReach(file, "b", "http://192.168.230.10/")
	out := s.mustRun("-f", file, "exec", "-T", "a", "cat", "/sys/class/net/eth0/iflink")
	// /sys shows the namespace it was mounted in: ask ip for the index.
	parent, _, _ := strings.Cut(string(mustOut(t, "ip", "-o", "link", "show", "mcpar0")), ":")
	if strings.TrimSpace(out) != parent {
		t.Errorf("a's eth0 hangs off link %s, want mcpar0 (%s)", strings.TrimSpace(out), parent)
	}
	s.mustRun("-f", file, "down")
	assertSame(t, before, s.root, "netmv")

	ipv := writeCompose(t, `
name: netiv
services:
  a:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":80"]
    networks: [iv]
networks:
  iv: {driver: ipvlan, driver_opts: {parent: mcpar0, ipvlan_mode: l3}}
`)
	out, err := s.run("-f", ipv, "up", "-d")
	t.Logf("ipvlan up: %v: %s", err, out)
	if err != nil {
		if !strings.Contains(out, "ipvlan is not supported by this kernel") {
			t.Errorf("ipvlan up failed without the clear error: %v\n%s", err, out)
		}
	} else {
		s.mustRun("-f", ipv, "down")
	}
	assertSame(t, before, s.root, "netiv")
}

func mustOut(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return out
}

// Networks with driver host and none give their services network_mode
// host and none.
func TestNetworkHostNoneDrivers(t *testing.T) {
	s := newStack(t)
	file := writeCompose(t, `
name: nethn
services:
  h:
    image: mini-compose/hello:latest
    command: ["/app", "serve", "127.0.0.1:18140"]
    networks: [hostnet]
  n:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":80"]
    networks: [nonet]
networks:
  hostnet: {driver: host}
  nonet: {driver: none}
`)
	s.mustRun("-f", file, "up", "-d")
	defer s.run("-f", file, "down", "-t", "0")
	eventually(t, 10*time.Second, "host-network service on 127.0.0.1", func() error {
		body, err := httpGet("http://127.0.0.1:18140/")
		if err == nil && !strings.HasPrefix(body, "hello from ") {
			err = fmt.Errorf("unexpected body %q", body)
		}
		return err
	})
	out := s.mustRun("-f", file, "exec", "-T", "n", "cat", "/proc/net/dev")
	var ifaces []string
	for _, l := range strings.Split(out, "\n") {
		if name, _, ok := strings.Cut(l, ":"); ok && !strings.Contains(name, "|") {
			ifaces = append(ifaces, strings.TrimSpace(name))
		}
	}
	if strings.Join(ifaces, ",") != "lo" {
		t.Errorf("none-network service has interfaces %v, want only lo", ifaces)
	}
}

// network connect adds the new address to the container's /etc/hosts,
// disconnect takes it away.
func TestNetworkConnectUpdatesHosts(t *testing.T) {
	s := newStack(t)
	file := writeCompose(t, `
name: netconn
services:
  a:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":80"]
`)
	s.mustRun("-f", file, "up", "-d")
	defer s.run("-f", file, "down", "-t", "0")
	s.mustRun("network", "create", "--ipv6", "extra")
	defer s.run("network", "rm", "extra")
	s.mustRun("network", "connect", "extra", "netconn-a-1")
	c := s.inspect("extra").Containers["netconn-a-1"]
	if c.IPv4 == "" || c.IPv6 == "" {
		t.Fatalf("connected container lacks an address: %+v", c)
	}
	hosts := s.mustRun("-f", file, "exec", "-T", "a", "cat", "/etc/hosts")
	for _, ip := range []string{c.IPv4, c.IPv6} {
		if !strings.Contains(hosts, ip+"\t") {
			t.Errorf("/etc/hosts lacks %s after connect:\n%s", ip, hosts)
		}
	}
	s.mustRun("network", "disconnect", "extra", "netconn-a-1")
	hosts = s.mustRun("-f", file, "exec", "-T", "a", "cat", "/etc/hosts")
	if strings.Contains(hosts, c.IPv4+"\t") {
		t.Errorf("/etc/hosts still has %s after disconnect:\n%s", c.IPv4, hosts)
	}
}
