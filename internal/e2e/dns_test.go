package e2e

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
)

const dnsCompose = `
x-sleeper: &sleeper
  image: mini-compose/hello:latest
  command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
services:
  a:
    <<: *sleeper
    networks: [n1]
  b:
    <<: *sleeper
    hostname: bee
    networks:
      n1:
        aliases: [bee-alias]
      n2: {}
  c:
    <<: *sleeper
    container_name: sea
    networks: [n2]
    links: ["b:bravo"]
  d:
    <<: *sleeper
    scale: 2
    networks: [n1]
networks:
  n1: {}
  n2: {}
`

// psRow is the part of `ps --format json` these tests read.
type psRow struct {
	Name, Service, State string
	Networks             []string
	ExitCode             int `json:"exit_code"`
}

func (s *stack) ps(args ...string) []psRow {
	s.t.Helper()
	out := s.mustRun(append(args, "ps", "-a", "--format", "json")...)
	var rows []psRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		s.t.Fatalf("ps json: %v\n%s", err, out)
	}
	return rows
}

// ipOn returns the address of the container on the network.
func ipOn(t *testing.T, rows []psRow, name, network string) string {
	t.Helper()
	for _, r := range rows {
		if r.Name != name {
			continue
		}
		for _, n := range r.Networks {
			if net, ip, _ := strings.Cut(n, "="); net == network {
				return ip
			}
		}
	}
	t.Fatalf("%s has no address on %s: %+v", name, network, rows)
	return ""
}

// lookup resolves name from inside a service's container with busybox
// nslookup and returns the IPv4 addresses, or nil for a name not found.
func (s *stack) lookup(file, service, name string) []string {
	s.t.Helper()
	out, err := s.run("-f", file, "exec", "-T", service, "nslookup", "-type=a", name)
	if err != nil {
		if strings.Contains(out, "NXDOMAIN") {
			return nil
		}
		s.t.Fatalf("nslookup %s in %s: %v\n%s", name, service, err, out)
	}
	var ips []string
	_, answers, _ := strings.Cut(out, "Name:")
	for _, l := range strings.Split(answers, "\n") {
		if ip, ok := strings.CutPrefix(strings.TrimSpace(l), "Address:"); ok {
			ips = append(ips, strings.TrimSpace(ip))
		}
	}
	sort.Strings(ips)
	return ips
}

func TestDNSScopingAndNames(t *testing.T) {
	s := newStack(t)
	file := writeCompose(t, dnsCompose)
	s.mustRun("-f", file, "up", "-d")
	defer s.run("-f", file, "down", "-t", "0")
	rows := s.ps("-f", file)
	b1, b2 := ipOn(t, rows, "proj-b-1", "proj_n1"), ipOn(t, rows, "proj-b-1", "proj_n2")
	d1, d2 := ipOn(t, rows, "proj-d-1", "proj_n1"), ipOn(t, rows, "proj-d-2", "proj_n1")
	sea := ipOn(t, rows, "sea", "proj_n2")
	both := []string{d1, d2}
	sort.Strings(both)

	cases := []struct {
		from, name string
		want       []string
	}{
		{"a", "b", []string{b1}}, {"a", "B", []string{b1}}, {"a", "proj-b-1", []string{b1}},
		{"a", "bee", []string{b1}}, {"a", "bee-alias", []string{b1}}, {"a", "b.proj_n1", []string{b1}},
		{"a", "d", both},
		// Not sharing a network is the same as not existing.
		{"a", "sea", nil}, {"a", "c", nil}, {"a", "b.proj_n2", nil},
		// A link alias is seen by the linking container only.
		{"a", "bravo", nil}, {"c", "bravo", []string{b2}},
		{"c", "b", []string{b2}}, {"c", "sea", []string{sea}}, {"c", "a", nil},
		// A container on two networks resolves names of both.
		{"b", "a", []string{ipOn(t, rows, "proj-a-1", "proj_n1")}}, {"b", "sea", []string{sea}},
		{"b", "bee-alias", []string{b1}},
	}
	for _, c := range cases {
		if got := s.lookup(file, c.from, c.name); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("from %s: %s = %v, want %v", c.from, c.name, got, c.want)
		}
	}

	// PTR: a container's address maps back to <container>.<network>.
	out, err := s.run("-f", file, "exec", "-T", "a", "nslookup", b1)
	if err != nil || !strings.Contains(out, "proj-b-1.proj_n1") {
		t.Errorf("PTR of %s: %v\n%s", b1, err, out)
	}

	// Scaling down: the removed replica is gone on the very next query.
	s.mustRun("-f", file, "up", "-d", "--scale", "d=1")
	if got := s.lookup(file, "a", "d"); fmt.Sprint(got) != fmt.Sprint([]string{d1}) {
		t.Errorf("after scale d=1: d = %v, want [%s]", got, d1)
	}
	if got := s.lookup(file, "a", "proj-d-2"); got != nil {
		t.Errorf("after scale d=1: proj-d-2 still resolves to %v", got)
	}
}
