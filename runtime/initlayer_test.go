package runtime

import (
	"os"
	"path/filepath"
	"testing"
)

func TestEnsureInitLayerAddsWhatIsMissing(t *testing.T) {
	lower := t.TempDir()
	if err := os.Mkdir(filepath.Join(lower, "etc"), 0o700); err != nil {
		t.Fatal(err)
	}
	// The image's own entries stay as they are, a dangling symlink too.
	if err := os.WriteFile(filepath.Join(lower, "etc/hosts"), []byte("image's\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../run/resolv.conf", filepath.Join(lower, "etc/resolv.conf")); err != nil {
		t.Fatal(err)
	}
	if err := ensureInitLayer(lower); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"proc", "sys", "dev"} {
		if fi, err := os.Lstat(filepath.Join(lower, d)); err != nil || !fi.IsDir() {
			t.Errorf("%s: want a directory, got %v %v", d, fi, err)
		}
	}
	if fi, err := os.Lstat(filepath.Join(lower, "etc/hostname")); err != nil || !fi.Mode().IsRegular() || fi.Size() != 0 {
		t.Errorf("etc/hostname: want an empty file, got %v %v", fi, err)
	}
	if b, err := os.ReadFile(filepath.Join(lower, "etc/hosts")); err != nil || string(b) != "image's\n" {
		t.Errorf("etc/hosts changed: %q %v", b, err)
	}
	if l, err := os.Readlink(filepath.Join(lower, "etc/resolv.conf")); err != nil || l != "../run/resolv.conf" {
		t.Errorf("etc/resolv.conf symlink changed: %q %v", l, err)
	}
	if _, err := os.Lstat(filepath.Join(lower, "run")); !os.IsNotExist(err) {
		t.Errorf("the symlink was followed: run/ exists (%v)", err)
	}
	if fi, _ := os.Stat(filepath.Join(lower, "etc")); fi.Mode().Perm() != 0o700 {
		t.Errorf("etc mode changed to %v", fi.Mode().Perm())
	}
}

func TestEnsureInitLayerLeavesOddImagesAlone(t *testing.T) {
	lower := t.TempDir()
	// /etc is a file: its children cannot be made, and that is no error.
	if err := os.WriteFile(filepath.Join(lower, "etc"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// /dev points outside the root: nothing may be created through it.
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(lower, "dev")); err != nil {
		t.Fatal(err)
	}
	if err := ensureInitLayer(lower); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(filepath.Join(lower, "etc")); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("etc: want the image's file, got %v %v", fi, err)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("created outside the image root: %v", entries)
	}
	if fi, err := os.Lstat(filepath.Join(lower, "proc")); err != nil || !fi.IsDir() {
		t.Errorf("proc: want a directory, got %v %v", fi, err)
	}
}
