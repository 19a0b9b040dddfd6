package netstack

import (
	"os"
	"path/filepath"
	"strings"
)

// enableForwarding sets net.ipv4.ip_forward=1 and route_localnet=1 on each
// bridge (so DNATed 127.0.0.1 traffic may be routed out of it) and, when a
// network has an IPv6 subnet, net.ipv6.conf.all.forwarding=1.
func enableForwarding(nets []NetRule) error {
	if err := writeSysctl("net/ipv4/ip_forward", "1"); err != nil {
		return err
	}
	v6 := false
	for _, n := range nets {
		if err := writeSysctl("net/ipv4/conf/"+n.Bridge+"/route_localnet", "1"); err != nil {
			return err
		}
		for _, p := range n.all() {
			v6 = v6 || p.Addr().Is6()
		}
	}
	if v6 {
		return enableForwarding6()
	}
	return nil
}

// enableForwarding6 turns IPv6 forwarding on. A forwarding host ignores
// router advertisements on interfaces with accept_ra=1, which would drop
// the host's own SLAAC addresses and default route; such interfaces get
// accept_ra=2 (accept even when forwarding) first, as they had it before.
func enableForwarding6() error {
	const all = "net/ipv6/conf/all/forwarding"
	if cur, err := os.ReadFile("/proc/sys/" + all); err == nil && strings.TrimSpace(string(cur)) == "1" {
		return nil
	}
	dirs, _ := filepath.Glob("/proc/sys/net/ipv6/conf/*")
	for _, d := range dirs {
		name := filepath.Base(d)
		if name == "all" || name == "default" || name == "lo" {
			continue
		}
		if cur, err := os.ReadFile(filepath.Join(d, "accept_ra")); err == nil && strings.TrimSpace(string(cur)) == "1" {
			if err := writeSysctl("net/ipv6/conf/"+name+"/accept_ra", "2"); err != nil {
				return err
			}
		}
	}
	return writeSysctl(all, "1")
}
