// Package imageio moves images between files and the local image store:
// `docker save` tarballs, OCI archives and OCI layouts. The CLI uses it;
// the daemon only reads the store, and does not link it.
package imageio

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/mini-compose/mini-compose/runtime"
	"github.com/mini-compose/mini-compose/runtime/imageref"
)

// namedImage is one image found in an archive with the refs it carries.
type namedImage struct {
	img  v1.Image
	refs []string // normalized
}

// OpenStore opens the image store in dir for the CLI: refs given in any
// form docker accepts ("busybox") find their normalized entries.
func OpenStore(dir string) (*runtime.Store, error) {
	s, err := runtime.OpenStore(dir)
	if err != nil {
		return nil, err
	}
	s.SetNormalizer(imageref.Normalize)
	return s, nil
}

// Load imports every image of a `docker save` tarball, an OCI archive (tar
// of an OCI layout) or an OCI layout directory into s, and returns the
// normalized refs loaded (the id for an untagged image). Each image is
// flattened once; loading an image again only updates its refs.
func Load(s *runtime.Store, path string) ([]string, error) {
	imgs, cleanup, err := readArchive(path)
	if err != nil {
		return nil, fmt.Errorf("load images from %q: %w", path, err)
	}
	defer cleanup()
	unlock, err := s.Lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	tags := map[string]string{}
	var loaded []string
	for _, ni := range imgs {
		id, err := flatten(s, ni.img)
		if err != nil {
			return nil, fmt.Errorf("load images from %q: %w", path, err)
		}
		for _, r := range ni.refs {
			tags[r] = id
		}
		if len(ni.refs) == 0 {
			loaded = append(loaded, id)
		}
		loaded = append(loaded, ni.refs...)
	}
	if err := s.Tag(tags); err != nil {
		return nil, err
	}
	return loaded, nil
}

// flatten extracts img into the store unless it is already there.
func flatten(s *runtime.Store, img v1.Image) (string, error) {
	h, err := img.ConfigName()
	if err != nil {
		return "", fmt.Errorf("read image config digest: %w", err)
	}
	id := h.String()
	cf, err := img.ConfigFile()
	if err != nil {
		return "", fmt.Errorf("read image config %s: %w", id, err)
	}
	return id, s.Import(id, convertConfig(cf), cf.Created.Time, func(rootfs string) (int64, error) {
		rc := mutate.Extract(img)
		defer rc.Close()
		return extractTar(rc, rootfs)
	})
}

func convertConfig(cf *v1.ConfigFile) runtime.ImageConfig {
	c := cf.Config
	ic := runtime.ImageConfig{Entrypoint: c.Entrypoint, Cmd: c.Cmd, Env: c.Env, WorkingDir: c.WorkingDir, User: c.User, StopSignal: c.StopSignal}
	for p := range c.ExposedPorts {
		ic.ExposedPorts = append(ic.ExposedPorts, p)
	}
	sort.Strings(ic.ExposedPorts)
	return ic
}

// readArchive opens the images of path; cleanup removes temporary files.
func readArchive(path string) ([]namedImage, func(), error) {
	nop := func() {}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nop, err
	}
	if fi.IsDir() {
		imgs, err := readLayout(layout.Path(path))
		return imgs, nop, err
	}
	names, err := tarNames(path)
	if err != nil {
		return nil, nop, err
	}
	if names["manifest.json"] {
		imgs, err := readDockerSave(path)
		return imgs, nop, err
	}
	if names["index.json"] {
		tmp, err := os.MkdirTemp("", "mini-compose-oci-")
		if err != nil {
			return nil, nop, err
		}
		cleanup := func() { os.RemoveAll(tmp) }
		if err := untarPlain(path, tmp); err != nil {
			cleanup()
			return nil, nop, err
		}
		imgs, err := readLayout(layout.Path(tmp))
		if err != nil {
			cleanup()
			return nil, nop, err
		}
		return imgs, cleanup, nil
	}
	return nil, nop, errors.New("not a docker save tarball nor an OCI archive (no manifest.json or index.json)")
}

