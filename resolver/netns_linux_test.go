package resolver

import (
	"net"
	"net/netip"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

const childEnv = "MC_RESOLVER_TEST_NETNS"

// inFreshNetns runs the calling test again in a child process born in a
// new network namespace (CLONE_NEWNET on exec), and returns true in that
// child. Re-executing, rather than unsharing one locked thread, matters
// here: the dns.Server runs handlers and upstream dials on goroutines
// that may land on any thread, and every thread of the child is inside.
// The parent returns false and reports the child's result.
func inFreshNetns(t *testing.T) bool {
	t.Helper()
	if os.Getenv(childEnv) == t.Name() {
		return true
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a network namespace")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+t.Name())
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("test in a fresh netns: %v\n%s", err, out)
	}
	t.Logf("child in a fresh netns:\n%s", out)
	return false
}

// setupLinks brings lo up and adds a bridge per map key (this kernel
// has no dummy driver) carrying the given addresses (CIDR); IPv6
// ones skip duplicate address detection so they can be bound at once.
// Only call it inside a fresh netns.
func setupLinks(t testing.TB, links map[string][]string) {
	t.Helper()
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	if err := netlink.LinkSetUp(lo); err != nil {
		t.Fatalf("set lo up: %v", err)
	}
	for name, cidrs := range links {
		d := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: name}}
		if err := netlink.LinkAdd(d); err != nil {
			t.Fatalf("add bridge %q: %v", name, err)
		}
		for _, c := range cidrs {
			a, err := netlink.ParseAddr(c)
			if err != nil {
				t.Fatal(err)
			}
			if a.IP.To4() == nil {
				a.Flags = unix.IFA_F_NODAD
			}
			if err := netlink.AddrAdd(d, a); err != nil {
				t.Fatalf("add %s to %q: %v", c, name, err)
			}
		}
		if err := netlink.LinkSetUp(d); err != nil {
			t.Fatalf("set %q up: %v", name, err)
		}
		// A port-less bridge has no carrier, and IPv6 then drops packets
		// to its addresses now and then: give it a port that is up.
		v := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: name + "-p", MasterIndex: d.Index}, PeerName: name + "-q"}
		if err := netlink.LinkAdd(v); err != nil {
			t.Fatalf("add veth to %q: %v", name, err)
		}
		for _, n := range []string{v.Name, v.PeerName} {
			l, err := netlink.LinkByName(n)
			if err == nil {
				err = netlink.LinkSetUp(l)
			}
			if err != nil {
				t.Fatalf("set %q up: %v", n, err)
			}
		}
	}
}

// dialFrom returns a dialer whose packets leave from src, the way a
// container's queries carry its own address.
func dialFrom(src string, tcp bool) *net.Dialer {
	a := netip.MustParseAddr(src)
	if tcp {
		return &net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(a, 0))}
	}
	return &net.Dialer{LocalAddr: net.UDPAddrFromAddrPort(netip.AddrPortFrom(a, 0))}
}
