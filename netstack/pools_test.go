package netstack

import (
	"fmt"
	"net/netip"
	"os"
	"reflect"
	"testing"
)

func TestParsePools(t *testing.T) {
	got, err := ParsePools("10.89.0.0/16/24, 192.168.200.0/22/26")
	if err != nil {
		t.Fatal(err)
	}
	want := []Pool{
		{Base: netip.MustParsePrefix("10.89.0.0/16"), Size: 24},
		{Base: netip.MustParsePrefix("192.168.200.0/22"), Size: 26},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for _, bad := range []string{"", "10.0.0.0/16", "10.0.0.0/16/8", "10.0.0.1/16/24", "10.0.0.0/16/33", "x/16/24", "10.0.0.0/16/y"} {
		if _, err := ParsePools(bad); err == nil {
			t.Errorf("ParsePools(%q) = nil error", bad)
		}
	}
}

func TestDefaultPools(t *testing.T) {
	t.Setenv(EnvAddressPools, "")
	n := 0
	for _, p := range DefaultPools() {
		p.each(func(netip.Prefix) bool { n++; return true })
	}
	if n != 512 {
		t.Fatalf("default pools hold %d subnets, want 512", n)
	}
	t.Setenv(EnvAddressPools, "192.168.200.0/22/26")
	if got := DefaultPools(); len(got) != 1 || got[0].String() != "192.168.200.0/22/26" {
		t.Fatalf("env override: got %v", got)
	}
	t.Setenv(EnvAddressPools, "garbage")
	if got := DefaultPools(); len(got) != 2 || got[0].String() != "10.89.0.0/16/24" {
		t.Fatalf("invalid env: got %v, want the defaults", got)
	}
}

func TestPoolEach(t *testing.T) {
	var got []string
	Pool{Base: netip.MustParsePrefix("192.168.200.0/24"), Size: 26}.each(func(p netip.Prefix) bool {
		got = append(got, p.String())
		return true
	})
	want := []string{"192.168.200.0/26", "192.168.200.64/26", "192.168.200.128/26", "192.168.200.192/26"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if l := lastAddr(netip.MustParsePrefix("10.1.2.0/23")); l.String() != "10.1.3.255" {
		t.Fatalf("lastAddr = %s", l)
	}
}

func TestNames(t *testing.T) {
	// Expected values computed independently: printf 'web_default' | sha256sum.
	if got := BridgeName("web_default"); got != "mc-"+shortHash("web_default") || len(got) != 15 {
		t.Fatalf("BridgeName = %q", got)
	}
	if BridgeName("a") == BridgeName("b") {
		t.Fatal("bridge names collide")
	}
	if VethName("c1", "n") == VethName("c1", "m") || VethName("c1n", "") == VethName("c1", "n") {
		t.Fatal("veth names collide")
	}
	if got := shortHash("abc"); got != "ba7816bf8f01" {
		t.Fatalf("shortHash(abc) = %q", got)
	}
}

func TestLoadPoolsConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := dir + "/" + name
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", `{"default-address-pools": [
		{"base": "172.80.0.0/16", "size": 24}, {"base": "fd42::/48", "size": 64}]}`)
	got, err := LoadPoolsConfig(good)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[172.80.0.0/16/24 fd42::/48/64]" {
		t.Fatalf("pools = %v", got)
	}
	for name, body := range map[string]string{
		"empty.json":   `{"default-address-pools": []}`,
		"unknown.json": `{"pools": [{"base": "10.0.0.0/8", "size": 24}]}`,
		"bits.json":    `{"default-address-pools": [{"base": "10.0.0.1/8", "size": 24}]}`,
		"size.json":    `{"default-address-pools": [{"base": "10.0.0.0/16", "size": 8}]}`,
		"syntax.json":  `{"default-address-pools": [`,
	} {
		if _, err := LoadPoolsConfig(write(name, body)); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if _, err := LoadPoolsConfig(dir + "/missing.json"); err == nil {
		t.Error("missing file accepted")
	}
}
