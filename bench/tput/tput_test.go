package main

import (
	"net"
	"os"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
)

// TestMain lets the test binary serve as Veth's sink process.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "sink" {
		main()
		return
	}
	os.Exit(m.Run())
}

func TestRate(t *testing.T) {
	if got := rate(5e6, time.Second); got != 5 {
		t.Errorf("rate(5e6, 1s) = %v, want 5", got)
	}
	if got := rate(3e6, 500*time.Millisecond); got != 6 {
		t.Errorf("rate(3e6, 0.5s) = %v, want 6", got)
	}
	if got := rate(1, 0); got != 0 {
		t.Errorf("rate(1, 0) = %v, want 0", got)
	}
}

func TestSendToSinkOnLoopback(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { _ = Sink(ln) }()
	mbps, err := Send(ln.Addr().String(), 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if mbps <= 0 {
		t.Errorf("Send = %v MB/s, want > 0", mbps)
	}
}

func TestSendWithoutSink(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if _, err := Send(addr, 50*time.Millisecond); err == nil {
		t.Error("Send to a closed port succeeded")
	}
}

// TestVeth runs the baseline in namespaces of its own and checks that it
// left no link behind in the caller's namespace.
func TestVeth(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces and a veth pair")
	}
	before, err := netlink.LinkList()
	if err != nil {
		t.Fatal(err)
	}
	mbps, err := Veth(200 * time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if mbps <= 0 {
		t.Errorf("Veth = %v MB/s, want > 0", mbps)
	}
	after, err := netlink.LinkList()
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("links: %d before, %d after", len(before), len(after))
	}
	for _, l := range after {
		if n := l.Attrs().Name; n == "va" || n == "vb" {
			t.Errorf("veth %s leaked into the caller's namespace", n)
		}
	}
}
