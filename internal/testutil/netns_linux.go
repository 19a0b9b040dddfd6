package testutil

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// RequireRoot skips the test unless it runs as root.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (namespaces, mounts, nftables, cgroups); run as root, under unshare")
	}
}

// InNewNetNS runs fn on the test goroutine, locked to its OS thread, inside
// a fresh network namespace with lo up, and moves the thread back after.
// The thread stays locked, so Go discards it when the test goroutine ends;
// fn may call t.Fatal. Goroutines started by fn run outside the namespace,
// and t.Cleanup functions too.
func InNewNetNS(t testing.TB, fn func()) {
	t.Helper()
	RequireRoot(t)
	runtime.LockOSThread() // never unlocked: the thread is discarded
	orig, err := netns.Get()
	if err != nil {
		t.Fatalf("get current netns: %v", err)
	}
	defer orig.Close()
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		t.Fatalf("unshare netns: %v", err)
	}
	defer func() {
		if err := netns.Set(orig); err != nil {
			t.Errorf("restore netns: %v", err)
		}
	}()
	if err := linkUp("lo"); err != nil {
		t.Fatal(err)
	}
	fn()
}

// NewPinnedNetNS creates a network namespace with lo up, pinned by a bind
// mount on a file under t.TempDir(), and returns that path. The calling
// thread does not enter it; Cleanup unmounts and removes the pin.
func NewPinnedNetNS(t testing.TB) string {
	t.Helper()
	RequireRoot(t)
	path := filepath.Join(t.TempDir(), "netns")
	if err := os.WriteFile(path, nil, 0o444); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread is discarded
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("unshare netns: %w", err)
			return
		}
		src := fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid())
		if err := unix.Mount(src, path, "", unix.MS_BIND, ""); err != nil {
			errc <- fmt.Errorf("pin netns: %w", err)
			return
		}
		errc <- linkUp("lo")
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(path, unix.MNT_DETACH); err != nil {
			t.Errorf("unpin netns %q: %v", path, err)
		}
	})
	return path
}

func linkUp(name string) error {
	link, err := netlink.LinkByName(name)
	if err == nil {
		err = netlink.LinkSetUp(link)
	}
	if err != nil {
		return fmt.Errorf("set %s up: %w", name, err)
	}
	return nil
}
