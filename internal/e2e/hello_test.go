package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// addLocalAddress gives this namespace a second local address (on an empty bridge
// link) so that published ports can be checked on "the host's other
// addresses" too.
func addLocalAddress(t *testing.T) string {
	t.Helper()
	const addr = "198.51.100.7"
	for _, args := range [][]string{
		{"link", "add", "e2e-dummy0", "type", "bridge"},
		{"addr", "add", addr + "/32", "dev", "e2e-dummy0"},
		{"link", "set", "e2e-dummy0", "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v\n%s", args, err, out)
		}
	}
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", "e2e-dummy0").Run() })
	return addr
}

func httpGet(url string) (string, error) {
	c := &http.Client{Timeout: time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return string(b), fmt.Errorf("status %s", resp.Status)
	}
	return string(b), err
}

func TestHelloUpDown(t *testing.T) {
	s := newStack(t)
	other := addLocalAddress(t)
	before := snapshot(t, s.root, "hello")
	compose := filepath.Join(repo, "examples", "hello", "compose.yaml")

	s.mustRun("-f", compose, "up", "-d")
	daemon := s.daemonPid()
	if daemon == 0 {
		t.Fatal("no daemon is running after up -d")
	}
	// The CLI prefers the daemon's own, smaller binary installed next to it.
	if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", daemon)); filepath.Base(exe) != "mini-compose-daemon" {
		t.Errorf("daemon runs %q, want mini-compose-daemon", exe)
	}

	// The published port answers from the host, on loopback and on the
	// host's other address.
	for _, host := range []string{"127.0.0.1", other} {
		url := "http://" + host + ":8080/"
		eventually(t, 10*time.Second, "GET "+url, func() error {
			body, err := httpGet(url)
			if err == nil && !strings.HasPrefix(body, "hello from ") {
				err = fmt.Errorf("unexpected body %q", body)
			}
			return err
		})
	}

	ps := s.mustRun("-f", compose, "ps")
	for _, want := range []string{"hello-web-1", "hello-client-1", "0.0.0.0:8080->80/tcp"} {
		if !strings.Contains(ps, want) {
			t.Errorf("ps lacks %q:\n%s", want, ps)
		}
	}

	// Inside client, web resolves (by service and container name) and answers.
	for _, name := range []string{"web", "hello-web-1", "WEB"} {
		out, err := s.run("-f", compose, "exec", "-T", "client", "/app", "get", "http://"+name+"/")
		if err != nil || !strings.HasPrefix(out, "hello from ") {
			t.Errorf("exec client get http://%s/: %v: %q", name, err, out)
		}
	}
	eventually(t, 10*time.Second, "client log shows a fetch of web", func() error {
		logs, err := s.run("-f", compose, "logs", "client")
		if err != nil || !strings.Contains(logs, "GET http://web/ -> 200 hello from") {
			return fmt.Errorf("%v: %q", err, logs)
		}
		return nil
	})
	// Other names are forwarded to the host's resolver, here a stub on a
	// loopback address that the container could not reach itself.
	out, err := s.run("-f", compose, "exec", "-T", "client", "nslookup", "upstream.example")
	if err != nil || !strings.Contains(out, upstreamIP) {
		t.Errorf("forwarded name did not resolve: %v: %q", err, out)
	}
	out, err = s.run("-f", compose, "exec", "-T", "client", "/app", "get", "http://nosuchservice/")
	if err == nil || !strings.Contains(out, "no such host") {
		t.Errorf("a name that does not exist resolved: %v: %q", err, out)
	}

	s.mustRun("-f", compose, "down")
	assertSame(t, before, s.root, "hello")
	eventually(t, 10*time.Second, "daemon exits when no project is left", func() error {
		if pid := s.daemonPid(); pid != 0 {
			return fmt.Errorf("daemon %d still running", pid)
		}
		return nil
	})
	if ents, _ := os.ReadDir(filepath.Join(s.root, "projects")); len(ents) != 0 {
		t.Errorf("project state left behind: %v", ents)
	}
	// down twice is fine.
	s.mustRun("-f", compose, "down")
}

// writeCompose writes a compose file into a fresh project folder.
func writeCompose(t *testing.T, content string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "proj")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFailedUpRollsBack(t *testing.T) {
	s := newStack(t)
	const good = `
services:
  web:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":80"]
    ports: ["18080:80"]
`
	cases := []struct {
		name, compose, want string
		setup               func(t *testing.T)
	}{
		{name: "bad image", want: `image "no/such:image"`, compose: good + `
  other:
    image: no/such:image
`},
		{name: "port in use", want: "port is already allocated", compose: good, setup: func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:18080")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
		}},
		{name: "invalid file", want: "services.web.ports", compose: `
services:
  web:
    image: mini-compose/hello:latest
    ports: ["not-a-port:80"]
`},
		{name: "start fails", want: "no/such/binary", compose: good + `
  broken:
    image: mini-compose/hello:latest
    command: ["/no/such/binary"]
    depends_on: [web]
    ports: ["18081:80"]
`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.setup != nil {
				c.setup(t)
			}
			before := snapshot(t, s.root, "proj")
			file := writeCompose(t, c.compose)
			out, err := s.run("-f", file, "up", "-d")
			if err == nil {
				t.Fatalf("up succeeded:\n%s", out)
			}
			t.Logf("up said: %s", out)
			if !strings.Contains(out, c.want) {
				t.Errorf("error does not mention %q:\n%s", c.want, out)
			}
			if strings.Count(strings.TrimSpace(out), "\n") > 3 {
				t.Errorf("want one clear error, got:\n%s", out)
			}
			assertSame(t, before, s.root, "proj")
			if ps, _ := s.run("-p", "proj", "ps", "-a", "-q"); strings.TrimSpace(ps) != "" {
				t.Errorf("containers left after a failed up: %q", ps)
			}
		})
	}
}
