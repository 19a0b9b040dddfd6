package netstack

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/netip"
	osexec "os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
)

// Helpers of the root tests. Every root test runs its body through
// testutil.InNewNetNS, so "the host" below is the test's own namespace.

const (
	okTimeout   = 5 * time.Second        // generous: only bounds a hang
	failTimeout = 300 * time.Millisecond // a dial expected to be dropped
)

// container creates a pinned netns under dir and attaches it to bridge with
// address addr (e.g. "10.89.0.2/24") and a default route via gw.
func container(t *testing.T, dir, id, bridge, addr, gw string) string {
	t.Helper()
	path := filepath.Join(dir, id, "netns")
	if err := NewNetNS(path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = DeleteNetNS(path) })
	err := AttachVeth(Attachment{
		Bridge: bridge, HostIf: VethName(id, bridge), NetNS: path, IfName: "eth0",
		Addr: netip.MustParsePrefix(addr), Gateway: netip.MustParseAddr(gw), DefaultRoute: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// serve listens on addr with TCP inside the netns at path ("" = here) and
// answers every connection with the remote IP it sees, then closes it.
func serve(t *testing.T, path, addr string) {
	t.Helper()
	var ln net.Listener
	listen := func() (err error) { ln, err = net.Listen("tcp", addr); return err }
	var err error
	if path == "" {
		err = listen()
	} else {
		err = WithNetNS(path, listen)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			ap := netip.MustParseAddrPort(c.RemoteAddr().String())
			fmt.Fprintf(c, "%s\n", ap.Addr().Unmap())
			c.Close()
		}
	}()
}

// dial connects from the netns at path ("" = here) to addr and returns the
// source address the server saw.
func dial(path, addr string, timeout time.Duration) (string, error) {
	var seen string
	do := func() error {
		c, err := net.DialTimeout("tcp", addr, timeout)
		if err != nil {
			return err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(timeout))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil && err != io.EOF {
			return err
		}
		seen = line[:max(len(line)-1, 0)]
		return nil
	}
	if path == "" {
		return seen, do()
	}
	return seen, WithNetNS(path, do)
}

// mustReach dials and checks the source address the server saw.
func mustReach(t *testing.T, from, addr, wantSource string) {
	t.Helper()
	seen, err := dial(from, addr, okTimeout)
	if err != nil {
		t.Fatalf("dial %s from %q: %v", addr, from, err)
	}
	if wantSource != "" && seen != wantSource {
		t.Fatalf("dial %s from %q: server saw %s, want %s", addr, from, seen, wantSource)
	}
}

// mustNotReach checks that a dial fails (refused, unreachable or dropped).
func mustNotReach(t *testing.T, from, addr string) {
	t.Helper()
	if seen, err := dial(from, addr, failTimeout); err == nil {
		t.Fatalf("dial %s from %q succeeded (server saw %s), want failure", addr, from, seen)
	}
}

// addLocal puts addr on a new interface of the current netns: a dummy, or
// (kernels without the dummy driver) a bridge without ports.
func addLocal(t *testing.T, name, addr string) {
	t.Helper()
	attrs := netlink.NewLinkAttrs()
	attrs.Name = name
	var d netlink.Link = &netlink.Dummy{LinkAttrs: attrs}
	if err := netlink.LinkAdd(d); err != nil {
		d = &netlink.Bridge{LinkAttrs: attrs}
		if err := netlink.LinkAdd(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := netlink.AddrAdd(d, &netlink.Addr{IPNet: prefixNet(netip.MustParsePrefix(addr))}); err != nil {
		t.Fatal(err)
	}
	if err := netlink.LinkSetUp(d); err != nil {
		t.Fatal(err)
	}
}

// snapshot records links (name, type, master), IPv4 addresses, routes and
// (when nft is installed) the stateless ruleset of the current netns. IPv6
// DAD and carrier flags are left out: they change on their own.
func snapshot(t *testing.T) string {
	t.Helper()
	var out string
	links, err := netlink.LinkList()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range links {
		out += fmt.Sprintf("link %s %s master=%d up=%v\n", l.Attrs().Name, l.Type(), l.Attrs().MasterIndex, l.Attrs().Flags&net.FlagUp != 0)
	}
	for _, args := range [][]string{{"ip", "-o", "-4", "addr"}, {"ip", "route"}, {"nft", "-s", "list", "ruleset"}} {
		if _, err := osexec.LookPath(args[0]); err != nil {
			continue
		}
		b, err := osexec.Command(args[0], args[1:]...).CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, b)
		}
		out += fmt.Sprintf("## %v\n%s", args, b)
	}
	return out
}

func run(t *testing.T, args ...string) string {
	t.Helper()
	b, err := osexec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, b)
	}
	return string(b)
}

func needBinary(t *testing.T, name string) {
	t.Helper()
	if _, err := osexec.LookPath(name); err != nil {
		t.Skipf("needs %s (apt-get install -y %s)", name, map[string]string{"nft": "nftables", "iptables-nft": "iptables"}[name])
	}
}

// runErr runs a command and returns its error, with the output in it.
func runErr(args ...string) error {
	b, err := osexec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %w: %s", args, err, b)
	}
	return nil
}

// serveUDP answers every datagram on addr inside the netns at path with the
// source IP it sees.
func serveUDP(t *testing.T, path, addr string) {
	t.Helper()
	var pc net.PacketConn
	must(t, WithNetNS(path, func() (err error) { pc, err = net.ListenPacket("udp", addr); return err }))
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 64)
		for {
			_, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			ap := netip.MustParseAddrPort(from.String())
			_, _ = pc.WriteTo([]byte(ap.Addr().Unmap().String()), from)
		}
	}()
}

// askUDP sends one datagram from here to addr and returns the answer.
func askUDP(addr string) (string, error) {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(okTimeout))
	if _, err := c.Write([]byte("?")); err != nil {
		return "", err
	}
	buf := make([]byte, 64)
	n, err := c.Read(buf)
	return string(buf[:n]), err
}
