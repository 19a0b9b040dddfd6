package imageio

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	securejoin "github.com/cyphar/filepath-securejoin"
	"golang.org/x/sys/unix"
)

// extractTar unpacks a flattened image stream (mutate.Extract: whiteouts
// already applied, upper layers first) into root and returns the bytes of
// regular files written. Every path is resolved inside root, so a symlink
// in the image can never make us write outside it.
func extractTar(r io.Reader, root string) (int64, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return 0, err
	}
	var (
		size  int64
		links []*tar.Header // hardlink targets may come later in the stream
		dirs  []*tar.Header // dir mtimes change while children are added
	)
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("read layer tar: %w", err)
		}
		switch h.Typeflag {
		case tar.TypeLink:
			links = append(links, h)
			continue
		case tar.TypeDir:
			dirs = append(dirs, h)
		}
		n, err := extractEntry(root, h, tr)
		if err != nil {
			return 0, fmt.Errorf("extract %q: %w", h.Name, err)
		}
		size += n
	}
	for _, h := range links {
		if _, err := extractEntry(root, h, nil); err != nil {
			return 0, fmt.Errorf("extract %q: %w", h.Name, err)
		}
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if p, err := securejoin.SecureJoin(root, dirs[i].Name); err == nil {
			setTimes(p, dirs[i])
		}
	}
	return size, nil
}

func extractEntry(root string, h *tar.Header, r io.Reader) (int64, error) {
	rel := filepath.Clean("/" + h.Name)
	parent, err := securejoin.SecureJoin(root, filepath.Dir(rel))
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return 0, err
	}
	target := parent
	if rel != "/" {
		target = filepath.Join(parent, filepath.Base(rel))
	}
	if fi, err := os.Lstat(target); err == nil && !(fi.IsDir() && h.Typeflag == tar.TypeDir) {
		if err := os.RemoveAll(target); err != nil {
			return 0, err
		}
	}
	var n int64
	mode := uint32(h.Mode & 0o7777)
	switch h.Typeflag {
	case tar.TypeDir:
		if err := os.Mkdir(target, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return 0, err
		}
	case tar.TypeReg, tar.TypeRegA:
		f, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY|unix.O_NOFOLLOW, 0o600)
		if err != nil {
			return 0, err
		}
		n, err = io.Copy(f, r)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return 0, err
		}
	case tar.TypeSymlink:
		if err := os.Symlink(h.Linkname, target); err != nil {
			return 0, err
		}
	case tar.TypeLink:
		src, err := securejoin.SecureJoin(root, h.Linkname)
		if err != nil {
			return 0, err
		}
		if err := os.Link(src, target); err != nil {
			return 0, err
		}
		return 0, nil // shares the source inode and its metadata
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		kind := map[byte]uint32{tar.TypeChar: unix.S_IFCHR, tar.TypeBlock: unix.S_IFBLK, tar.TypeFifo: unix.S_IFIFO}[h.Typeflag]
		dev := unix.Mkdev(uint32(h.Devmajor), uint32(h.Devminor))
		if err := unix.Mknod(target, kind|mode, int(dev)); err != nil {
			return 0, err
		}
	default:
		return 0, nil // pax globals and the like carry no file
	}
	if err := os.Lchown(target, h.Uid, h.Gid); err != nil {
		return 0, err
	}
	for k, v := range h.PAXRecords {
		if name, ok := strings.CutPrefix(k, "SCHILY.xattr."); ok {
			_ = unix.Lsetxattr(target, name, []byte(v), 0) // best effort, like docker
		}
	}
	if h.Typeflag != tar.TypeSymlink {
		// After chown, which clears setuid/setgid bits.
		if err := unix.Chmod(target, mode); err != nil {
			return 0, err
		}
	}
	setTimes(target, h)
	return n, nil
}

func setTimes(path string, h *tar.Header) {
	at := h.AccessTime
	if at.IsZero() {
		at = h.ModTime
	}
	ts := []unix.Timespec{toTimespec(at), toTimespec(h.ModTime)}
	_ = unix.UtimesNanoAt(unix.AT_FDCWD, path, ts, unix.AT_SYMLINK_NOFOLLOW)
}

func toTimespec(t time.Time) unix.Timespec {
	if t.IsZero() {
		return unix.Timespec{Nsec: unix.UTIME_OMIT}
	}
	return unix.NsecToTimespec(t.UnixNano())
}
