package netstack

import (
	"net/netip"
	"strings"
	"testing"
)

func TestRulesValidateFamiliesAndRanges(t *testing.T) {
	good := Rules{Project: "v", Networks: []NetRule{
		{Bridge: "mc-a", Subnets: []netip.Prefix{pfx("fd00::/64")}},
		{Bridge: "mc-b", Subnet: pfx("10.0.0.0/24"), Subnets: []netip.Prefix{pfx("10.0.1.0/24"), pfx("fd01::/64")}},
	}, Ports: []PortRule{
		{HostPort: 80, ContainerIP: ip("fd00::2"), ContainerPort: 80},
		{HostIP: ip("::"), HostPort: 81, ContainerIP: ip("fd00::2"), ContainerPort: 80},
		{HostIP: ip("2001:db8::1"), HostPort: 8000, HostPortEnd: 8010, ContainerIP: ip("fd00::2"), ContainerPort: 9000},
	}}
	if err := good.validate(); err != nil {
		t.Fatalf("valid rules rejected: %v", err)
	}
	bad := Rules{Project: "v", Networks: []NetRule{
		{Bridge: "mc-c"},
		{Bridge: "mc-d", Subnet: pfx("fd00::/64")},
	}, Ports: []PortRule{
		{HostIP: ip("127.0.0.1"), HostPort: 82, ContainerIP: ip("fd00::2"), ContainerPort: 80},
		{HostIP: ip("::1"), HostPort: 83, ContainerIP: ip("10.0.0.2"), ContainerPort: 80},
		{HostPort: 90, HostPortEnd: 85, ContainerIP: ip("10.0.0.2"), ContainerPort: 80},
		{HostPort: 100, HostPortEnd: 110, ContainerIP: ip("10.0.0.2"), ContainerPort: 65530},
	}}
	err := bad.validate()
	if err == nil {
		t.Fatal("invalid rules accepted")
	}
	for _, want := range []string{`bridge "mc-c": no subnet`, `bridge "mc-d": subnet "fd00::/64" is not IPv4`,
		"port 82: host ip 127.0.0.1 and container ip fd00::2 of different families",
		"port 83: host ip ::1 and container ip 10.0.0.2 of different families",
		"port range 90-85->80: invalid", "port range 100-110->65530: invalid"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if n := (PortRule{HostPort: 8000, HostPortEnd: 8010}).span(); n != 11 {
		t.Errorf("span = %d, want 11", n)
	}
}
