package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"syscall"

	"github.com/miekg/dns"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

const childEnv = "MC_DNSLOAD_NETNS"

// reexecInNetns runs this program again in a new network namespace and
// returns its exit error; in that child it returns (true, nil). Every
// thread of the child is in the namespace, so nothing the benchmark does
// can reach this machine's interfaces.
func reexecInNetns() (child bool, err error) {
	if os.Getenv(childEnv) == "1" {
		return true, nil
	}
	cmd := exec.Command("/proc/self/exe", os.Args[1:]...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	if err := cmd.Run(); err != nil {
		return false, fmt.Errorf("run in a new netns: %w", err)
	}
	return false, nil
}

// setupBridge brings lo up and creates a port-less bridge with the given
// CIDR addresses.
func setupBridge(name string, cidrs []string) error {
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("find lo: %w", err)
	}
	if err := netlink.LinkSetUp(lo); err != nil {
		return fmt.Errorf("set lo up: %w", err)
	}
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: name}}
	if err := netlink.LinkAdd(br); err != nil {
		return fmt.Errorf("create bridge %q: %w", name, err)
	}
	for _, c := range cidrs {
		a, err := netlink.ParseAddr(c)
		if err != nil {
			return fmt.Errorf("parse %q: %w", c, err)
		}
		a.Flags = unix.IFA_F_NODAD
		if err := netlink.AddrAdd(br, a); err != nil {
			return fmt.Errorf("add %s to %q: %w", c, name, err)
		}
	}
	if err := netlink.LinkSetUp(br); err != nil {
		return fmt.Errorf("set %q up: %w", name, err)
	}
	return nil
}

// startStub serves a fixed A record for every name on UDP and TCP addr,
// the stand-in for the host's resolver.
func startStub(addr string) error {
	h := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		if len(r.Question) == 1 {
			m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: r.Question[0].Name, Rrtype: dns.TypeA,
				Class: dns.ClassINET, Ttl: 60}, A: net.IPv4(198, 51, 100, 1)}}
		}
		_ = w.WriteMsg(m)
	})
	for _, network := range []string{"udp", "tcp"} {
		started := make(chan struct{})
		errc := make(chan error, 1)
		srv := &dns.Server{Addr: addr, Net: network, Handler: h, NotifyStartedFunc: func() { close(started) }}
		go func() { errc <- srv.ListenAndServe() }()
		select {
		case <-started:
		case err := <-errc:
			return fmt.Errorf("start stub on %s %s: %w", network, addr, err)
		}
	}
	return nil
}
