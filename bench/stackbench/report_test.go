package main

import (
	"strings"
	"testing"
	"time"
)

func sum(ms ...int) Summary {
	var ds []time.Duration
	for _, m := range ms {
		ds = append(ds, time.Duration(m)*time.Millisecond)
	}
	return Summarize(ds)
}

func TestReport(t *testing.T) {
	mini := Result{Tool: "mini-compose", Runs: 3, Stacks: []StackResult{
		{Stack: "1", Services: 1, UpReady: sum(100, 110, 120), Down: sum(50, 50, 60), DaemonRSSKiB: 20480},
		{Stack: "21", Services: 21, UpReady: sum(300, 310, 500), Down: sum(100, 100, 100), DaemonRSSKiB: 40960},
		{Stack: "realistic", Services: 7, UpReady: sum(200, 200, 200), Down: sum(80, 80, 80)},
	}}
	docker := Result{Tool: "docker-compose", Runs: 3, Stacks: []StackResult{
		{Stack: "1", Services: 1, UpReady: sum(1100, 1100, 1100), Down: sum(500, 500, 500)},
		{Stack: "21", Services: 21, UpReady: sum(3100, 3100, 3100), Down: sum(1000, 1000, 1000)},
	}}
	var b strings.Builder
	Report(&b, mini, []Result{docker})
	got := b.String()
	for _, want := range []string{
		"| up -d → ready | services | mini-compose | docker-compose | ratio |",
		"| 1 | 1 | 0.110 s (0.100–0.120) | 1.100 s (1.100–1.100) | 10.0× |",
		"| 21 | 21 | 0.310 s (0.300–0.500) | 3.100 s (3.100–3.100) | 10.0× |",
		"| realistic | 7 | 0.200 s (0.200–0.200) | n/a | |",
		"| 1 | 1 | 0.050 s (0.050–0.060) | 0.500 s (0.500–0.500) | 10.0× |",
		"| 21 | 0.310 s | 14.8 ms | 40.0 MiB |",
		"Least-squares slope of `up` over services: 10.0 ms per service.",
		"Daemon VmRSS growth from 1 to 21 containers: 1024 KiB per container.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q\n%s", want, got)
		}
	}
	if strings.Contains(got, "| realistic | 7 | 0.200 s | ") {
		t.Error("realistic stack counted in the growth table")
	}
}
