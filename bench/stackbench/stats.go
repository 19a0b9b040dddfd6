package main

import (
	"fmt"
	"sort"
	"time"
)

// Summary is min/median/max of a series of runs.
type Summary struct {
	N      int           `json:"n"`
	Min    time.Duration `json:"min_ns"`
	Median time.Duration `json:"median_ns"`
	Max    time.Duration `json:"max_ns"`
}

// Summarize returns the summary of ds; the median of an even count is the
// mean of the two middle values.
func Summarize(ds []time.Duration) Summary {
	if len(ds) == 0 {
		return Summary{}
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Summary{N: len(s), Min: s[0], Median: med, Max: s[len(s)-1]}
}

// String renders "median (min–max)" in seconds with 3 decimals.
func (s Summary) String() string {
	if s.N == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.3f s (%.3f–%.3f)", s.Median.Seconds(), s.Min.Seconds(), s.Max.Seconds())
}

// Ratio returns other's median over s's median ("how many times faster s
// is"), 0 when either is missing.
func (s Summary) Ratio(other Summary) float64 {
	if s.N == 0 || other.N == 0 || s.Median <= 0 {
		return 0
	}
	return float64(other.Median) / float64(s.Median)
}

// Slope returns the least-squares slope of y over x (seconds per unit of
// x), the per-service cost of `up` when x is the number of services.
func Slope(x []float64, y []time.Duration) float64 {
	if len(x) != len(y) || len(x) < 2 {
		return 0
	}
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i].Seconds()
	}
	mx /= float64(len(x))
	my /= float64(len(x))
	var num, den float64
	for i := range x {
		num += (x[i] - mx) * (y[i].Seconds() - my)
		den += (x[i] - mx) * (x[i] - mx)
	}
	if den == 0 {
		return 0
	}
	return num / den
}
