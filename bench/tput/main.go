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
	"net"
	"os"
	"time"

	"github.com/mini-compose/mini-compose/internal/tcpload"
)

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

// Sink and Send are the shared load generator's.
var (
	Sink = tcpload.Sink
	Send = tcpload.Send
	rate = tcpload.Rate
)
