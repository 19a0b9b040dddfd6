package main

import (
	"fmt"
	"sort"
	"strings"
)

// Stack is a generated compose file and what "up" must reach for it.
type Stack struct {
	Name     string // "1", "5", ..., "realistic"
	YAML     string
	Services int   // containers that must be running
	Ports    []int // published host ports that must answer HTTP
}

// httpd is the command of every benchmark service: busybox's web server in
// the foreground, so the container lives until it is stopped.
const httpd = `["/bin/busybox", "httpd", "-f", "-p", "80", "-h", "/"]`

// stopSignal: httpd is the container's PID 1 and has no SIGTERM handler,
// so the kernel ignores SIGTERM and every `down` (ours and Docker's) would
// just wait out the 10 s grace period. SIGKILL times the tool instead.
const stopSignal = "    stop_signal: SIGKILL\n"

// NStack returns a stack of n independent busybox httpd services on the
// default network, service i publishing host port basePort+i.
func NStack(n, basePort int, image string) Stack {
	var b strings.Builder
	b.WriteString("services:\n")
	st := Stack{Name: fmt.Sprint(n), Services: n}
	for i := 0; i < n; i++ {
		port := basePort + i
		fmt.Fprintf(&b, "  s%02d:\n    image: %s\n    command: %s\n%s    ports:\n      - \"127.0.0.1:%d:80\"\n", i, image, httpd, stopSignal, port)
		st.Ports = append(st.Ports, port)
	}
	st.YAML = b.String()
	return st
}

// realService is one service of the realistic stack.
type realService struct {
	name     string
	replicas int
	nets     map[string][]string // network -> aliases
	publish  bool
}

// realServices is a small web application: an edge proxy on the frontend,
// two web replicas and an api bridging frontend and backend, a worker and
// a database and cache on the internal data network. Only proxy and api
// publish ports: Docker cannot publish from an internal-only network.
var realServices = []realService{
	{name: "proxy", replicas: 1, nets: map[string][]string{"frontend": {"edge"}}, publish: true},
	{name: "web", replicas: 2, nets: map[string][]string{"frontend": {"www"}, "backend": nil}},
	{name: "api", replicas: 1, nets: map[string][]string{"frontend": nil, "backend": {"app", "api.internal"}}, publish: true},
	{name: "worker", replicas: 1, nets: map[string][]string{"backend": nil, "data": nil}},
	{name: "db", replicas: 1, nets: map[string][]string{"data": {"postgres", "database"}}},
	{name: "cache", replicas: 1, nets: map[string][]string{"data": {"redis"}}},
}

// RealisticStack returns the 7-container stack with 3 networks, aliases,
// depends_on and published ports, published ports starting at basePort.
func RealisticStack(basePort int, image string) Stack {
	var b strings.Builder
	st := Stack{Name: "realistic"}
	b.WriteString("services:\n")
	port := basePort
	for _, s := range realServices {
		fmt.Fprintf(&b, "  %s:\n    image: %s\n    command: %s\n%s", s.name, image, httpd, stopSignal)
		if s.replicas > 1 {
			fmt.Fprintf(&b, "    scale: %d\n", s.replicas)
		}
		if s.name == "proxy" {
			b.WriteString("    depends_on: [web, api]\n")
		}
		if s.name == "api" {
			b.WriteString("    depends_on: [db, cache]\n")
		}
		if s.publish {
			fmt.Fprintf(&b, "    ports:\n      - \"127.0.0.1:%d:80\"\n", port)
			st.Ports = append(st.Ports, port)
			port++
		}
		b.WriteString("    networks:\n")
		for _, n := range sortedNets(s.nets) {
			aliases := s.nets[n]
			if len(aliases) == 0 {
				fmt.Fprintf(&b, "      %s: {}\n", n)
				continue
			}
			fmt.Fprintf(&b, "      %s:\n        aliases: [%s]\n", n, strings.Join(aliases, ", "))
		}
		st.Services += s.replicas
	}
	b.WriteString("networks:\n  frontend: {}\n  backend: {}\n  data:\n    internal: true\n")
	st.YAML = b.String()
	return st
}

func sortedNets(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
