package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// A host port range spreads over replicas (one port each), `port` prints
// each replica's binding, a service only on an internal network publishes
// nothing, and network_mode container:NAME shares another project's netns.
func TestNetworkPortsAndSharedNetns(t *testing.T) {
	s := newStack(t)
	before := snapshot(t, s.root, "netports", "netside")
	file := writeCompose(t, `
name: netports
services:
  web:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":80"]
    deploy: {replicas: 3}
    ports: ["18100-18102:80"]
  hidden:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":80"]
    ports: ["18110:80"]
    networks: [inside]
networks:
  inside: {internal: true}
`)
	s.mustRun("-f", file, "up", "-d")
	seen := map[string]bool{}
	hosts := map[string]bool{}
	for i := 1; i <= 3; i++ {
		addr := strings.TrimSpace(s.mustRun("-f", file, "port", "--index", fmt.Sprint(i), "web", "80"))
		if !strings.HasPrefix(addr, "0.0.0.0:1810") || seen[addr] {
			t.Fatalf("port web 80 --index %d: %q (seen %v)", i, addr, seen)
		}
		seen[addr] = true
		url := "http://127.0.0.1" + strings.TrimPrefix(addr, "0.0.0.0") + "/"
		eventually(t, 10*time.Second, "GET "+url, func() error {
			body, err := httpGet(url)
			if err == nil && !strings.HasPrefix(body, "hello from ") {
				err = fmt.Errorf("unexpected body %q", body)
			}
			hosts[body] = true
			return err
		})
	}
	if len(hosts) != 3 {
		t.Errorf("the three ports did not lead to three replicas: %v", hosts)
	}
	if out, err := s.run("-f", file, "port", "web", "81"); err == nil {
		t.Errorf("port of an unpublished port succeeded: %q", out)
	}
	if out, err := s.run("-f", file, "port", "hidden", "80"); err == nil {
		t.Errorf("a service on an internal network only published a port: %q", out)
	}
	if _, err := httpGet("http://127.0.0.1:18110/"); err == nil {
		t.Error("port 18110 of an internal-only service answers")
	}

	// Another project joins web-1's netns: its server answers on web-1's
	// loopback, and web-1's name resolves from inside it.
	side := writeCompose(t, `
name: netside
services:
  peer:
    image: mini-compose/hello:latest
    command: ["/app", "serve", ":81"]
    network_mode: container:netports-web-1
`)
	s.mustRun("-f", side, "up", "-d")
	s.mustReach(file, "web", "http://127.0.0.1:81/")
	s.mustReach(side, "peer", "http://web/")

	s.mustRun("-f", side, "down")
	s.mustRun("-f", file, "down")
	assertSame(t, before, s.root, "netports", "netside")
}
