package netstack

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func ip(s string) netip.Addr    { return netip.MustParseAddr(s) }

func subnetsOf(infos []SubnetInfo) []string {
	var out []string
	for _, s := range infos {
		out = append(out, fmt.Sprintf("%s gw %s", s.Subnet, s.Gateway))
	}
	return out
}

func TestIPAMDualStack(t *testing.T) {
	a, _ := OpenIPAM(t.TempDir(), testPools, routes("fd00:6d63::/64"))
	subs, err := a.AllocateNetwork("p_v6", nil, true)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.89.0.0/24 gw 10.89.0.1", "fd00:6d63:0:1::/64 gw fd00:6d63:0:1::1"}
	if got := subnetsOf(subs); !reflect.DeepEqual(got, want) {
		t.Fatalf("subnets = %v, want %v", got, want)
	}
	for range 2 { // idempotent per owner
		got, err := a.AllocateIPs("p_v6", "c1")
		if err != nil || fmt.Sprint(got) != "[10.89.0.2/24 fd00:6d63:0:1::2/64]" {
			t.Fatalf("AllocateIPs = %v, %v", got, err)
		}
	}
	got, err := a.AllocateIPs("p_v6", "c2", ip("fd00:6d63:0:1::99"))
	if err != nil || fmt.Sprint(got) != "[10.89.0.3/24 fd00:6d63:0:1::99/64]" {
		t.Fatalf("wanted v6 = %v, %v", got, err)
	}
	if _, err := a.AllocateIPs("p_v6", "c3", ip("fd00:6d63:0:1::99")); !errors.Is(err, ErrAddressInUse) {
		t.Fatalf("taken v6: %v", err)
	}
	if v6, err := a.AllocateIP("p_v6", "c1", ip("fd00:6d63:0:1::2")); err != nil || v6.String() != "fd00:6d63:0:1::2" {
		t.Fatalf("AllocateIP v6 = %s, %v", v6, err)
	}
	if v4, _ := a.AllocateIP("p_v6", "c1", netip.Addr{}); v4.String() != "10.89.0.2" {
		t.Fatalf("AllocateIP v4 = %s", v4)
	}
	// A second IPv6 network takes the next /64; the v4-only one none.
	subs2, _ := a.AllocateNetwork("p_v6b", nil, true)
	subs3, _ := a.AllocateNetwork("p_v4", nil, false)
	if got := subnetsOf(append(subs2, subs3...)); fmt.Sprint(got) != "[10.89.1.0/24 gw 10.89.1.1 fd00:6d63:0:2::/64 gw fd00:6d63:0:2::1 10.89.2.0/24 gw 10.89.2.1]" {
		t.Fatalf("next networks = %v", got)
	}
	if _, err := a.AllocateIPs("p_v4", "c1", ip("fd00:6d63:0:2::5")); err == nil {
		t.Fatal("v6 address on a v4-only network accepted")
	}
	if err := a.ReleaseIP("p_v6", "c1"); err != nil {
		t.Fatal(err)
	}
	info, _ := a.Network("p_v6")
	if fmt.Sprint(info.Addrs) != "map[c2:[10.89.0.3 fd00:6d63:0:1::99]]" {
		t.Fatalf("members after release = %v", info.Addrs)
	}
}

