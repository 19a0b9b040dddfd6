package imageio

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/mini-compose/mini-compose/internal/testutil"
	"github.com/mini-compose/mini-compose/runtime"
)

// buildBusybox writes a busybox image archive with extra files and returns its path.
func buildBusybox(t testing.TB, ref, format string, extra map[string]string, cfg testutil.ImageConfig) string {
	t.Helper()
	files, err := testutil.BusyboxFiles()
	if err != nil {
		t.Skip(err)
	}
	for k, v := range extra {
		files[k] = v
	}
	p := filepath.Join(t.TempDir(), "img.tar")
	if err := testutil.BuildImage(p, ref, files, cfg, format); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestStoreLoadFormats(t *testing.T) {
	testutil.RequireRoot(t)
	for _, format := range []string{"docker", "oci", "oci-layout"} {
		t.Run(format, func(t *testing.T) {
			hostFile := filepath.Join(t.TempDir(), "hello")
			if err := os.WriteFile(hostFile, []byte("hi\n"), 0o640); err != nil {
				t.Fatal(err)
			}
			cfg := testutil.ImageConfig{Cmd: []string{"sh", "-c", "echo x"}, Env: []string{"A=1"}, WorkingDir: "/srv", User: "1:2"}
			arch := buildBusybox(t, "example.com/test/img:"+format, strings.TrimSuffix(format, "-layout"), map[string]string{"/srv/hello": hostFile}, cfg)
			if format == "oci-layout" {
				dir := t.TempDir()
				if err := untarPlain(arch, dir); err != nil {
					t.Fatal(err)
				}
				arch = dir
			}
			s, err := OpenStore(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			refs, err := Load(s, arch)
			if err != nil {
				t.Fatal(err)
			}
			want := "example.com/test/img:" + format
			if !reflect.DeepEqual(refs, []string{want}) {
				t.Fatalf("Load refs = %v, want [%s]", refs, want)
			}
			img, err := s.Get(want)
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(img.Rootfs, "srv/hello"))
			if err != nil || string(b) != "hi\n" {
				t.Fatalf("rootfs srv/hello = %q, %v", b, err)
			}
			fi, err := os.Stat(filepath.Join(img.Rootfs, "srv/hello"))
			if err != nil || fi.Mode().Perm() != 0o640 {
				t.Fatalf("srv/hello mode = %v, %v; want 0640", fi.Mode(), err)
			}
			if l, err := os.Readlink(filepath.Join(img.Rootfs, "bin/sh")); err != nil || l != "/bin/busybox" {
				t.Fatalf("bin/sh link = %q, %v", l, err)
			}
			wantCfg := runtime.ImageConfig{Cmd: cfg.Cmd, Env: cfg.Env, WorkingDir: "/srv", User: "1:2"}
			if !reflect.DeepEqual(img.Config, wantCfg) {
				t.Fatalf("config = %+v, want %+v", img.Config, wantCfg)
			}
			if !reflect.DeepEqual(img.Tags, []string{want}) || !strings.HasPrefix(img.ID, "sha256:") || img.Size < 3 {
				t.Fatalf("image = %+v", img)
			}
			byPrefix, err := s.Get(img.ID[7:19])
			if err != nil || byPrefix.ID != img.ID {
				t.Fatalf("Get by id prefix = %v, %v", byPrefix, err)
			}
		})
	}
}

func TestStoreGetRemove(t *testing.T) {
	testutil.RequireRoot(t)
	arch := buildBusybox(t, "busybox", "docker", nil, testutil.ImageConfig{})
	dir := t.TempDir()
	s, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load(s, arch); err != nil {
		t.Fatal(err)
	}
	// The daemon's store has no normalizer: it finds normalized refs (the
	// CLI sends those) and ids, nothing else.
	plain, err := runtime.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Get("docker.io/library/busybox:latest"); err != nil {
		t.Fatalf("plain Get(normalized): %v", err)
	}
	if _, err := plain.Get("busybox"); !errors.Is(err, runtime.ErrImageNotFound) {
		t.Fatalf("plain Get(busybox) err = %v, want not found", err)
	}
	var ids []string
	for _, r := range []string{"busybox", "busybox:latest", "docker.io/library/busybox:latest"} {
		img, err := s.Get(r)
		if err != nil {
			t.Fatalf("Get(%q): %v", r, err)
		}
		ids = append(ids, img.ID)
	}
	if ids[0] != ids[1] || ids[1] != ids[2] {
		t.Fatalf("ids differ: %v", ids)
	}
	list, err := s.List()
	if err != nil || len(list) != 1 || list[0].ID != ids[0] {
		t.Fatalf("List = %v, %v", list, err)
	}
	_, err = s.Get("nginx")
	if !errors.Is(err, runtime.ErrImageNotFound) || !strings.Contains(err.Error(), `"nginx"`) {
		t.Fatalf("Get(nginx) err = %v", err)
	}
	if err := s.Remove("busybox"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ids[0]); !errors.Is(err, runtime.ErrImageNotFound) {
		t.Fatalf("Get after Remove err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, strings.TrimPrefix(ids[0], "sha256:"))); !os.IsNotExist(err) {
		t.Fatalf("image dir still there: %v", err)
	}
}

func TestStoreConcurrentLoad(t *testing.T) {
	testutil.RequireRoot(t)
	a := buildBusybox(t, "one:1", "docker", nil, testutil.ImageConfig{Cmd: []string{"a"}})
	b := buildBusybox(t, "two:2", "oci", nil, testutil.ImageConfig{Cmd: []string{"b"}})
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := OpenStore(dir) // separate Store values, as two processes would have
			if err == nil {
				_, err = Load(s, []string{a, b}[i%2])
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s, _ := OpenStore(dir)
	for _, r := range []string{"one:1", "two:2"} {
		if _, err := s.Get(r); err != nil {
			t.Fatalf("Get(%q) after concurrent loads: %v", r, err)
		}
	}
}
