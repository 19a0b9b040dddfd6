package netstack

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mini-compose/mini-compose/internal/tcpload"
	"github.com/mini-compose/mini-compose/internal/testutil"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// TestBenchReport prints the figures of the "Networks" section of BENCHMARKS.md. It runs
// only with MINI_COMPOSE_BENCH_REPORT=1 (timings are no assertions):
//
//	go test -c -o /tmp/ns.test ./netstack
//	MINI_COMPOSE_BENCH_REPORT=1 unshare --net --mount --fork -- \
//	  internal/testutil/hermetic.sh /tmp/ns.test -test.run BenchReport -test.v
func TestBenchReport(t *testing.T) {
	if os.Getenv("MINI_COMPOSE_BENCH_REPORT") != "1" {
		t.Skip("set MINI_COMPOSE_BENCH_REPORT=1 to print the benchmark report")
	}
	testutil.InNewNetNS(t, func() {
		fmt.Println("| containers | network (IPAM+bridge+rules) | attach all | rules again | total up | sweep |")
		fmt.Println("|---:|---:|---:|---:|---:|---:|")
		for _, n := range []int{1, 10, 50} {
			var rows [5][]time.Duration
			for range 5 {
				for i, d := range upCycle(t, n) {
					rows[i] = append(rows[i], d)
				}
			}
			fmt.Printf("| %d | %s | %s | %s | %s | %s |\n", n, med(rows[0]), med(rows[1]), med(rows[2]), med(rows[3]), med(rows[4]))
		}
		throughput(t)
	})
}

// upCycle creates a network with n containers as `up` does and sweeps it;
// it returns the durations of: network, attachments, rules, total, sweep.
func upCycle(t *testing.T, n int) []time.Duration {
	dir := t.TempDir()
	t0 := time.Now()
	ipam, err := OpenIPAM(filepath.Join(dir, "ipam"), nil, nil)
	must(t, err)
	subs, err := ipam.AllocateNetwork("b_default", nil, true)
	must(t, err)
	br := BridgeName("b_default")
	must(t, EnsureBridgeAddrs(br, []netip.Prefix{
		netip.PrefixFrom(subs[0].Gateway, subs[0].Subnet.Bits()),
		netip.PrefixFrom(subs[1].Gateway, subs[1].Subnet.Bits())}, 0))
	r := Rules{Project: "b", Networks: []NetRule{{Bridge: br, Subnets: []netip.Prefix{subs[0].Subnet, subs[1].Subnet}}}}
	must(t, ApplyRules(r))
	t1 := time.Now()
	var ids, pins []string
	for i := range n {
		id := fmt.Sprintf("b-web-%d", i+1)
		path := filepath.Join(dir, id, "netns")
		must(t, NewNetNS(path))
		addrs, err := ipam.AllocateIPs("b_default", id)
		must(t, err)
		must(t, AttachVeth(Attachment{Bridge: br, HostIf: VethName(id, "b_default"), NetNS: path, IfName: "eth0",
			Addr: addrs[0], Addrs: addrs[1:], Gateway: subs[0].Gateway, Gateway6: subs[1].Gateway, DefaultRoute: true}))
		r.Ports = append(r.Ports, PortRule{HostPort: uint16(20000 + i), Proto: "tcp", Bridge: br, ContainerIP: addrs[0].Addr(), ContainerPort: 80})
		ids, pins = append(ids, id), append(pins, path)
	}
	t2 := time.Now()
	must(t, ApplyRules(r))
	t3 := time.Now()
	must(t, Sweep(SweepSpec{Project: "b", Networks: []string{"b_default"}, Containers: ids, NetNS: pins}))
	must(t, ipam.Release("b_default"))
	t4 := time.Now()
	return []time.Duration{t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), t3.Sub(t0), t4.Sub(t3)}
}

func med(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2].Round(10 * time.Microsecond).String()
}

