package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/mini-compose/mini-compose/runtime"
	"github.com/mini-compose/mini-compose/runtime/imageio"
)

func TestParseCmd(t *testing.T) {
	for in, want := range map[string][]string{
		"":                       nil,
		"sleep 10":               {"sleep", "10"},
		`["sh","-c","echo a b"]`: {"sh", "-c", "echo a b"},
	} {
		got, err := parseCmd(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("parseCmd(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := parseCmd(`["unterminated`); err == nil {
		t.Error("parseCmd accepted broken JSON")
	}
}

func TestRunBuildsLoadableImage(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("loading into the store chowns files: needs root")
	}
	dir := t.TempDir()
	host := filepath.Join(dir, "app.conf")
	if err := os.WriteFile(host, []byte("x=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"docker", "oci"} {
		out := filepath.Join(dir, format+".tar")
		err := run([]string{"-o", out, "-t", "demo/app:" + format, "--format", format, "--busybox",
			"--add", host + ":/etc/app.conf", "--cmd", `["sh","-c","sleep 1"]`, "--env", "A=1", "--env", "B=2", "--workdir", "/srv"})
		if err != nil {
			t.Fatal(err)
		}
		s, err := imageio.OpenStore(filepath.Join(dir, "store-"+format))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := imageio.Load(s, out); err != nil {
			t.Fatal(err)
		}
		img, err := s.Get("demo/app:" + format)
		if err != nil {
			t.Fatal(err)
		}
		want := runtime.ImageConfig{Cmd: []string{"sh", "-c", "sleep 1"}, Env: []string{"A=1", "B=2"}, WorkingDir: "/srv"}
		if !reflect.DeepEqual(img.Config, want) {
			t.Fatalf("%s: config %+v, want %+v", format, img.Config, want)
		}
		if b, err := os.ReadFile(filepath.Join(img.Rootfs, "etc/app.conf")); err != nil || string(b) != "x=1\n" {
			t.Fatalf("%s: etc/app.conf = %q, %v", format, b, err)
		}
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-t", "x"},
		{"-o", "/tmp/x.tar"},
		{"-o", filepath.Join(t.TempDir(), "x.tar"), "-t", "x", "--add", "nocolon"},
		{"-o", filepath.Join(t.TempDir(), "x.tar"), "-t", "x", "--format", "zip"},
	} {
		if err := run(args); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}
