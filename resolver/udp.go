package resolver

import (
	"errors"
	"net"
	"net/netip"
	"runtime"
	"sync"

	"github.com/miekg/dns"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"
)

// udpBatch is the size of one recvmmsg/sendmmsg batch.
const udpBatch = 32

// udpMax bounds a datagram, query or answer: answers are clamped to it
// (clampUDP), and a query needs far less. A larger datagram arrives cut
// (MSG_TRUNC) and is dropped. (Buffers of dns.MaxMsgSize made each
// listener zero and keep 4 MiB: 2 loops x 32 x 64 KiB.)
const udpMax = 4096

// batchConn reads and writes many datagrams per system call (recvmmsg and
// sendmmsg on Linux). ipv4.PacketConn and ipv6.PacketConn both fit: their
// Message types are the same type.
type batchConn interface {
	ReadBatch(ms []ipv4.Message, flags int) (int, error)
	WriteBatch(ms []ipv4.Message, flags int) (int, error)
}

// udpServer answers UDP queries on one socket with a few reader loops.
// Local answers are sent in batches from the reader; forwarded queries,
// which may block, each get a goroutine. Syscalls, not lookups, are the
// cost of a local answer, hence the batching.
type udpServer struct {
	s    *Server
	conn *net.UDPConn
	bc   batchConn
	wg   sync.WaitGroup
}

func newUDPServer(s *Server, conn *net.UDPConn, v6 bool) *udpServer {
	u := &udpServer{s: s, conn: conn}
	if v6 {
		u.bc = ipv6.NewPacketConn(conn)
	} else {
		u.bc = ipv4.NewPacketConn(conn)
	}
	return u
}

// start runs the reader loops, one per CPU up to 4.
func (u *udpServer) start() {
	n := min(runtime.GOMAXPROCS(0), 4)
	for range n {
		u.wg.Add(1)
		go func() {
			defer u.wg.Done()
			u.loop()
		}()
	}
}

// stop closes the socket and waits for the loops and for forwarded
// queries in flight (bounded by the forward timeout).
func (u *udpServer) stop() {
	_ = u.conn.Close()
	u.wg.Wait()
}

func (u *udpServer) loop() {
	in := make([]ipv4.Message, udpBatch)
	out := make([]ipv4.Message, udpBatch)
	for i := range in {
		in[i].Buffers = [][]byte{make([]byte, udpMax)}
		out[i].Buffers = [][]byte{make([]byte, udpMax)}
	}
	outBufs := make([][]byte, udpBatch)
	for i := range out {
		outBufs[i] = out[i].Buffers[0]
	}
	for {
		n, err := u.bc.ReadBatch(in, 0)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // e.g. ECONNREFUSED from an earlier send: keep serving
		}
		k := 0
		for i := range n {
			m, ok := u.handle(&in[i])
			if !ok {
				continue
			}
			b, err := m.PackBuffer(outBufs[k])
			if err != nil {
				continue
			}
			out[k].Buffers[0] = b
			out[k].Addr = in[i].Addr
			k++
		}
		u.writeAll(out[:k])
	}
}

// handle parses one datagram and returns its local answer; ok is false
// when there is nothing to send now (garbage, or forwarded in the
// background).
func (u *udpServer) handle(msg *ipv4.Message) (*dns.Msg, bool) {
	addr, _ := msg.Addr.(*net.UDPAddr)
	if addr == nil || msg.Flags&unix.MSG_TRUNC != 0 {
		return nil, false // cut datagrams are dropped, even when the cut parses
	}
	req := new(dns.Msg)
	// Unparsable packets and responses get no reply: replying to forged
	// sources would make us an amplifier.
	if err := req.Unpack(msg.Buffers[0][:msg.N]); err != nil || req.Response {
		return nil, false
	}
	src := addr.AddrPort().Addr().Unmap().WithZone("")
	m, cv := u.s.answer(src, true, req)
	if m != nil {
		return m, true
	}
	dst := addr.AddrPort()
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		resp := u.s.forward(req, cv, true)
		if b, err := resp.Pack(); err == nil {
			_, _ = u.conn.WriteToUDPAddrPort(b, dst)
		}
	}()
	return nil, false
}

// writeAll sends ms, continuing after partial batches; a failed datagram
// is dropped (UDP clients retry).
func (u *udpServer) writeAll(ms []ipv4.Message) {
	for len(ms) > 0 {
		n, err := u.bc.WriteBatch(ms, 0)
		if err != nil {
			n = max(n, 1)
		}
		ms = ms[n:]
	}
}

// addrIs6 reports whether a listening address needs the IPv6 socket API.
func addrIs6(a netip.Addr) bool { return a.Is6() && !a.Is4In6() }