// throughput prints TCP MB/s over a direct veth, between two containers of
// one bridge, and from the host through a published port (to a local
// address and to 127.0.0.1), 3 runs of 2 s each, medians.
func throughput(t *testing.T) {
	dir := t.TempDir()
	br := bridge(t, "tp_default", "10.89.0.1/24")
	a := container(t, dir, "tp-a-1", br, "10.89.0.2/24", "10.89.0.1")
	b := container(t, dir, "tp-b-1", br, "10.89.0.3/24", "10.89.0.1")
	d := directPeer(t, dir)
	addLocal(t, "ext0", "198.18.0.1/32")
	apply(t, Rules{Project: "tp", Networks: []NetRule{{Bridge: br, Subnet: pfx("10.89.0.0/24")}},
		Ports: []PortRule{{HostPort: 18080, Proto: "tcp", Bridge: br, ContainerIP: ip("10.89.0.3"), ContainerPort: 9000}}})
	sink(t, b, ":9000")
	sink(t, d, ":9000")
	cases := []struct{ name, from, to string }{
		{"direct veth (baseline)", "", "10.254.0.2:9000"},
		{"container -> container, same bridge", a, "10.89.0.3:9000"},
		{"host -> published port (local address)", "", "198.18.0.1:18080"},
		{"host -> published port (127.0.0.1)", "", "127.0.0.1:18080"},
	}
	var runs [4][]float64
	for range 3 {
		for i, c := range cases {
			mbps, err := send(c.from, c.to, 2*time.Second)
			must(t, err)
			runs[i] = append(runs[i], mbps)
		}
	}
	fmt.Println("\n| path | MB/s | ratio to veth |")
	fmt.Println("|---|---:|---:|")
	base := medF(runs[0])
	for i, c := range cases {
		fmt.Printf("| %s | %.0f | %.2f |\n", c.name, medF(runs[i]), medF(runs[i])/base)
	}
}

// directPeer pins a netns joined to the test netns by a plain veth
// (10.254.0.1/30 here, 10.254.0.2/30 there): no bridge, no rules.
func directPeer(t *testing.T, dir string) string {
	path := filepath.Join(dir, "direct", "netns")
	must(t, NewNetNS(path))
	t.Cleanup(func() { _ = DeleteNetNS(path) })
	ns, err := netns.GetFromPath(path)
	must(t, err)
	defer ns.Close()
	attrs := netlink.NewLinkAttrs()
	attrs.Name = "vdirect0"
	must(t, netlink.LinkAdd(&netlink.Veth{LinkAttrs: attrs, PeerName: "eth0", PeerNamespace: netlink.NsFd(ns)}))
	l, err := netlink.LinkByName("vdirect0")
	must(t, err)
	must(t, netlink.AddrAdd(l, addrOf(pfx("10.254.0.1/30"))))
	must(t, netlink.LinkSetUp(l))
	h, err := netlink.NewHandleAt(ns)
	must(t, err)
	defer h.Close()
	peer, err := h.LinkByName("eth0")
	must(t, err)
	must(t, configureIface(h, peer, []netip.Prefix{pfx("10.254.0.2/30")}, false))
	return path
}

func sink(t *testing.T, path, addr string) {
	var ln net.Listener
	must(t, WithNetNS(path, func() (err error) { ln, err = net.Listen("tcp", addr); return err }))
	t.Cleanup(func() { ln.Close() })
	go func() { _ = tcpload.Sink(ln) }()
}

// send writes to addr from the netns at path ("" = here) for d; MB/s.
func send(path, addr string, d time.Duration) (float64, error) {
	var c net.Conn
	dialIt := func() (err error) { c, err = net.DialTimeout("tcp", addr, okTimeout); return err }
	var err error
	if path == "" {
		err = dialIt()
	} else {
		err = WithNetNS(path, dialIt)
	}
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return tcpload.Write(c, d)
}

func medF(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
