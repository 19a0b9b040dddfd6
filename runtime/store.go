package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

const (
	refsFile  = "refs.json"
	imageMeta = "image.json"
	lockFile  = ".lock"
)

// Store is an on-disk image store: dir/<hex id>/rootfs holds the flattened
// filesystem, dir/<hex id>/image.json its config, dir/refs.json maps
// normalized refs to image ids.
type Store struct {
	dir string
	// normalize maps a user's ref to the form refs.json holds; nil: refs
	// are looked up as given (the daemon gets them normalized by the CLI).
	normalize func(string) (string, error)
}

// imageRecord is the persisted form of an Image (without tags and paths).
type imageRecord struct {
	ID      string      `json:"id"`
	Config  ImageConfig `json:"config"`
	Size    int64       `json:"size"`
	Created time.Time   `json:"created"`
}

// OpenStore opens (creating if needed) the image store in dir.
func OpenStore(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open image store %q: %w", dir, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open image store %q: %w", dir, err)
	}
	return &Store{dir: abs}, nil
}

// Get finds an image by ref (as stored: normalized, unless SetNormalizer
// made other forms work), by full id or by a unique id prefix.
func (s *Store) Get(ref string) (*Image, error) {
	refs, err := s.readRefs()
	if err != nil {
		return nil, err
	}
	id, err := s.resolve(refs, ref)
	if err != nil {
		return nil, err
	}
	return s.image(id, refs)
}

// List returns all images, sorted by id.
func (s *Store) List() ([]Image, error) {
	refs, err := s.readRefs()
	if err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	var out []Image
	for _, e := range ents {
		if !e.IsDir() || !isHexID(e.Name()) {
			continue
		}
		img, err := s.image("sha256:"+e.Name(), refs)
		if err != nil {
			return nil, err
		}
		out = append(out, *img)
	}
	return out, nil
}

// Remove deletes an image and all refs pointing at it. Removing by tag
// removes the whole image, like `docker rmi -f`.
func (s *Store) Remove(ref string) error {
	unlock, err := s.Lock()
	if err != nil {
		return err
	}
	defer unlock()
	refs, err := s.readRefs()
	if err != nil {
		return err
	}
	id, err := s.resolve(refs, ref)
	if err != nil {
		return err
	}
	for r, v := range refs {
		if v == id {
			delete(refs, r)
		}
	}
	if err := s.writeRefs(refs); err != nil {
		return err
	}
	if err := os.RemoveAll(s.imageDir(id)); err != nil {
		return fmt.Errorf("remove image %q: %w", ref, err)
	}
	return nil
}

// SetNormalizer makes Get and Remove accept refs in any form that fn
// normalizes ("busybox" for "docker.io/library/busybox:latest").
func (s *Store) SetNormalizer(fn func(string) (string, error)) { s.normalize = fn }

// resolve maps a ref, id or id prefix to a full id.
func (s *Store) resolve(refs map[string]string, ref string) (string, error) {
	if id, ok := refs[ref]; ok {
		return id, nil
	}
	if s.normalize != nil {
		if norm, err := s.normalize(ref); err == nil {
			if id, ok := refs[norm]; ok {
				return id, nil
			}
		}
	}
	prefix := strings.TrimPrefix(ref, "sha256:")
	if prefix != "" && isHex(prefix) {
		ents, err := os.ReadDir(s.dir)
		if err != nil {
			return "", fmt.Errorf("find image %q: %w", ref, err)
		}
		var found []string
		for _, e := range ents {
			if e.IsDir() && isHexID(e.Name()) && strings.HasPrefix(e.Name(), prefix) {
				found = append(found, e.Name())
			}
		}
		if len(found) == 1 {
			return "sha256:" + found[0], nil
		}
		if len(found) > 1 {
			return "", fmt.Errorf("find image %q: ambiguous id prefix matches %d images", ref, len(found))
		}
	}
	return "", fmt.Errorf("find image %q: %w", ref, ErrImageNotFound)
}

// Import adds the image id to the store unless it is already there: fill
// writes its filesystem into the rootfs dir it is given and returns the
// bytes written. The image appears complete or not at all. Callers hold
// the store's lock (Lock).
func (s *Store) Import(id string, cfg ImageConfig, created time.Time, fill func(rootfs string) (int64, error)) (retErr error) {
	final := s.imageDir(id)
	if _, err := os.Stat(filepath.Join(final, imageMeta)); err == nil {
		return nil
	}
	tmp, err := os.MkdirTemp(s.dir, ".tmp-image-")
	if err != nil {
		return fmt.Errorf("import image %s: %w", id, err)
	}
	defer func() {
		if retErr != nil {
			os.RemoveAll(tmp)
		}
	}()
	size, err := fill(filepath.Join(tmp, "rootfs"))
	if err != nil {
		return fmt.Errorf("import image %s: %w", id, err)
	}
	rec := imageRecord{ID: id, Config: cfg, Size: size, Created: created}
	if err := writeJSONAtomic(filepath.Join(tmp, imageMeta), rec); err != nil {
		return err
	}
	// A leftover dir without image.json is an interrupted import.
	if err := os.RemoveAll(final); err != nil {
		return fmt.Errorf("import image %s: %w", id, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("import image %s: %w", id, err)
	}
	return nil
}

// Tag points each ref (normalized) at its image id. Callers hold the
// store's lock (Lock).
func (s *Store) Tag(tags map[string]string) error {
	refs, err := s.readRefs()
	if err != nil {
		return err
	}
	for r, id := range tags {
		refs[r] = id
	}
	return s.writeRefs(refs)
}

func (s *Store) imageDir(id string) string {
	return filepath.Join(s.dir, strings.TrimPrefix(id, "sha256:"))
}

func (s *Store) image(id string, refs map[string]string) (*Image, error) {
	dir := s.imageDir(id)
	b, err := os.ReadFile(filepath.Join(dir, imageMeta))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("read image %q: %w", id, ErrImageNotFound)
		}
		return nil, fmt.Errorf("read image %q: %w", id, err)
	}
	var rec imageRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("decode image %q: %w", id, err)
	}
	img := &Image{ID: rec.ID, Rootfs: filepath.Join(dir, "rootfs"), Config: rec.Config, Size: rec.Size, Created: rec.Created}
	for r, v := range refs {
		if v == id {
			img.Tags = append(img.Tags, r)
		}
	}
	sort.Strings(img.Tags)
	return img, nil
}

func (s *Store) readRefs() (map[string]string, error) {
	refs := map[string]string{}
	b, err := os.ReadFile(filepath.Join(s.dir, refsFile))
	if errors.Is(err, os.ErrNotExist) {
		return refs, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read image refs: %w", err)
	}
	if err := json.Unmarshal(b, &refs); err != nil {
		return nil, fmt.Errorf("decode image refs: %w", err)
	}
	return refs, nil
}

// writeRefs replaces the refs index atomically (temp file + rename).
func (s *Store) writeRefs(refs map[string]string) error {
	b, err := json.MarshalIndent(refs, "", "  ")
	if err != nil {
		return fmt.Errorf("encode image refs: %w", err)
	}
	return writeFileAtomic(filepath.Join(s.dir, refsFile), b)
}

func writeFileAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-")
	if err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %q: %w", path, err)
	}
	return nil
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func isHexID(s string) bool { return len(s) == 64 && isHex(s) }
