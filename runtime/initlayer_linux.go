package runtime

import (
	"errors"
	"io/fs"
	"os"
	"sync"
)

// initLayer is what every container needs in its root before its mounts
// can be made: the mount points of /proc, /sys and /dev and the bind
// targets of the generated /etc files. Docker keeps the same entries in an
// "init layer" under every container. Without them in the image,
// libcontainer creates them at each start in the container's writable
// layer, a copy-up into the upper dir per entry (measured: about a tenth
// of the CPU of a container's init on a busybox image).
var initLayer = []struct {
	path string
	dir  bool
}{
	{"proc", true}, {"sys", true}, {"dev", true}, {"etc", true},
	{"etc/hosts", false}, {"etc/hostname", false}, {"etc/resolv.conf", false},
}

// preparedLowers remembers the image roots already given their init layer
// by this process.
var preparedLowers sync.Map

// ensureInitLayer adds the entries of initLayer that the image root lower
// lacks, as empty directories and files. Entries the image has, of any
// kind (even a dangling symlink), are left alone, and nothing is followed
// outside lower. It is cheap after the first call for a root.
func ensureInitLayer(lower string) error {
	if _, done := preparedLowers.Load(lower); done {
		return nil
	}
	root, err := os.OpenRoot(lower)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, e := range initLayer {
		if _, err := root.Lstat(e.path); err == nil || !errors.Is(err, fs.ErrNotExist) {
			continue // present, or not ours to decide (e.g. a parent is a file)
		}
		if e.dir {
			err = root.Mkdir(e.path, 0o755)
		} else {
			var f *os.File
			if f, err = root.OpenFile(e.path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644); err == nil {
				err = f.Close()
			}
		}
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
	}
	preparedLowers.Store(lower, true)
	return nil
}
