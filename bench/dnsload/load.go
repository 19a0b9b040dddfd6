package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// result is what all clients of one case measured.
type result struct {
	elapsed time.Duration
	lat     []time.Duration // sorted
	errors  int
}

func (r *result) qps() float64 { return float64(len(r.lat)) / r.elapsed.Seconds() }

func (r *result) pct(p int) string {
	if len(r.lat) == 0 {
		return "-"
	}
	d := r.lat[(len(r.lat)-1)*p/100]
	return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
}

func maxProcs() int { return runtime.GOMAXPROCS(0) }

// load runs workers clients against server for d. Each keeps window
// queries in flight on its own UDP socket bound to container address i
// (so the resolver sees a registered container) and counts answers that
// are not NOERROR with at least one record, or never come, as errors.
func load(server string, workers, window int, d time.Duration, name func(int) string) (*result, error) {
	queries := make([][]byte, 1000)
	for i := range queries {
		m := new(dns.Msg)
		m.SetQuestion(name(i), dns.TypeA)
		b, err := m.Pack()
		if err != nil {
			return nil, fmt.Errorf("pack query %d: %w", i, err)
		}
		queries[i] = b
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		res  = &result{}
		errc = make(chan error, workers)
	)
	start := time.Now()
	deadline := start.Add(d)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat, nerr, err := client(w, server, window, deadline, queries)
			if err != nil {
				errc <- err
				return
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.errors += nerr
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	close(errc)
	if err := <-errc; err != nil {
		return nil, err
	}
	slices.Sort(res.lat)
	return res, nil
}

// client is one container's query loop.
func client(w int, server string, window int, deadline time.Time, queries [][]byte) ([]time.Duration, int, error) {
	laddr := &net.UDPAddr{IP: containerIP(w).AsSlice()}
	raddr, err := net.ResolveUDPAddr("udp", server)
	if err != nil {
		return nil, 0, err
	}
	conn, err := net.DialUDP("udp", laddr, raddr)
	if err != nil {
		return nil, 0, fmt.Errorf("dial from %s: %w", laddr, err)
	}
	defer conn.Close()
	var (
		sent    [65536]time.Time
		seq     uint16
		next    int
		lat     []time.Duration
		nerr    int
		pending int
		buf     = make([]byte, 4096)
		out     = make([]byte, 512)
		reply   = new(dns.Msg)
	)
	send := func() error {
		q := queries[(next*7919+w)%len(queries)]
		next++
		seq++
		n := copy(out, q)
		binary.BigEndian.PutUint16(out, seq)
		sent[seq] = time.Now()
		pending++
		_, err := conn.Write(out[:n])
		return err
	}
	for range window {
		if err := send(); err != nil {
			return nil, 0, err
		}
	}
	for time.Now().Before(deadline) {
		_ = conn.SetReadDeadline(time.Now().Add(time.Second))
		n, err := conn.Read(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			nerr += pending // lost: start a fresh window
			pending = 0
			for range window {
				if err := send(); err != nil {
					return nil, 0, err
				}
			}
			continue
		}
		if err != nil {
			return nil, 0, fmt.Errorf("read: %w", err)
		}
		now := time.Now()
		pending--
		if err := reply.Unpack(buf[:n]); err != nil || reply.Rcode != dns.RcodeSuccess || len(reply.Answer) == 0 {
			nerr++
		} else if t := sent[reply.Id]; !t.IsZero() {
			lat = append(lat, now.Sub(t))
			sent[reply.Id] = time.Time{}
		}
		if err := send(); err != nil {
			return nil, 0, err
		}
	}
	return lat, nerr, nil
}
