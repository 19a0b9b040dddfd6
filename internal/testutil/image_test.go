package testutil

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func TestLayerBytes(t *testing.T) {
	host := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(host, []byte("data"), 0o751); err != nil {
		t.Fatal(err)
	}
	b, err := layerBytes(map[string]string{"/a/b/f": host, "/a/l": SymlinkPrefix + "b/f"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		got = append(got, string(h.Typeflag)+" "+h.Name+" "+h.Linkname+" "+string(body)+" "+os.FileMode(h.Mode).String())
	}
	want := []string{
		"5 a/   -rwxr-xr-x",
		"5 a/b/   -rwxr-xr-x",
		"0 a/b/f  data -rwxr-x--x",
		"2 a/l b/f  -rwxrwxrwx",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("layer entries\n got %q\nwant %q", got, want)
	}
}

func TestBuildImageDocker(t *testing.T) {
	host := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(host, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "img.tar")
	cfg := ImageConfig{Cmd: []string{"run"}, Env: []string{"A=1"}, WorkingDir: "/w", User: "7"}
	if err := BuildImage(out, "example.com/a/b:v1", map[string]string{"/f": host}, cfg, "docker"); err != nil {
		t.Fatal(err)
	}
	tag, _ := name.NewTag("example.com/a/b:v1")
	img, err := tarball.ImageFromPath(out, &tag)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if !reflect.DeepEqual(c.Cmd, cfg.Cmd) || !reflect.DeepEqual(c.Env, cfg.Env) || c.WorkingDir != "/w" || c.User != "7" || cf.OS != "linux" {
		t.Fatalf("config = %+v (os %q)", c, cf.OS)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers = %d, %v", len(layers), err)
	}
}

func TestBuildImageOCIAndErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "img.tar")
	if err := BuildImage(out, "a:b", nil, ImageConfig{}, "oci"); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names := map[string]bool{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names[h.Name] = true
	}
	if !names["index.json"] || !names["oci-layout"] || names["manifest.json"] {
		t.Fatalf("OCI archive entries = %v", names)
	}
	if err := BuildImage(out, "a:b", nil, ImageConfig{}, "zip"); err == nil {
		t.Error("unknown format accepted")
	}
	if err := BuildImage(out, "a:b", map[string]string{"/x": "/no/such/file"}, ImageConfig{}, "docker"); err == nil {
		t.Error("missing host file accepted")
	}
}

func TestBusyboxFiles(t *testing.T) {
	files, err := BusyboxFiles()
	if err != nil {
		t.Skip(err)
	}
	bb, _ := BusyboxPath()
	if files["/bin/busybox"] != bb || files["/bin/sh"] != SymlinkPrefix+"/bin/busybox" {
		t.Fatalf("busybox = %q, sh = %q", files["/bin/busybox"], files["/bin/sh"])
	}
}