func TestIPAMSeveralSubnetsRangeAux(t *testing.T) {
	a, _ := OpenIPAM(t.TempDir(), testPools, routes())
	cfg := []SubnetSpec{
		{Subnet: pfx("172.28.0.0/29"), IPRange: pfx("172.28.0.4/30"), Gateway: ip("172.28.0.6"),
			AuxAddresses: []netip.Addr{ip("172.28.0.4")}},
		{Subnet: pfx("172.29.0.0/30")},
		{Subnet: pfx("fd12::/64"), IPRange: pfx("fd12::100/120"), Gateway: ip("fd12::fe")},
	}
	subs, err := a.AllocateNetwork("multi", cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := subnetsOf(subs); fmt.Sprint(got) != "[172.28.0.0/29 gw 172.28.0.6 172.29.0.0/30 gw 172.29.0.1 fd12::/64 gw fd12::fe]" {
		t.Fatalf("subnets = %v (no automatic v6 wanted: one is fixed)", got)
	}
	// Range 172.28.0.4/30 minus aux .4 and gateway .6 leaves .5 and .7
	// (the broadcast), so .5, then the second subnet's only free host .2.
	var got []string
	for _, o := range []string{"a", "b", "c"} {
		ps, err := a.AllocateIPs("multi", o)
		if err != nil {
			got = append(got, "err")
			continue
		}
		got = append(got, fmt.Sprint(ps))
	}
	want := []string{"[172.28.0.5/29 fd12::100/64]", "[172.29.0.2/30 fd12::101/64]", "err"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("sequence = %v, want %v", got, want)
	}
	// Static addresses may lie outside ip_range, not on aux or gateway.
	if p, err := a.AllocateIP("multi", "s", ip("172.28.0.2")); err != nil || p.String() != "172.28.0.2" {
		t.Fatalf("static outside range = %s, %v", p, err)
	}
	for _, bad := range []string{"172.28.0.4", "172.28.0.6", "172.29.0.1", "172.28.0.7"} {
		if _, err := a.AllocateIP("multi", "x", ip(bad)); err == nil {
			t.Errorf("AllocateIP(%s) accepted", bad)
		}
	}
	if _, err := a.AllocateNetwork("multi", cfg[:1], false); err == nil {
		t.Fatal("changing the fixed subnets accepted")
	}
	if _, err := a.AllocateNetwork("multi", nil, false); err != nil {
		t.Fatalf("re-asking without config: %v", err)
	}
}

func TestIPAMInvalidConfig(t *testing.T) {
	a, _ := OpenIPAM(t.TempDir(), testPools, routes())
	for i, cfg := range [][]SubnetSpec{
		{{IPRange: pfx("10.1.0.0/24")}},
		{{Subnet: pfx("10.1.0.0/24"), IPRange: pfx("10.2.0.0/25")}},
		{{Subnet: pfx("10.1.0.0/24"), IPRange: pfx("10.1.0.0/16")}},
		{{Subnet: pfx("10.1.0.0/24"), Gateway: ip("10.1.0.0")}},
		{{Subnet: pfx("10.1.0.0/24"), Gateway: ip("10.1.1.1")}},
		{{Subnet: pfx("10.1.0.0/24"), AuxAddresses: []netip.Addr{ip("10.3.0.1")}}},
		{{Subnet: pfx("10.1.0.0/24")}, {Subnet: pfx("10.1.0.128/25")}},
	} {
		if _, err := a.AllocateNetwork(fmt.Sprint("bad", i), cfg, false); err == nil {
			t.Errorf("config %d accepted", i)
		}
	}
	if subs, _ := a.Subnets(); len(subs) != 0 {
		t.Fatalf("failed requests left allocations: %v", subs)
	}
}

func TestIPAMFixedBeforeAutomatic(t *testing.T) {
	a, _ := OpenIPAM(t.TempDir(), testPools, routes())
	out, err := a.AllocateNetworks([]NetworkRequest{
		{Name: "p_auto"},
		{Name: "p_fixed", Config: []SubnetSpec{{Subnet: pfx("10.89.0.0/24")}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if a, f := out["p_auto"][0].Subnet.String(), out["p_fixed"][0].Subnet.String(); a != "10.89.1.0/24" || f != "10.89.0.0/24" {
		t.Fatalf("auto %s, fixed %s", a, f)
	}
}

func TestIPAMMigratesOldState(t *testing.T) {
	dir := t.TempDir()
	old := `{"networks":{"n":{"subnet":"10.89.5.0/24","gateway":"10.89.5.254","fixed":true,
		"extra":["10.77.0.0/24"],"ips":{"c1":"10.89.5.1"}}}}`
	if err := os.WriteFile(filepath.Join(dir, ipamFile), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := OpenIPAM(dir, testPools, routes())
	if err != nil {
		t.Fatal(err)
	}
	if gw, _ := a.Gateway("n"); gw.String() != "10.89.5.254" {
		t.Fatalf("gateway = %s", gw)
	}
	if p, _ := a.AllocateIP("n", "c1", netip.Addr{}); p.String() != "10.89.5.1" {
		t.Fatalf("kept address = %s", p)
	}
	if p, _ := a.AllocateIP("n", "c2", netip.Addr{}); p.String() != "10.89.5.2" {
		t.Fatalf("next address = %s", p)
	}
	if _, err := a.Allocate("other", []netip.Prefix{pfx("10.77.0.0/25")}); err == nil {
		t.Fatal("extra subnet of the old format not reserved")
	}
}

func TestPoolsMixedFamilies(t *testing.T) {
	t.Setenv(EnvAddressPools, "fd99::/56/64")
	got := DefaultPools()
	if fmt.Sprint(got) != "[fd99::/56/64 10.89.0.0/16/24 10.90.0.0/16/24]" {
		t.Fatalf("v6-only env: %v", got)
	}
	a, _ := OpenIPAM(t.TempDir(), got, routes())
	subs, _ := a.AllocateNetwork("n", nil, true)
	if fmt.Sprint(subnetsOf(subs)) != "[10.89.0.0/24 gw 10.89.0.1 fd99::/64 gw fd99::1]" {
		t.Fatalf("subnets = %v", subnetsOf(subs))
	}
	n := 0
	DefaultPools6()[0].each(func(netip.Prefix) bool { n++; return true })
	if n != 65536 {
		t.Fatalf("default v6 pool holds %d subnets", n)
	}
}
