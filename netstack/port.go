package netstack

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"
)

// CheckPortFree tries to bind hostIP:port (every address when hostIP is
// zero) with proto, as Docker does before publishing, and reports
// `bind 0.0.0.0:8080 failed: port is already allocated` when the port is in
// use. Ports published by DNAT rules hold no socket and are not seen here.
func CheckPortFree(hostIP netip.Addr, port uint16, proto string) error {
	ip := hostIP.Unmap()
	if !ip.IsValid() {
		ip = netip.IPv4Unspecified()
	}
	addr := net.JoinHostPort(ip.String(), strconv.Itoa(int(port)))
	var err error
	switch proto {
	case "", "tcp":
		var ln net.Listener
		if ln, err = net.Listen("tcp", addr); err == nil {
			ln.Close()
		}
	case "udp":
		var pc net.PacketConn
		if pc, err = net.ListenPacket("udp", addr); err == nil {
			pc.Close()
		}
	default:
		// No portable bind test for other protocols; the DNAT rule decides.
		if _, perr := protoNumber(proto); perr != nil {
			return fmt.Errorf("check port %s: %w", addr, perr)
		}
		return nil
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("bind %s failed: port is already allocated", addr)
	}
	if err != nil {
		return fmt.Errorf("bind %s failed: %w", addr, err)
	}
	return nil
}
