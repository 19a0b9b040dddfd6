package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

func reportCmd(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("report: want mini.json [peer.json...]")
	}
	var results []Result
	for _, p := range args {
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("read result: %w", err)
		}
		var r Result
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("parse result %q: %w", p, err)
		}
		results = append(results, r)
	}
	Report(os.Stdout, results[0], results[1:])
	return nil
}

// Report writes the markdown tables of mini's results, with a column and a
// ratio (peer median / our median) per peer.
func Report(w io.Writer, mini Result, peers []Result) {
	fmt.Fprintf(w, "median (min–max) over %d runs; \"ready\" = every container running and every published port answering HTTP on 127.0.0.1.\n\n", mini.Runs)
	for _, what := range []string{"up -d → ready", "down → all gone"} {
		fmt.Fprintf(w, "| %s | services | %s |", what, mini.Tool)
		for _, p := range peers {
			fmt.Fprintf(w, " %s | ratio |", p.Tool)
		}
		fmt.Fprint(w, "\n|---|---|---|")
		for range peers {
			fmt.Fprint(w, "---|---|")
		}
		fmt.Fprintln(w)
		for _, s := range mini.Stacks {
			ours := pick(s, what)
			fmt.Fprintf(w, "| %s | %d | %s |", s.Stack, s.Services, ours)
			for _, p := range peers {
				ps, ok := find(p, s.Stack)
				if !ok {
					fmt.Fprint(w, " n/a | |")
					continue
				}
				theirs := pick(ps, what)
				fmt.Fprintf(w, " %s | %.1f× |", theirs, ours.Ratio(theirs))
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w)
	}
	growth(w, mini)
}

func pick(s StackResult, what string) Summary {
	if what == "down → all gone" {
		return s.Down
	}
	return s.UpReady
}

func find(r Result, stack string) (StackResult, bool) {
	for _, s := range r.Stacks {
		if s.Stack == stack {
			return s, true
		}
	}
	return StackResult{}, false
}

// growth reports the per-service slope of `up` over the N-service stacks
// and the daemon's resident memory per stack.
func growth(w io.Writer, r Result) {
	var xs []float64
	var ys []time.Duration
	fmt.Fprintln(w, "| services | up ready median | per service | daemon VmRSS | loader VmRSS |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	var rss1 int64
	var n1 int
	for _, s := range r.Stacks {
		if _, err := strconv.Atoi(s.Stack); err != nil {
			continue
		}
		xs, ys = append(xs, float64(s.Services)), append(ys, s.UpReady.Median)
		if n1 == 0 {
			n1, rss1 = s.Services, s.DaemonRSSKiB
		}
		fmt.Fprintf(w, "| %d | %.3f s | %.1f ms | %s | %s |\n", s.Services, s.UpReady.Median.Seconds(),
			float64(s.UpReady.Median.Milliseconds())/float64(s.Services), kib(s.DaemonRSSKiB), kib(s.LoaderRSSKiB))
	}
	fmt.Fprintf(w, "\nLeast-squares slope of `up` over services: %.1f ms per service.\n", Slope(xs, ys)*1000)
	if last, ok := lastN(r); ok && rss1 > 0 && last.DaemonRSSKiB > 0 && last.Services > n1 {
		per := float64(last.DaemonRSSKiB-rss1) / float64(last.Services-n1)
		fmt.Fprintf(w, "Daemon VmRSS growth from %d to %d containers: %.0f KiB per container.\n", n1, last.Services, per)
	}
	fmt.Fprintln(w)
}

func lastN(r Result) (StackResult, bool) {
	var out StackResult
	ok := false
	for _, s := range r.Stacks {
		if _, err := strconv.Atoi(s.Stack); err == nil {
			out, ok = s, true
		}
	}
	return out, ok
}

func kib(k int64) string {
	if k == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MiB", float64(k)/1024)
}
