package runtime

import (
	"os"
	"path/filepath"
	goruntime "runtime"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// pinNetNS creates a network namespace whose lo has the given MTU and pins
// it on a file; the thread that made it dies with its goroutine.
func pinNetNS(t *testing.T, mtu int) string {
	t.Helper()
	pin := filepath.Join(t.TempDir(), "netns")
	if err := os.WriteFile(pin, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		goruntime.LockOSThread() // never unlocked: Go kills the thread
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		lo, err := netlink.LinkByName("lo")
		if err == nil {
			err = netlink.LinkSetMTU(lo, mtu)
		}
		if err == nil {
			err = unix.Mount("/proc/thread-self/ns/net", pin, "", unix.MS_BIND, "")
		}
		errc <- err
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unix.Unmount(pin, unix.MNT_DETACH) })
	return pin
}

func TestJoinNetNSAndSysctls(t *testing.T) {
	e := newTestEnv(t)
	s := e.spec("c11", "sh", "-c", "cat /sys/class/net/lo/mtu /proc/sys/net/ipv4/ip_unprivileged_port_start; hostname; cat /proc/sys/kernel/domainname")
	s.NetNS = pinNetNS(t, 1234)
	s.Sysctls = map[string]string{"net.ipv4.ip_unprivileged_port_start": "80"}
	s.Hostname, s.Domainname = "web", "example.org"
	code, out := e.run(t, s)
	if want := "1234\n80\nweb\nexample.org\n"; code != 0 || out != want {
		t.Fatalf("exit %d, log %q; want 0, %q", code, out, want)
	}
}
