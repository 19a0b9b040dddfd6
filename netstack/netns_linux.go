package netstack

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// onThrowawayThread runs fn on a fresh goroutine locked to its OS thread and
// never unlocks it: whatever namespace fn leaves the thread in, Go destroys
// the thread when the goroutine exits, so no other goroutine inherits it.
func onThrowawayThread(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		errc <- fn()
	}()
	return <-errc
}

// NewNetNS creates a network namespace pinned by a bind mount at path
// (parent directories created) with lo up and IPv6 duplicate address
// detection off. The namespace is entered only by
// a throwaway thread, never by the caller's.
func NewNetNS(path string) (retErr error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create netns %q: %w", path, err)
	}
	if isPinnedNetNS(path) {
		return nil
	}
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return fmt.Errorf("create netns %q: %w", path, err)
	}
	f.Close()
	defer func() {
		if retErr != nil {
			_ = os.Remove(path)
		}
	}()
	err = onThrowawayThread(func() error {
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("unshare: %w", err)
		}
		src := fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid())
		if err := unix.Mount(src, path, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind mount: %w", err)
		}
		// Links born here skip IPv6 duplicate address detection (also of
		// their link-local address): a container's addresses are unique by
		// allocation and must be usable at once.
		for _, conf := range []string{"all", "default"} {
			_ = writeSysctl("net/ipv6/conf/"+conf+"/accept_dad", "0")
		}
		lo, err := netlink.LinkByName("lo")
		if err == nil {
			err = netlink.LinkSetUp(lo)
		}
		if err != nil {
			_ = unix.Unmount(path, unix.MNT_DETACH)
			return fmt.Errorf("set lo up: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create netns %q: %w", path, err)
	}
	return nil
}

// DeleteNetNS unmounts and removes a namespace pinned by NewNetNS; a
// missing path is not an error. The namespace itself lives on while a
// process or an open file still holds it.
func DeleteNetNS(path string) error {
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil &&
		!errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("delete netns %q: unmount: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("delete netns %q: %w", path, err)
	}
	return nil
}

// WithNetNS runs fn on a locked OS thread inside the namespace pinned at
// path (like CNI's ns.Do). Goroutines that fn starts do not run inside it,
// but sockets fn opens stay bound to it.
func WithNetNS(path string, fn func() error) error {
	target, err := netns.GetFromPath(path)
	if err != nil {
		return fmt.Errorf("open netns %q: %w", path, err)
	}
	defer target.Close()
	return onThrowawayThread(func() error {
		if err := netns.Set(target); err != nil {
			return fmt.Errorf("enter netns %q: %w", path, err)
		}
		return fn()
	})
}

// isPinnedNetNS reports whether path already holds a namespace (a bind
// mount of an nsfs file), which makes NewNetNS idempotent.
func isPinnedNetNS(path string) bool {
	var st unix.Statfs_t
	return unix.Statfs(path, &st) == nil && st.Type == unix.NSFS_MAGIC
}
