package project

import (
	"reflect"
	"strings"
	"testing"
)

func TestBuildNetworkDrivers(t *testing.T) {
	plan := mustPlan(t, `
services:
  a: {image: x, networks: [mv, iv, iv3]}
  h: {image: x, networks: [hn]}
  z: {image: x, networks: [nn]}
networks:
  mv: {driver: macvlan, driver_opts: {parent: eth9, macvlan_mode: private}}
  mvd: {driver: macvlan}
  iv: {driver: ipvlan, driver_opts: {parent: eth9}}
  iv3: {driver: ipvlan, driver_opts: {ipvlan_mode: l3s}}
  hn: {driver: host}
  nn: {driver: none}
`)
	type got struct{ Driver, Parent, Mode string }
	want := map[string]got{
		"mv":  {"macvlan", "eth9", "private"},
		"mvd": {"macvlan", "", "bridge"},
		"iv":  {"ipvlan", "eth9", "l2"},
		"iv3": {"ipvlan", "", "l3s"},
		"hn":  {"host", "", ""},
		"nn":  {"none", "", ""},
	}
	have := map[string]got{}
	for _, n := range plan.Networks {
		have[n.Key] = got{n.Driver, n.Parent, n.Mode}
	}
	if !reflect.DeepEqual(have, want) {
		t.Errorf("networks:\n got %v\nwant %v", have, want)
	}
}

func TestBuildNetworkDriverProblems(t *testing.T) {
	_, err := planYAML(t, `
services:
  a: {image: x, networks: [hn, n]}
networks:
  n: {driver: macvlan, driver_opts: {parent: "a/b", macvlan_mode: l2}}
  i: {driver: ipvlan, driver_opts: {ipvlan_mode: bridge}}
  hn: {driver: host}
  nn: {driver: none, internal: true}
  o: {driver: overlay}
`)
	want := []string{
		`compose.yaml: networks.i.driver_opts.ipvlan_mode: unknown mode "bridge" (use l2, l3, l3s)`,
		`compose.yaml: networks.n.driver_opts.parent: "a/b" is not an interface name`,
		`compose.yaml: networks.n.driver_opts.macvlan_mode: unknown mode "l2" (use bridge, private, vepa, passthru)`,
		`compose.yaml: networks.nn.driver: a "none" network takes no ipam, enable_ipv6 or internal`,
		`compose.yaml: networks.o.driver: driver "overlay" is not supported (use bridge, macvlan, ipvlan, host or none)`,
		`compose.yaml: services.a.networks.hn: a "host" network cannot be combined with other networks`,
	}
	got := problemsOf(t, err)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}
