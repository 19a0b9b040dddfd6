package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"time"

	"github.com/mini-compose/mini-compose/internal/tcpload"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// Veth measures the baseline: a sender in one fresh network namespace and
// a sink in another, joined by a veth pair (10.254.0.1/30 - 10.254.0.2/30).
// The sink is a process of its own (this binary's "sink" mode), as it is in
// a container for the published-port figure. Both namespaces are
// anonymous: they vanish with their handles, the sink and the sockets.
func Veth(d time.Duration) (float64, error) {
	a, b, err := twoNamespaces()
	if err != nil {
		return 0, err
	}
	defer a.Close()
	defer b.Close()
	if err := wire(a, b); err != nil {
		return 0, err
	}
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	sink := exec.Command(self, "sink", "-l", "10.254.0.2:9000")
	sink.Stderr = os.Stderr
	// A child starts in the network namespace of the thread that forks it.
	if err := inNS(b, sink.Start); err != nil {
		return 0, fmt.Errorf("start sink in its namespace: %w", err)
	}
	defer func() { _ = sink.Process.Kill(); _ = sink.Wait() }()
	var mbps float64
	err = inNS(a, func() error {
		for i := 0; ; i++ { // until the sink listens
			c, err := net.DialTimeout("tcp", "10.254.0.2:9000", time.Second)
			if err == nil {
				mbps, err = tcpload.Write(c, d)
				c.Close()
				return err
			}
			if i == 100 {
				return fmt.Errorf("sink never listened: %w", err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	return mbps, err
}

// twoNamespaces creates two anonymous network namespaces on a locked
// thread that is then restored to the original namespace.
func twoNamespaces() (a, b netns.NsHandle, err error) {
	err = onLockedThread(func(orig netns.NsHandle) error {
		var err error
		if a, err = netns.New(); err != nil {
			return fmt.Errorf("create netns: %w", err)
		}
		if b, err = netns.New(); err != nil {
			a.Close()
			return fmt.Errorf("create netns: %w", err)
		}
		return nil
	})
	return a, b, err
}

// wire adds veth va (in a) / vb (in b), addresses them and sets them up.
func wire(a, b netns.NsHandle) error {
	ha, err := netlink.NewHandleAt(a)
	if err != nil {
		return fmt.Errorf("netlink handle: %w", err)
	}
	defer ha.Close()
	hb, err := netlink.NewHandleAt(b)
	if err != nil {
		return fmt.Errorf("netlink handle: %w", err)
	}
	defer hb.Close()
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "va"}, PeerName: "vb", PeerNamespace: netlink.NsFd(b)}
	if err := ha.LinkAdd(veth); err != nil {
		return fmt.Errorf("add veth: %w", err)
	}
	for _, side := range []struct {
		h    *netlink.Handle
		name string
		addr string
	}{{ha, "va", "10.254.0.1/30"}, {hb, "vb", "10.254.0.2/30"}} {
		l, err := side.h.LinkByName(side.name)
		if err != nil {
			return fmt.Errorf("find %s: %w", side.name, err)
		}
		addr, _ := netlink.ParseAddr(side.addr)
		if err := side.h.AddrAdd(l, addr); err != nil {
			return fmt.Errorf("address %s: %w", side.name, err)
		}
		if err := side.h.LinkSetUp(l); err != nil {
			return fmt.Errorf("set %s up: %w", side.name, err)
		}
	}
	return nil
}

// inNS runs fn on a locked thread switched into ns.
func inNS(ns netns.NsHandle, fn func() error) error {
	return onLockedThread(func(netns.NsHandle) error {
		if err := netns.Set(ns); err != nil {
			return fmt.Errorf("enter netns: %w", err)
		}
		return fn()
	})
}

// onLockedThread runs fn on a fresh locked OS thread and puts the thread
// back into the original namespace; if that fails the thread stays locked
// and dies with its goroutine instead of serving others.
func onLockedThread(fn func(orig netns.NsHandle) error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			errc <- fmt.Errorf("get netns: %w", err)
			return
		}
		defer orig.Close()
		err = fn(orig)
		if serr := netns.Set(orig); serr == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}
