package resolver

import (
	"fmt"
	"net"
	"net/netip"
	"sync"

	"github.com/miekg/dns"
)

// listener is the UDP and TCP server of one address.
type listener struct {
	udp  *udpServer
	tcp  *dns.Server
	done sync.WaitGroup
}

// Listen serves DNS over UDP and TCP on ip:53. Call it with bridge
// gateway addresses only: listening on a host interface would make an open
// resolver (strangers are refused, but still). Listening twice on the same
// address is a no-op.
func (s *Server) Listen(ip netip.Addr) error {
	return s.listenOn(netip.AddrPortFrom(ip, 53))
}

// listenOn is Listen on any port, for tests and benchmarks.
func (s *Server) listenOn(ap netip.AddrPort) error {
	ip := ap.Addr()
	s.lmu.Lock()
	defer s.lmu.Unlock()
	if s.closed {
		return fmt.Errorf("listen on %s: server closed", ip)
	}
	if _, ok := s.listeners[ip]; ok {
		return nil
	}
	l, err := s.startListener(ap)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", ip, err)
	}
	s.listeners[ip] = l
	return nil
}

// startListener binds both sockets first, so a busy port fails Listen,
// then starts both servers and waits until they run.
func (s *Server) startListener(ap netip.AddrPort) (*listener, error) {
	pc, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(ap))
	if err != nil {
		return nil, fmt.Errorf("bind udp: %w", err)
	}
	ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(ap))
	if err != nil {
		pc.Close()
		return nil, fmt.Errorf("bind tcp: %w", err)
	}
	l := &listener{
		udp: newUDPServer(s, pc, addrIs6(ap.Addr())),
		tcp: &dns.Server{Listener: ln, Handler: s},
	}
	if err := l.start(l.tcp); err != nil {
		pc.Close()
		ln.Close()
		return nil, err
	}
	l.udp.start()
	return l, nil
}

// start runs srv in a goroutine and returns once it serves or failed.
func (l *listener) start(srv *dns.Server) error {
	started := make(chan struct{})
	failed := make(chan error, 1)
	srv.NotifyStartedFunc = func() { close(started) }
	l.done.Add(1)
	go func() {
		defer l.done.Done()
		if err := srv.ActivateAndServe(); err != nil {
			failed <- err
		}
	}()
	select {
	case <-started:
		return nil
	case err := <-failed:
		return fmt.Errorf("serve: %w", err)
	}
}

// stop shuts both servers down and waits for their goroutines, including
// queries being forwarded (bounded by the forward timeout).
func (l *listener) stop() {
	l.udp.stop()
	_ = l.tcp.Shutdown() // "not started" is fine: nothing to stop
	l.done.Wait()
}

// Unlisten stops serving on ip:53. Unknown addresses are ignored.
func (s *Server) Unlisten(ip netip.Addr) error {
	s.lmu.Lock()
	l, ok := s.listeners[ip]
	delete(s.listeners, ip)
	s.lmu.Unlock()
	if ok {
		l.stop()
	}
	return nil
}

// Close stops all listeners; later Listen calls fail. The registered
// containers stay, so ServeDNS keeps working for in-process callers.
func (s *Server) Close() error {
	s.lmu.Lock()
	s.closed = true
	ls := s.listeners
	s.listeners = map[netip.Addr]*listener{}
	s.lmu.Unlock()
	var wg sync.WaitGroup
	for _, l := range ls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.stop()
		}()
	}
	wg.Wait()
	return nil
}
