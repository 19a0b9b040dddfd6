// Command dnsload benchmarks the embedded resolver over real sockets: it
// re-executes itself in a fresh network namespace, registers N containers,
// and drives queries for a local name and for a forwarded name (answered
// by a stub upstream in the namespace) from W concurrent clients, each
// bound to a registered container address. Needs root.
//
//	go run ./bench/dnsload -containers 10,100,1000 -duration 3s
package main

import (
	"cmp"
	"flag"
	"fmt"
	"io"
	"log"
	"net/netip"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mini-compose/mini-compose/resolver"
)

func main() {
	counts := flag.String("containers", "10,100,1000", "comma-separated container counts")
	duration := flag.Duration("duration", 3*time.Second, "measuring time per case")
	workers := flag.Int("workers", 8, "concurrent clients (one UDP socket each)")
	window := flag.Int("window", 4, "queries in flight per client")
	out := flag.String("out", "", "also write the markdown table to this file")
	repeat := flag.Int("repeat", 3, "runs per case; the run with the median qps is reported")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run here")
	flag.Parse()
	child, err := reexecInNetns()
	if err != nil {
		log.Fatal(err)
	}
	if !child {
		return
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	var ns []int
	for _, f := range strings.Split(*counts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < *workers {
			log.Fatalf("bad container count %q (must be >= workers)", f)
		}
		ns = append(ns, n)
	}
	rows, err := run(ns, *workers, *window, *repeat, *duration)
	if err != nil {
		log.Fatal(err)
	}
	w := io.Writer(os.Stdout)
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		w = io.MultiWriter(os.Stdout, f)
	}
	fmt.Fprintf(w, "workers=%d window=%d duration=%s repeat=%d (median) GOMAXPROCS=%d\n\n", *workers, *window, *duration, *repeat, maxProcs())
	fmt.Fprintln(w, "| containers | query | qps | p50 | p99 | errors |")
	fmt.Fprintln(w, "|---:|---|---:|---:|---:|---:|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %d | %s | %.0f | %s | %s | %d |\n", r.containers, r.kind, r.res.qps(), r.res.pct(50), r.res.pct(99), r.res.errors)
	}
}

type row struct {
	containers int
	kind       string
	res        *result
}

// run sets up the namespace once, then for each container count registers
// the containers on a fresh Server and measures both kinds of query.
func run(ns []int, workers, window, repeat int, d time.Duration) ([]row, error) {
	cidrs := []string{"10.100.0.1/16"}
	for i := range workers {
		cidrs = append(cidrs, containerIP(i).String()+"/32")
	}
	if err := setupBridge("mc-bench", cidrs); err != nil {
		return nil, err
	}
	if err := startStub("127.0.0.53:53"); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "dnsload")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	rc := filepath.Join(dir, "resolv.conf")
	if err := os.WriteFile(rc, []byte("nameserver 127.0.0.53\n"), 0o644); err != nil {
		return nil, err
	}
	gw := netip.MustParseAddr("10.100.0.1")
	var rows []row
	for _, n := range ns {
		s := resolver.New(resolver.Config{ResolvConf: rc})
		for i := range n {
			id := fmt.Sprintf("bench-svc%d-%d", i/10, i%10)
			s.SetContainer(resolver.Client{ID: id}, []resolver.Entry{{Network: "bench_default", IPv4: containerIP(i),
				Names: []string{fmt.Sprintf("svc%d", i/10), id}}})
		}
		if err := s.Listen(gw); err != nil {
			return nil, err
		}
		local := func(i int) string { return fmt.Sprintf("bench-svc%d-%d.", (i%n)/10, (i%n)%10) }
		fwd := func(i int) string { return fmt.Sprintf("host%d.example.com.", i%1000) }
		for _, c := range []struct {
			kind string
			name func(int) string
		}{{"local", local}, {"forwarded", fwd}} {
			var runs []*result
			for range max(repeat, 1) {
				res, err := load(gw.String()+":53", workers, window, d, c.name)
				if err != nil {
					return nil, err
				}
				runs = append(runs, res)
			}
			slices.SortFunc(runs, func(a, b *result) int { return cmp.Compare(a.qps(), b.qps()) })
			rows = append(rows, row{n, c.kind, runs[len(runs)/2]})
		}
		if err := s.Close(); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// containerIP is the address of the i-th container in 10.100.0.0/16.
func containerIP(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, 100, byte(1 + i/250), byte(2 + i%250)})
}
