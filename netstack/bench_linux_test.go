package netstack

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/mini-compose/mini-compose/internal/testutil"
)

// BenchmarkAttach measures one container's network life: create and pin a
// netns, attach a veth (address, route, bridge port), detach, delete.
func BenchmarkAttach(b *testing.B) {
	testutil.InNewNetNS(b, func() {
		br := BridgeName("bench")
		if err := EnsureBridge(br, netip.MustParsePrefix("10.89.0.1/16"), 0); err != nil {
			b.Fatal(err)
		}
		dir := b.TempDir()
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			id := fmt.Sprintf("bench-%d", i)
			path := filepath.Join(dir, id)
			if err := NewNetNS(path); err != nil {
				b.Fatal(err)
			}
			ip := netip.AddrFrom4([4]byte{10, 89, byte(1 + i/250%250), byte(2 + i%250)})
			err := AttachVeth(Attachment{Bridge: br, HostIf: VethName(id, "bench"), NetNS: path, IfName: "eth0",
				Addr: netip.PrefixFrom(ip, 16), Gateway: netip.MustParseAddr("10.89.0.1"), DefaultRoute: true})
			if err != nil {
				b.Fatal(err)
			}
			if err := DetachVeth(VethName(id, "bench")); err != nil {
				b.Fatal(err)
			}
			if err := DeleteNetNS(path); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkApplyRules measures replacing a project's table with 4 networks
// and 20 published ports.
func BenchmarkApplyRules(b *testing.B) {
	testutil.InNewNetNS(b, func() {
		r := Rules{Project: "bench"}
		for n := range 4 {
			br := BridgeName(fmt.Sprintf("bench_%d", n))
			gw := netip.MustParsePrefix(fmt.Sprintf("10.89.%d.1/24", n))
			if err := EnsureBridge(br, gw, 0); err != nil {
				b.Fatal(err)
			}
			r.Networks = append(r.Networks, NetRule{Bridge: br, Subnet: gw.Masked()})
			for p := range 5 {
				r.Ports = append(r.Ports, PortRule{HostPort: uint16(20000 + n*10 + p), Proto: "tcp", Bridge: br,
					ContainerIP: gw.Addr().Next(), ContainerPort: 80})
			}
		}
		for b.Loop() {
			if err := ApplyRules(r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
