// Command tput measures TCP throughput: a sink that discards what it
// receives, a sender that writes for a fixed time, and a self-contained
// direct-veth baseline between two network namespaces of its own.
//
//	tput sink -l :9000
//	tput send -addr 127.0.0.1:19500 -d 5s      prints MB/s
//	tput veth -d 5s                            prints MB/s (needs root)
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

// chunk is the size of one write and one read.
const chunk = 256 << 10

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: tput sink|send|veth [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "sink":
		fs := flag.NewFlagSet("sink", flag.ExitOnError)
		addr := fs.String("l", ":9000", "listen address")
		_ = fs.Parse(os.Args[2:])
		var ln net.Listener
		if ln, err = net.Listen("tcp", *addr); err == nil {
			err = Sink(ln)
		}
	case "send":
		fs := flag.NewFlagSet("send", flag.ExitOnError)
		addr := fs.String("addr", "127.0.0.1:9000", "sink address")
		d := fs.Duration("d", 5*time.Second, "duration")
		_ = fs.Parse(os.Args[2:])
		var mbps float64
		if mbps, err = Send(*addr, *d); err == nil {
			fmt.Printf("%.1f\n", mbps)
		}
	case "veth":
		fs := flag.NewFlagSet("veth", flag.ExitOnError)
		d := fs.Duration("d", 5*time.Second, "duration")
		_ = fs.Parse(os.Args[2:])
		var mbps float64
		if mbps, err = Veth(*d); err == nil {
			fmt.Printf("%.1f\n", mbps)
		}
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tput:", err)
		os.Exit(1)
	}
}

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

// Send writes to addr for d and returns the rate in MB/s (10^6 bytes).
func Send(addr string, d time.Duration) (float64, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, fmt.Errorf("dial sink %s: %w", addr, err)
	}
	defer c.Close()
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
			return 0, fmt.Errorf("send to %s: %w", addr, err)
		}
	}
	return rate(n, time.Since(t0)), nil
}

// rate is bytes over elapsed in MB/s.
func rate(n int64, elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return float64(n) / 1e6 / elapsed.Seconds()
}
