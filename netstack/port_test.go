package netstack

import (
	"net"
	"net/netip"
	"strconv"
	"testing"
)

func TestCheckPortFree(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	lo := netip.MustParseAddr("127.0.0.1")
	err = CheckPortFree(lo, port, "tcp")
	want := "bind 127.0.0.1:" + strconv.Itoa(int(port)) + " failed: port is already allocated"
	if err == nil || err.Error() != want {
		t.Fatalf("busy tcp port: %v, want %q", err, want)
	}
	if err := CheckPortFree(netip.Addr{}, port, "tcp"); err == nil ||
		err.Error() != "bind 0.0.0.0:"+strconv.Itoa(int(port))+" failed: port is already allocated" {
		t.Fatalf("busy tcp port on any address: %v", err)
	}
	// The same number is free for udp.
	if err := CheckPortFree(lo, port, "udp"); err != nil {
		t.Fatalf("udp port: %v", err)
	}
	ln.Close()
	if err := CheckPortFree(lo, port, "tcp"); err != nil {
		t.Fatalf("freed port: %v", err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if err := CheckPortFree(lo, uint16(pc.LocalAddr().(*net.UDPAddr).Port), "udp"); err == nil {
		t.Fatal("busy udp port reported free")
	}
	if err := CheckPortFree(lo, 1, "icmp"); err == nil {
		t.Fatal("unknown protocol accepted")
	}
}