func readDockerSave(path string) ([]namedImage, error) {
	opener := func() (io.ReadCloser, error) { return os.Open(path) }
	m, err := tarball.LoadManifest(opener)
	if err != nil {
		return nil, fmt.Errorf("read manifest.json: %w", err)
	}
	var out []namedImage
	for _, d := range m {
		var tag *name.Tag
		var refs []string
		for _, rt := range d.RepoTags {
			t, err := name.NewTag(rt)
			if err != nil {
				return nil, fmt.Errorf("parse repo tag %q: %w", rt, err)
			}
			if tag == nil {
				tag = &t
			}
			n, err := imageref.Normalize(rt)
			if err != nil {
				return nil, err
			}
			refs = append(refs, n)
		}
		if tag == nil && len(m) > 1 {
			return nil, errors.New("untagged image in a multi-image tarball is not supported")
		}
		img, err := tarball.Image(opener, tag)
		if err != nil {
			return nil, fmt.Errorf("open image %v: %w", d.RepoTags, err)
		}
		out = append(out, namedImage{img: img, refs: refs})
	}
	return out, nil
}

// readLayout reads the top-level descriptors of an OCI layout; a nested
// index (multi-platform) resolves to the linux image of our architecture.
func readLayout(p layout.Path) ([]namedImage, error) {
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("read OCI index: %w", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("read OCI index: %w", err)
	}
	var out []namedImage
	for _, d := range im.Manifests {
		img, err := imageFromDescriptor(idx, d)
		if err != nil {
			return nil, err
		}
		var refs []string
		if r := refFromAnnotations(d.Annotations); r != "" {
			n, err := imageref.Normalize(r)
			if err != nil {
				return nil, err
			}
			refs = append(refs, n)
		}
		out = append(out, namedImage{img: img, refs: refs})
	}
	if len(out) == 0 {
		return nil, errors.New("OCI index lists no image")
	}
	return out, nil
}

func imageFromDescriptor(idx v1.ImageIndex, d v1.Descriptor) (v1.Image, error) {
	if d.MediaType.IsImage() {
		return idx.Image(d.Digest)
	}
	if !d.MediaType.IsIndex() {
		return nil, fmt.Errorf("unsupported media type %q in OCI index", d.MediaType)
	}
	child, err := idx.ImageIndex(d.Digest)
	if err != nil {
		return nil, fmt.Errorf("read nested index %s: %w", d.Digest, err)
	}
	cm, err := child.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("read nested index %s: %w", d.Digest, err)
	}
	want := v1.Platform{OS: "linux", Architecture: goruntime.GOARCH}
	for _, cd := range cm.Manifests {
		if cd.MediaType.IsImage() && (cd.Platform == nil || cd.Platform.Satisfies(want)) {
			return child.Image(cd.Digest)
		}
	}
	return nil, fmt.Errorf("no linux/%s image in index %s", want.Architecture, d.Digest)
}

// refFromAnnotations picks a full image name: containerd's annotation, or
// the OCI ref name when it is more than a bare tag.
func refFromAnnotations(a map[string]string) string {
	if r := a["io.containerd.image.name"]; r != "" {
		return r
	}
	r := a["org.opencontainers.image.ref.name"]
	if strings.ContainsAny(r, ":/") {
		return r
	}
	return ""
}

// tarNames lists the top-level regular file names of a tar archive.
func tarNames(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names := map[string]bool{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read tar %q: %w", path, err)
		}
		names[strings.TrimPrefix(filepath.Clean(h.Name), "./")] = true
	}
}

// untarPlain unpacks the regular files and dirs of an OCI archive.
func untarPlain(path, dst string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read tar %q: %w", path, err)
		}
		rel := filepath.Clean("/" + h.Name)
		target := filepath.Join(dst, rel)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
			if err != nil {
				return err
			}
			_, err = io.Copy(out, tr)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("unpack %q: %w", h.Name, err)
			}
		}
	}
}
