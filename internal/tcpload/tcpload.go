// Package tcpload measures TCP throughput for the benchmarks: a sink that
// discards what it receives and a sender that writes for a fixed time.
package tcpload

import (
	"fmt"
	"io"
	"net"
	"time"
)

// chunk is the size of one write and one read.
const chunk = 256 << 10

// Sink accepts connections on ln and discards their bytes until ln is
// closed.
func Sink(ln net.Listener) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			return fmt.Errorf("accept: %w", err)
		}
		go func() {
			defer c.Close()
			_, _ = io.CopyBuffer(io.Discard, c, make([]byte, chunk))
		}()
	}
}

// Send dials addr, writes to it for d and returns the rate in MB/s.
func Send(addr string, d time.Duration) (float64, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, fmt.Errorf("dial sink %s: %w", addr, err)
	}
	defer c.Close()
	return Write(c, d)
}

// Write writes to c for d and returns the rate in MB/s (10^6 bytes).
func Write(c net.Conn, d time.Duration) (float64, error) {
	buf := make([]byte, chunk)
	var n int64
	t0 := time.Now()
	_ = c.SetWriteDeadline(t0.Add(d))
	for {
		w, err := c.Write(buf)
		n += int64(w)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				break
			}
			return 0, fmt.Errorf("send to %s: %w", c.RemoteAddr(), err)
		}
	}
	return Rate(n, time.Since(t0)), nil
}

// Rate is n bytes over elapsed, in MB/s.
func Rate(n int64, elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return float64(n) / 1e6 / elapsed.Seconds()
}
