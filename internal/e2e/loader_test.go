package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// runIn runs the thin CLI in dir with extra environment variables ("-K"
// removes K) and returns stdout and stderr apart.
func (s *stack) runIn(dir string, env []string, args ...string) (string, string, error) {
	cmd := exec.Command(binary, append([]string{"--root", s.root}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MINI_COMPOSE_RESOLV_CONF="+s.resolv)
	for _, e := range env {
		if k, ok := strings.CutPrefix(e, "-"); ok {
			cmd.Env = slices.DeleteFunc(cmd.Env, func(kv string) bool { return strings.HasPrefix(kv, k+"=") })
			continue
		}
		cmd.Env = append(cmd.Env, e)
	}
	err := cmd.Run()
	return out.String(), errOut.String(), err
}

// The warm loader serves every CLI run as a fresh process would load: with
// that run's environment (interpolation), working directory (discovery of
// compose.yaml, project name) and its own warnings.
func TestLoaderTakesEachRunsEnvironmentAndDirectory(t *testing.T) {
	s := newStack(t)
	file := writeCompose(t, `
services:
  web:
    image: mini-compose/hello:latest
    environment:
      GREETING: ${GREETING}
      OTHER: ${UNSET_IN_TEST}
    volumes:
      - ~/data:/data
`)
	dir := filepath.Dir(file)
	loaderPid := 0
	for i, greeting := range []string{"one", "two"} {
		// compose-go reads HOME (for ~) from the process environment.
		env := []string{"GREETING=" + greeting, "HOME=/home/" + greeting}
		out, errOut, err := s.runIn(dir, env, "config")
		if err != nil {
			t.Fatalf("config: %v\n%s%s", err, out, errOut)
		}
		// The same warm loader serves both runs; nothing of the first
		// run's environment stays behind in it.
		if pid := s.loaderPid(); i == 0 {
			loaderPid = pid
		} else if pid != loaderPid || pid == 0 {
			t.Errorf("loader pid %d in the second run, %d in the first: not one warm loader", pid, loaderPid)
		}

		if !strings.Contains(out, "GREETING: "+greeting) {
			t.Errorf("config with GREETING=%s:\n%s", greeting, out)
		}
		if !strings.Contains(out, "source: /home/"+greeting+"/data\n") {
			t.Errorf("config with HOME=/home/%s: ~ not expanded with it:\n%s", greeting, out)
		}
		if !strings.Contains(errOut, `The \"UNSET_IN_TEST\" variable is not set`) &&
			!strings.Contains(errOut, `The "UNSET_IN_TEST" variable is not set`) {
			t.Errorf("warning about UNSET_IN_TEST not shown; stderr: %q", errOut)
		}
	}
	// A variable of an earlier run does not stay in the loader's process
	// environment: without HOME, ~ is not expanded with the last one.
	out, errOut, err := s.runIn(dir, []string{"GREETING=x", "-HOME"}, "config")
	if err != nil || strings.Contains(out, "/home/") || !strings.Contains(errOut, "lacks HOME") {
		t.Errorf("config without HOME: %v; stdout:\n%s\nstderr: %q", err, out, errOut)
	}
	// Discovery and the project name follow the directory of each run.
	other := filepath.Join(t.TempDir(), "otherproj")
	if err := os.MkdirAll(other, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "compose.yaml"), []byte("services:\n  db:\n    image: mini-compose/hello:latest\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string]string{dir: "name: proj", other: "name: otherproj"} {
		out, errOut, err := s.runIn(dir, []string{"GREETING=x"}, "config")
		if err != nil || !strings.Contains(out, want+"\n") {
			t.Errorf("config in %s: %v, want %q in:\n%s%s", dir, err, want, out, errOut)
		}
	}
	// Errors come back with the file and the YAML path.
	bad := writeCompose(t, "services:\n  web:\n    image: mini-compose/hello:latest\n    ports: [\"99999:80\"]\n")
	_, errOut, err = s.runIn(filepath.Dir(bad), nil, "config")
	if err == nil || !strings.Contains(errOut, "services.web.ports") {
		t.Errorf("bad port: err %v, stderr %q; want an error naming services.web.ports", err, errOut)
	}
}

// A loader killed (or crashed) is replaced by the next CLI run.
func TestLoaderReplacedAfterKill(t *testing.T) {
	s := newStack(t)
	file := writeCompose(t, "services:\n  web:\n    image: mini-compose/hello:latest\n")
	s.mustRun("-f", file, "config", "-q")
	first := s.loaderPid()
	if first == 0 {
		t.Fatal("no loader after config")
	}
	if err := exec.Command("kill", "-9", fmt.Sprint(first)).Run(); err != nil {
		t.Fatal(err)
	}
	if out := s.mustRun("-f", file, "config", "--services"); strings.TrimSpace(out) != "web" {
		t.Errorf("config --services after the loader died: %q", out)
	}
	if second := s.loaderPid(); second == 0 || second == first {
		t.Errorf("loader pid after kill: %d (was %d)", second, first)
	}
}

// The thin CLI alone says what is missing instead of failing obscurely.
func TestThinCLIWithoutFull(t *testing.T) {
	skipUnlessHermetic(t)
	alone := filepath.Join(t.TempDir(), "mini-compose")
	data, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(alone, data, 0o755); err != nil {
		t.Fatal(err)
	}
	file := writeCompose(t, "services:\n  web:\n    image: mini-compose/hello:latest\n")
	root := t.TempDir()
	for _, args := range [][]string{{"-f", file, "config"}, {"image", "ls"}} {
		out, err := exec.Command(alone, append([]string{"--root", root}, args...)...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "mini-compose-full") {
			t.Errorf("%v without mini-compose-full: err %v, output %q", args, err, out)
		}
	}
}

// Files that only the CLI's own process can read (-f /dev/stdin, -f <(...))
// are loaded by mini-compose-full in that process, and a relative --root
// works (the loader runs in /).
func TestLoaderHandsOverOwnFilesAndRelativeRoot(t *testing.T) {
	s := newStack(t)
	cmd := exec.Command(binary, "--root", s.root, "-f", "/dev/stdin", "-p", "piped", "config", "--services")
	cmd.Stdin = strings.NewReader("services:\n  fromstdin:\n    image: mini-compose/hello:latest\n")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "fromstdin" {
		t.Errorf("config -f /dev/stdin: %v, %q; want fromstdin", err, out)
	}
	file := writeCompose(t, "services:\n  web:\n    image: mini-compose/hello:latest\n")
	parent, base := filepath.Split(s.root)
	cmd = exec.Command(binary, "--root", base, "-f", file, "config", "--services")
	cmd.Dir = parent
	if out, err := cmd.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "web" {
		t.Errorf("config with --root %s in %s: %v, %q", base, parent, err, out)
	}
	if s.loaderPid() == 0 {
		t.Error("no loader for the relative root's absolute path")
	}
}

// With no daemon running (nothing is up), the loader exits after a few
// idle seconds: nothing of ours stays behind after the last command.
func TestLoaderExitsWhenIdle(t *testing.T) {
	s := newStack(t)
	file := writeCompose(t, "services:\n  web:\n    image: mini-compose/hello:latest\n")
	s.mustRun("-f", file, "config", "-q")
	if s.loaderPid() == 0 {
		t.Fatal("no loader after config")
	}
	eventually(t, 15*time.Second, "loader exits when idle", func() error {
		if pid := s.loaderPid(); pid != 0 {
			return fmt.Errorf("loader %d still runs", pid)
		}
		return nil
	})
}

// An upgrade replaces mini-compose-full under a running loader: the next
// CLI run is served by a loader of the new binary, not the old one.
func TestLoaderReplacedAfterUpgrade(t *testing.T) {
	s := newStack(t)
	dir, install := installer(t)
	install("mini-compose")
	install("mini-compose-full")
	file := writeCompose(t, "services:\n  web:\n    image: mini-compose/hello:latest\n")
	config := func() {
		t.Helper()
		out, err := exec.Command(filepath.Join(dir, "mini-compose"), "--root", s.root, "-f", file, "config", "--services").CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "web" {
			t.Fatalf("config: %v, %q", err, out)
		}
	}
	config()
	old := s.loaderPid()
	if old == 0 {
		t.Fatal("no loader after config")
	}
	install("mini-compose-full")
	config()
	pid := s.loaderPid()
	if pid == 0 || pid == old {
		t.Fatalf("loader after the upgrade: pid %d (was %d)", pid, old)
	}
	if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); strings.HasSuffix(exe, "(deleted)") {
		t.Errorf("loader runs the replaced binary %q", exe)
	}
}

// installer copies the built binaries into a directory of their own, as an
// installer does: a new file renamed over the old one, so that a process
// running the old one sees its binary deleted.
func installer(t *testing.T) (dir string, install func(name string)) {
	dir = t.TempDir()
	return dir, func(name string) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(filepath.Dir(binary), name))
		if err != nil {
			t.Fatal(err)
		}
		tmp := filepath.Join(dir, "."+name+".new")
		if err := os.WriteFile(tmp, data, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}
