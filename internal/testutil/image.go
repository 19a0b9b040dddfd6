// Package testutil holds helpers shared by the tests and tools of the module.
package testutil

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	goruntime "runtime"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// SymlinkPrefix marks a BuildImage file value that is a symlink target
// rather than a host path: files["/bin/sh"] = SymlinkPrefix + "/bin/busybox".
const SymlinkPrefix = "symlink:"

// ImageConfig is the image config written by BuildImage.
type ImageConfig struct {
	Entrypoint, Cmd, Env []string
	WorkingDir, User     string
}

// BuildImage writes a one-layer image holding files (container path -> host
// path, or SymlinkPrefix + target) to path, tagged ref. format is "docker"
// (a `docker save` tarball) or "oci" (a tar of an OCI layout).
func BuildImage(path, ref string, files map[string]string, cfg ImageConfig, format string) error {
	tag, err := name.NewTag(ref)
	if err != nil {
		return fmt.Errorf("build image %q: %w", ref, err)
	}
	layerTar, err := layerBytes(files)
	if err != nil {
		return fmt.Errorf("build image %q: %w", ref, err)
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	})
	if err != nil {
		return fmt.Errorf("build image %q: %w", ref, err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return fmt.Errorf("build image %q: %w", ref, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return fmt.Errorf("build image %q: %w", ref, err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", goruntime.GOARCH
	cf.Created = v1.Time{Time: time.Unix(1700000000, 0).UTC()}
	cf.Config.Entrypoint, cf.Config.Cmd, cf.Config.Env = cfg.Entrypoint, cfg.Cmd, cfg.Env
	cf.Config.WorkingDir, cf.Config.User = cfg.WorkingDir, cfg.User
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return fmt.Errorf("build image %q: %w", ref, err)
	}
	switch format {
	case "docker":
		err = tarball.WriteToFile(path, tag, img)
	case "oci":
		err = writeOCIArchive(path, tag, img)
	default:
		err = fmt.Errorf("unknown format %q (want docker or oci)", format)
	}
	if err != nil {
		return fmt.Errorf("build image %q: %w", ref, err)
	}
	return nil
}

func writeOCIArchive(path string, tag name.Tag, img v1.Image) error {
	dir, err := os.MkdirTemp("", "oci-layout-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": tag.String(),
	})); err != nil {
		return err
	}
	return tarDir(dir, path)
}

// tarDir writes the files under dir into a tar at out, paths relative to dir.
func tarDir(dir, out string) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	err = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h, err := tar.FileInfoHeader(fi, "")
		if err != nil {
			return err
		}
		h.Name = filepath.ToSlash(rel)
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			return copyFile(tw, p)
		}
		return nil
	})
	if cerr := tw.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func copyFile(w io.Writer, p string) error {
	src, err := os.Open(p)
	if err != nil {
		return err
	}
	defer src.Close()
	_, err = io.Copy(w, src)
	return err
}

// layerBytes builds the layer tar: parent dirs first, then files sorted.
func layerBytes(files map[string]string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	var paths []string
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	mtime := time.Unix(1700000000, 0)
	for _, p := range paths {
		clean := path.Clean("/" + p)
		for d := path.Dir(clean); d != "/" && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	var dirList []string
	for d := range dirs {
		dirList = append(dirList, d)
	}
	sort.Strings(dirList)
	for _, d := range dirList {
		h := &tar.Header{Typeflag: tar.TypeDir, Name: strings.TrimPrefix(d, "/") + "/", Mode: 0o755, ModTime: mtime}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
	}
	for _, p := range paths {
		nm := strings.TrimPrefix(path.Clean("/"+p), "/")
		src := files[p]
		if target, ok := strings.CutPrefix(src, SymlinkPrefix); ok {
			h := &tar.Header{Typeflag: tar.TypeSymlink, Name: nm, Linkname: target, Mode: 0o777, ModTime: mtime}
			if err := tw.WriteHeader(h); err != nil {
				return nil, err
			}
			continue
		}
		fi, err := os.Stat(src)
		if err != nil {
			return nil, err
		}
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("add %q: not a regular file", src)
		}
		h := &tar.Header{Typeflag: tar.TypeReg, Name: nm, Size: fi.Size(), Mode: int64(fi.Mode().Perm()), ModTime: mtime}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if err := copyFile(tw, src); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// BusyboxPath returns the path of the static busybox binary.
func BusyboxPath() (string, error) {
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", errors.New("busybox not found at /bin/busybox or /usr/bin/busybox: apt-get install -y busybox-static")
}

// BusyboxFiles maps /bin/busybox to the host's static busybox and every
// applet it lists (/bin/sh, /bin/ls, /usr/bin/env, ...) to a symlink to it.
func BusyboxFiles() (map[string]string, error) {
	bb, err := BusyboxPath()
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(bb, "--list-full").Output()
	if err != nil {
		return nil, fmt.Errorf("list busybox applets: %w", err)
	}
	files := map[string]string{"/bin/busybox": bb}
	for _, l := range strings.Fields(string(out)) {
		p := "/" + strings.TrimPrefix(l, "/")
		if p != "/bin/busybox" {
			files[p] = SymlinkPrefix + "/bin/busybox"
		}
	}
	if _, ok := files["/bin/sh"]; !ok {
		return nil, fmt.Errorf("busybox at %q has no sh applet", bb)
	}
	return files, nil
}

// WriteRootfs materializes files (as BusyboxFiles returns them: path in the
// image -> host file, or SymlinkPrefix + target) as a root filesystem in
// dir, for tests that start containers without an image store.
func WriteRootfs(dir string, files map[string]string) error {
	for p, src := range files {
		dst := filepath.Join(dir, path.Clean("/"+p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if target, ok := strings.CutPrefix(src, SymlinkPrefix); ok {
			if err := os.Symlink(target, dst); err != nil {
				return err
			}
			continue
		}
		fi, err := os.Stat(src)
		if err != nil {
			return err
		}
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fi.Mode().Perm())
		if err == nil {
			err = copyFile(out, src)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			return fmt.Errorf("write %q: %w", dst, err)
		}
	}
	return nil
}
