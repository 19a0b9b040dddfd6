package netstack

import (
	"os"
	"strings"
	"testing"

	"github.com/mini-compose/mini-compose/internal/testutil"
)

// dockerLike puts the test netns in the state dockerd leaves: iptables-nft
// FORWARD policy drop, br_netfilter calling iptables for bridged traffic,
// and with withUser a DOCKER-USER chain jumped to from FORWARD.
func dockerLike(t *testing.T, withUser bool) (brNetfilter bool) {
	t.Helper()
	needBinary(t, "iptables-nft")
	run(t, "iptables-nft", "-P", "FORWARD", "DROP")
	if withUser {
		run(t, "iptables-nft", "-N", "DOCKER-USER")
		run(t, "iptables-nft", "-A", "DOCKER-USER", "-j", "RETURN")
		run(t, "iptables-nft", "-A", "FORWARD", "-j", "DOCKER-USER")
	}
	const knob = "/proc/sys/net/bridge/bridge-nf-call-iptables"
	if _, err := os.Stat(knob); err != nil {
		if err := runErr("modprobe", "br_netfilter"); err != nil {
			t.Logf("br_netfilter unavailable (%v): bridged traffic part not exercised", err)
			return false
		}
	}
	must(t, os.WriteFile(knob, []byte("1"), 0o644))
	return true
}

func TestDockerCoexistence(t *testing.T) {
	for _, withUser := range []bool{false, true} {
		name := map[bool]string{false: "FORWARD", true: "DOCKER-USER"}[withUser]
		t.Run(name, func(t *testing.T) {
			testutil.InNewNetNS(t, func() { dockerCase(t, withUser) })
		})
	}
}

func dockerCase(t *testing.T, withUser bool) {
	dir := t.TempDir()
	up := upstream(t)
	bridged := dockerLike(t, withUser)
	before := snapshot(t)
	br := bridge(t, "dk_default", "10.89.0.1/24")
	a := container(t, dir, "dk-a-1", br, "10.89.0.2/24", "10.89.0.1")
	b := container(t, dir, "dk-b-1", br, "10.89.0.3/24", "10.89.0.1")
	serve(t, a, ":80")
	must(t, writeSysctl("net/ipv4/ip_forward", "1"))
	if bridged {
		mustNotReach(t, b, "10.89.0.2:80") // what Docker does to other bridges
	}
	rules := Rules{Project: "dk",
		Networks: []NetRule{{Bridge: br, Subnet: mustPrefixT("10.89.0.0/24")}},
		Ports:    []PortRule{{HostPort: 18080, Proto: "tcp", Bridge: br, ContainerIP: mustAddrT("10.89.0.2"), ContainerPort: 80}}}
	apply(t, rules)
	mustReach(t, b, "10.89.0.2:80", "10.89.0.3")
	mustReach(t, a, "198.51.100.1:9000", "192.0.2.1")
	mustReach(t, up, "192.0.2.1:18080", "192.0.2.2")
	mustReach(t, b, "192.0.2.1:18080", "10.89.0.1")

	chain, other := "FORWARD", "DOCKER-USER"
	if withUser {
		chain, other = other, chain
	}
	got := run(t, "iptables-nft", "-S", chain)
	want := []string{
		"-A " + chain + " -i " + br + ` -m comment --comment "mini-compose:dk" -j ACCEPT`,
		"-A " + chain + " -o " + br + ` -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "mini-compose:dk" -j ACCEPT`,
		"-A " + chain + " -o " + br + ` -m conntrack --ctstate DNAT -m comment --comment "mini-compose:dk" -j ACCEPT`,
	}
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if len(lines) < 4 || strings.Join(lines[1:4], "\n") != strings.Join(want, "\n") {
		t.Fatalf("iptables-nft -S %s:\n%s\nwant first rules:\n%s", chain, got, strings.Join(want, "\n"))
	}
	if withUser {
		if o := run(t, "iptables-nft", "-S", other); strings.Contains(o, "mini-compose") {
			t.Fatalf("rules also in %s:\n%s", other, o)
		}
	}

	remove(t, "dk")
	if bridged {
		mustNotReach(t, b, "10.89.0.2:80")
	}
	for _, id := range []string{"dk-a-1", "dk-b-1"} {
		must(t, DetachVeth(VethName(id, br)))
	}
	must(t, DeleteBridge(br))
	if after := snapshot(t); after != before {
		t.Fatalf("state changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
