package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// mountOverlay mounts lower (read-only) with dir/upper and dir/work at rootfs.
func mountOverlay(lower, dir, rootfs string) error {
	if lower == "" {
		return errors.New("mount rootfs: no image rootfs")
	}
	if _, err := os.Stat(lower); err != nil {
		return fmt.Errorf("mount rootfs: image rootfs: %w", err)
	}
	upper, work := filepath.Join(dir, "upper"), filepath.Join(dir, "work")
	for _, d := range []string{upper, work, rootfs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("mount rootfs: %w", err)
		}
	}
	for _, p := range []string{lower, upper, work} {
		// The option string uses these as separators.
		if strings.ContainsAny(p, ",:") {
			return fmt.Errorf("mount rootfs: path %q contains ',' or ':'", p)
		}
	}
	data := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work)
	if err := unix.Mount("overlay", rootfs, "overlay", 0, data); err != nil {
		return fmt.Errorf("mount overlay on %q: %w", rootfs, err)
	}
	return nil
}

// unmount detaches the mount at p; "not mounted" and "gone" count as done.
func unmount(p string) error {
	err := unix.Unmount(p, unix.MNT_DETACH)
	if err == nil || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT) {
		return nil
	}
	return fmt.Errorf("unmount %q: %w", p, err)
}
