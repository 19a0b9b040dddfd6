package netstack

import (
	"bytes"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

var testPools = []Pool{{Base: netip.MustParsePrefix("10.89.0.0/16"), Size: 24}}

func routes(ps ...string) func() ([]netip.Prefix, error) {
	return func() ([]netip.Prefix, error) {
		var out []netip.Prefix
		for _, p := range ps {
			out = append(out, netip.MustParsePrefix(p))
		}
		return out, nil
	}
}

func mustAlloc(t *testing.T, a *IPAM, network string, fixed ...string) netip.Prefix {
	t.Helper()
	var fx []netip.Prefix
	for _, f := range fixed {
		fx = append(fx, netip.MustParsePrefix(f))
	}
	p, err := a.Allocate(network, fx)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestIPAMSkipsHostRoutesAndAllocations(t *testing.T) {
	a, err := OpenIPAM(t.TempDir(), testPools, routes("0.0.0.0/0", "10.89.0.0/23", "10.89.3.128/25"))
	if err != nil {
		t.Fatal(err)
	}
	if got := mustAlloc(t, a, "p_a"); got.String() != "10.89.2.0/24" {
		t.Fatalf("first = %s, want 10.89.2.0/24", got)
	}
	if got := mustAlloc(t, a, "p_b"); got.String() != "10.89.4.0/24" {
		t.Fatalf("second = %s, want 10.89.4.0/24", got)
	}
	if got := mustAlloc(t, a, "p_a"); got.String() != "10.89.2.0/24" {
		t.Fatalf("idempotent = %s", got)
	}
}

func TestIPAMFixedSubnets(t *testing.T) {
	a, err := OpenIPAM(t.TempDir(), testPools, routes())
	if err != nil {
		t.Fatal(err)
	}
	if got := mustAlloc(t, a, "fixed", "10.89.0.0/23"); got.String() != "10.89.0.0/23" {
		t.Fatalf("fixed = %s", got)
	}
	if got := mustAlloc(t, a, "auto"); got.String() != "10.89.2.0/24" {
		t.Fatalf("auto = %s, want 10.89.2.0/24", got)
	}
	if _, err := a.Allocate("other", []netip.Prefix{netip.MustParsePrefix("10.89.2.128/25")}); err == nil {
		t.Fatal("overlapping fixed subnet accepted")
	}
	if _, err := a.Allocate("fixed", []netip.Prefix{netip.MustParsePrefix("172.30.0.0/16")}); err == nil {
		t.Fatal("changing a network's subnet accepted")
	}
	// Fixed subnets ignore host routes (as Docker does).
	b, _ := OpenIPAM(t.TempDir(), testPools, routes("172.30.0.0/16"))
	if got := mustAlloc(t, b, "x", "172.30.5.0/24"); got.String() != "172.30.5.0/24" {
		t.Fatalf("fixed under host route = %s", got)
	}
}

func TestIPAMExhausted(t *testing.T) {
	small := []Pool{{Base: netip.MustParsePrefix("192.168.200.0/25"), Size: 26}}
	a, _ := OpenIPAM(t.TempDir(), small, routes())
	mustAlloc(t, a, "a")
	mustAlloc(t, a, "b")
	if _, err := a.Allocate("c", nil); err == nil {
		t.Fatal("allocated past the pool")
	}
	if err := a.Release("a"); err != nil {
		t.Fatal(err)
	}
	if got := mustAlloc(t, a, "c"); got.String() != "192.168.200.0/26" {
		t.Fatalf("after release = %s", got)
	}
}

func TestIPAMPersistsAcrossOpen(t *testing.T) {
	dir := t.TempDir()
	a, _ := OpenIPAM(dir, testPools, routes())
	mustAlloc(t, a, "n1")
	ip, err := a.AllocateIP("n1", "c1", netip.Addr{})
	if err != nil || ip.String() != "10.89.0.2" {
		t.Fatalf("AllocateIP = %s, %v", ip, err)
	}
	b, err := OpenIPAM(dir, testPools, routes())
	if err != nil {
		t.Fatal(err)
	}
	subs, err := b.Subnets()
	if err != nil || len(subs) != 1 || subs["n1"].String() != "10.89.0.0/24" {
		t.Fatalf("Subnets after reopen = %v, %v", subs, err)
	}
	if got := mustAlloc(t, b, "n2"); got.String() != "10.89.1.0/24" {
		t.Fatalf("n2 = %s", got)
	}
	if ip, _ := b.AllocateIP("n1", "c1", netip.Addr{}); ip.String() != "10.89.0.2" {
		t.Fatalf("owner address after reopen = %s", ip)
	}
	if ip, _ := b.AllocateIP("n1", "c2", netip.Addr{}); ip.String() != "10.89.0.3" {
		t.Fatalf("second owner = %s", ip)
	}
	if err := b.Release("n1"); err != nil {
		t.Fatal(err)
	}
	if err := b.Release("n1"); err != nil {
		t.Fatalf("second release: %v", err)
	}
	if _, err := a.Gateway("n1"); !errors.Is(err, ErrUnknownNetwork) {
		t.Fatalf("Gateway of released network: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ipamFile)); err != nil {
		t.Fatal(err)
	}
}

func TestIPAMAddresses(t *testing.T) {
	a, _ := OpenIPAM(t.TempDir(), testPools, routes())
	mustAlloc(t, a, "n", "192.168.7.0/29")
	if gw, _ := a.Gateway("n"); gw.String() != "192.168.7.1" {
		t.Fatalf("gateway = %s", gw)
	}
	want := netip.MustParseAddr("192.168.7.4")
	if ip, err := a.AllocateIP("n", "fixed", want); err != nil || ip != want {
		t.Fatalf("wanted address = %s, %v", ip, err)
	}
	if _, err := a.AllocateIP("n", "other", want); !errors.Is(err, ErrAddressInUse) {
		t.Fatalf("taken address: %v", err)
	}
	if _, err := a.AllocateIP("n", "gw", netip.MustParseAddr("192.168.7.1")); !errors.Is(err, ErrAddressInUse) {
		t.Fatalf("gateway address: %v", err)
	}
	for _, bad := range []string{"192.168.7.0", "192.168.7.7", "192.168.8.2"} {
		if _, err := a.AllocateIP("n", "bad", netip.MustParseAddr(bad)); err == nil {
			t.Errorf("AllocateIP(%s) accepted", bad)
		}
	}
	var got []string
	for _, o := range []string{"a", "b", "c", "d", "a"} {
		ip, err := a.AllocateIP("n", o, netip.Addr{})
		if err != nil {
			got = append(got, "err")
			continue
		}
		got = append(got, ip.String())
	}
	if w := []string{"192.168.7.2", "192.168.7.3", "192.168.7.5", "192.168.7.6", "192.168.7.2"}; !equalStrings(got, w) {
		t.Fatalf("sequence = %v, want %v", got, w)
	}
	if _, err := a.AllocateIP("n", "e", netip.Addr{}); err == nil {
		t.Fatal("allocated in a full subnet")
	}
	if err := a.ReleaseIP("n", "b"); err != nil {
		t.Fatal(err)
	}
	if err := a.ReleaseIP("n", "b"); err != nil {
		t.Fatal(err)
	}
	if ip, _ := a.AllocateIP("n", "e", netip.Addr{}); ip.String() != "192.168.7.3" {
		t.Fatalf("reuse = %s", ip)
	}
	if _, err := a.AllocateIP("missing", "x", netip.Addr{}); !errors.Is(err, ErrUnknownNetwork) {
		t.Fatalf("unknown network: %v", err)
	}
}

func TestIPAMSetGateway(t *testing.T) {
	a, _ := OpenIPAM(t.TempDir(), testPools, routes())
	mustAlloc(t, a, "n", "172.31.0.0/24")
	if err := a.SetGateway("n", netip.MustParseAddr("172.31.0.254")); err != nil {
		t.Fatal(err)
	}
	if gw, _ := a.Gateway("n"); gw.String() != "172.31.0.254" {
		t.Fatalf("gateway = %s", gw)
	}
	if ip, _ := a.AllocateIP("n", "c", netip.Addr{}); ip.String() != "172.31.0.1" {
		t.Fatalf("first address with custom gateway = %s", ip)
	}
	if err := a.SetGateway("n", netip.MustParseAddr("172.31.0.1")); !errors.Is(err, ErrAddressInUse) {
		t.Fatalf("gateway on owned address: %v", err)
	}
	if err := a.SetGateway("n", netip.MustParseAddr("10.0.0.1")); err == nil {
		t.Fatal("gateway outside subnet accepted")
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestIPAMConcurrentOpeners(t *testing.T) {
	dir := t.TempDir()
	const n = 16
	results := make(chan string, n)
	for i := range n {
		go func() {
			a, err := OpenIPAM(dir, testPools, routes())
			if err != nil {
				results <- "err: " + err.Error()
				return
			}
			p, err := a.Allocate(string(rune('a'+i)), nil)
			if err != nil {
				results <- "err: " + err.Error()
				return
			}
			results <- p.String()
		}()
	}
	seen := map[string]bool{}
	for range n {
		r := <-results
		if seen[r] {
			t.Fatalf("subnet %s handed out twice", r)
		}
		seen[r] = true
	}
	a, _ := OpenIPAM(dir, testPools, routes())
	if subs, _ := a.Subnets(); len(subs) != n {
		t.Fatalf("persisted %d networks, want %d", len(subs), n)
	}
}

func TestIPAMBatchWritesOnceAndKeepsNothingOnError(t *testing.T) {
	dir := t.TempDir()
	a, err := OpenIPAM(dir, testPools, routes())
	if err != nil {
		t.Fatal(err)
	}
	mustAlloc(t, a, "net")
	file := filepath.Join(dir, ipamFile)
	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var got []netip.Addr
	err = a.Batch(func(b *IPAM) error {
		for _, owner := range []string{"c1", "c2", "c3"} {
			ip, err := b.AllocateIP("net", owner, netip.Addr{})
			if err != nil {
				return err
			}
			got = append(got, ip)
		}
		// Nothing is written while the batch runs.
		if now, err := os.ReadFile(file); err != nil || !bytes.Equal(now, before) {
			t.Errorf("state file written inside the batch (err %v)", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.89.0.2", "10.89.0.3", "10.89.0.4"}
	for i, w := range want {
		if i >= len(got) || got[i].String() != w {
			t.Fatalf("batch allocated %v, want %v", got, want)
		}
	}
	// Written once at the end: a fresh IPAM sees the addresses.
	again, err := OpenIPAM(dir, testPools, routes())
	if err != nil {
		t.Fatal(err)
	}
	if ip, err := again.AllocateIP("net", "c2", netip.Addr{}); err != nil || ip.String() != "10.89.0.3" {
		t.Errorf("c2 after the batch: %v, %v; want 10.89.0.3", ip, err)
	}
	// A failing batch keeps none of its allocations.
	boom := errors.New("boom")
	err = a.Batch(func(b *IPAM) error {
		if _, err := b.AllocateIP("net", "c9", netip.Addr{}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("batch error = %v, want boom", err)
	}
	if ip, err := again.AllocateIP("net", "c10", netip.Addr{}); err != nil || ip.String() != "10.89.0.5" {
		t.Errorf("first address after a failed batch: %v, %v; want 10.89.0.5 (c9's not kept)", ip, err)
	}
}
