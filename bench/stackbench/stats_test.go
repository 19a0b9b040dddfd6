package main

import (
	"math"
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		in   []time.Duration
		want Summary
	}{
		{nil, Summary{}},
		{[]time.Duration{3 * ms}, Summary{1, 3 * ms, 3 * ms, 3 * ms}},
		{[]time.Duration{5 * ms, 1 * ms, 9 * ms, 2 * ms, 4 * ms}, Summary{5, 1 * ms, 4 * ms, 9 * ms}},
		{[]time.Duration{4 * ms, 1 * ms, 2 * ms, 10 * ms}, Summary{4, 1 * ms, 3 * ms, 10 * ms}},
	} {
		if got := Summarize(c.in); got != c.want {
			t.Errorf("Summarize(%v) = %+v, want %+v", c.in, got, c.want)
		}
	}
	in := []time.Duration{3, 1, 2}
	Summarize(in)
	if in[0] != 3 {
		t.Error("Summarize sorted its input in place")
	}
}

func TestSummaryStringAndRatio(t *testing.T) {
	s := Summarize([]time.Duration{100 * time.Millisecond, 250 * time.Millisecond, 1500 * time.Millisecond})
	if got, want := s.String(), "0.250 s (0.100–1.500)"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	peer := Summarize([]time.Duration{2500 * time.Millisecond})
	if got := s.Ratio(peer); got != 10 {
		t.Errorf("Ratio = %v, want 10", got)
	}
	if got := s.Ratio(Summary{}); got != 0 {
		t.Errorf("Ratio(missing) = %v, want 0", got)
	}
	if got := (Summary{}).String(); got != "n/a" {
		t.Errorf("empty String = %q", got)
	}
}

func TestSlope(t *testing.T) {
	ms := time.Millisecond
	x := []float64{1, 5, 20, 50}
	y := []time.Duration{110 * ms, 150 * ms, 300 * ms, 600 * ms} // 100 ms + 10 ms/service
	if got := Slope(x, y); math.Abs(got-0.010) > 1e-9 {
		t.Errorf("Slope = %v, want 0.010", got)
	}
	if got := Slope([]float64{1}, y[:1]); got != 0 {
		t.Errorf("Slope of one point = %v, want 0", got)
	}
}

func TestParseVmRSS(t *testing.T) {
	status := "Name:\tmini-compose\nVmPeak:\t  900000 kB\nVmRSS:\t   23456 kB\nRssAnon:\t 10000 kB\n"
	if got := parseVmRSS(status); got != 23456 {
		t.Errorf("parseVmRSS = %d, want 23456", got)
	}
	if got := parseVmRSS("Name:\tx\n"); got != 0 {
		t.Errorf("parseVmRSS without field = %d, want 0", got)
	}
}

func TestCountRunning(t *testing.T) {
	n, err := countRunning([]byte(`[{"name":"a","state":"running"},{"name":"b","state":"exited"},{"name":"c","state":"running"}]` + "\n"))
	if err != nil || n != 2 {
		t.Errorf("countRunning = %d, %v; want 2", n, err)
	}
	if n, err := countRunning([]byte("null\n")); err != nil || n != 0 {
		t.Errorf("countRunning(null) = %d, %v; want 0", n, err)
	}
	if _, err := countRunning([]byte("NAME IMAGE")); err == nil {
		t.Error("countRunning accepted a table")
	}
}

func TestIsLoaderCmdline(t *testing.T) {
	if !isLoaderCmdline([]string{"/x/mini-compose-full", "--root", "/r", "loader"}, "/r") {
		t.Error("loader of /r not recognized")
	}
	for _, argv := range [][]string{
		{"/x/mini-compose-full", "--root", "/other", "loader"},
		{"/x/mini-compose-full", "--root", "/r", "daemon"},
		{"/x/mini-compose-daemon", "--root", "/r"},
	} {
		if isLoaderCmdline(argv, "/r") {
			t.Errorf("%q taken for the loader of /r", argv)
		}
	}
}

func TestIsDaemonCmdline(t *testing.T) {
	if !isDaemonCmdline([]string{"/x/mini-compose", "--root", "/r", "daemon"}, "/r") {
		t.Error("daemon of /r not recognized")
	}
	if !isDaemonCmdline([]string{"/x/mini-compose-daemon", "--root", "/r"}, "/r") {
		t.Error("daemon binary of /r not recognized")
	}
	for _, argv := range [][]string{
		{"/x/mini-compose", "--root", "/other", "daemon"},
		{"/x/mini-compose", "--root", "/r", "up"},
		{"/x/mini-compose", "--root", "/r", "daemon", "extra"},
		{"/x/mini-compose-daemon", "--root", "/other"},
		{"/x/mini-compose", "--root", "/r"},
	} {
		if isDaemonCmdline(argv, "/r") {
			t.Errorf("%q taken for the daemon of /r", argv)
		}
	}
}
