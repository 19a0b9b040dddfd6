package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The image's Entrypoint/Cmd/Env/WorkingDir/User are honoured and merged
// with the service's settings the way Docker does.
func TestImageConfigMerge(t *testing.T) {
	s := newStack(t)
	tar := filepath.Join(t.TempDir(), "cfg.tar")
	mk := exec.Command("go", "run", "./internal/tools/mkimage", "-o", tar, "-t", "example/cfg:1", "--busybox",
		"--entrypoint", `["/bin/sh","-c"]`, "--cmd", `["echo image-cmd"]`,
		"--env", "FOO=image", "--env", "BAR=image", "--env", "PATH=/bin", "--workdir", "/srv", "--user", "1000:1000")
	mk.Dir = repo
	if out, err := mk.CombinedOutput(); err != nil {
		t.Fatalf("mkimage: %v\n%s", err, out)
	}
	s.mustRun("image", "load", "-i", tar)
	file := writeCompose(t, `
services:
  plain:
    image: example/cfg:1
  merged:
    image: example/cfg:1
    command: ["echo id=$$(id -u) cwd=$$(pwd) foo=$$FOO bar=$$BAR host=$$HOSTNAME h=$$(hostname)"]
    environment:
      BAR: svc
  entry:
    image: example/cfg:1
    entrypoint: ["/bin/echo", "ep"]
  over:
    image: example/cfg:1
    user: "0"
    working_dir: /tmp
    hostname: custom
    command: ["echo id=$$(id -u) cwd=$$(pwd) h=$$(hostname) env=$$HOSTNAME"]
`)
	s.mustRun("-f", file, "up", "-d")
	defer s.run("-f", file, "down", "-t", "0")
	s.waitExitedZero(file, 4)
	logs := func(svc string) string {
		out := s.mustRun("-f", file, "logs", svc)
		_, line, _ := strings.Cut(strings.TrimSpace(out), "| ")
		return line
	}
	var mergedID string
	for _, r := range s.ps("-f", file) {
		if r.Service == "merged" {
			mergedID = r.Name
		}
	}
	idOut := s.mustRun("-f", file, "ps", "-a", "--format", "json")
	id := between(idOut, `"name":"`+mergedID+`","id":"`, `"`)
	if len(id) < 12 {
		t.Fatalf("no id for %s in %s", mergedID, idOut)
	}
	want := map[string]string{
		"plain":  "image-cmd",
		"merged": fmt.Sprintf("id=1000 cwd=/srv foo=image bar=svc host=%s h=%s", id[:12], id[:12]),
		"entry":  "ep",
		"over":   "id=0 cwd=/tmp h=custom env=custom",
	}
	for svc, w := range want {
		if got := logs(svc); got != w {
			t.Errorf("%s printed %q, want %q", svc, got, w)
		}
	}
}

func between(s, start, end string) string {
	_, rest, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, end)
	return v
}

// A service may name its image by id, full or a prefix, as with docker:
// the normalized ref is tried first, then the name as written.
func TestImageByID(t *testing.T) {
	s := newStack(t)
	var id string
	for _, l := range strings.Split(s.mustRun("image", "ls"), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "docker.io/mini-compose/hello:latest" {
			id = f[1] // 12 hex characters
		}
	}
	if len(id) != 12 {
		t.Fatalf("no id for the hello image in `image ls`:\n%s", s.mustRun("image", "ls"))
	}
	root := filepath.Join(s.root, "images")
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	full := ""
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), id) {
			full = "sha256:" + e.Name()
		}
	}
	if full == "" {
		t.Fatalf("no image dir for id %s in %s", id, root)
	}
	file := writeCompose(t, fmt.Sprintf(`
services:
  short:
    image: %s
    command: ["echo", "short"]
  long:
    image: %s
    command: ["echo", "long"]
`, id, full))
	s.mustRun("-f", file, "up", "-d")
	defer s.run("-f", file, "down", "-t", "0")
	s.waitExitedZero(file, 2)
}

// waitExitedZero waits until n containers of the stack in file have exited 0.
func (s *stack) waitExitedZero(file string, n int) {
	s.t.Helper()
	eventually(s.t, 10*time.Second, fmt.Sprintf("%d containers exit 0", n), func() error {
		if out := s.mustRun("-f", file, "ps", "-a"); strings.Count(out, "Exited (0)") != n {
			return fmt.Errorf("not %d exited 0:\n%s", n, out)
		}
		return nil
	})
}
