package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mini-compose/mini-compose/internal/testutil"
)

// StackResult is the outcome of the runs of one stack with one tool.
type StackResult struct {
	Stack    string  `json:"stack"`
	Services int     `json:"services"`
	UpReturn Summary `json:"up_return"`
	UpReady  Summary `json:"up_ready"`
	Down     Summary `json:"down"`
	// DaemonRSSKiB is the daemon's VmRSS with the stack up (mini-compose
	// only; the last run's value).
	DaemonRSSKiB int64 `json:"daemon_rss_kib,omitempty"`
	// LoaderRSSKiB is the warm loader's VmRSS at the same moment.
	LoaderRSSKiB int64 `json:"loader_rss_kib,omitempty"`
}

// Result is what one `stackbench updown` writes.
type Result struct {
	Tool    string        `json:"tool"`
	Version string        `json:"version,omitempty"`
	Runs    int           `json:"runs"`
	Stacks  []StackResult `json:"stacks"`
}

func imageCmd(args []string) error {
	fs := flag.NewFlagSet("image", flag.ExitOnError)
	out := fs.String("o", "busybox.tar", "output `file` (docker save format)")
	ref := fs.String("t", "bench/busybox:latest", "image reference")
	format := fs.String("format", "docker", "docker or oci")
	var adds multiFlag
	fs.Var(&adds, "add", "extra file `host:ctr` (repeatable)")
	_ = fs.Parse(args)
	files, err := testutil.BusyboxFiles()
	if err != nil {
		return err
	}
	for _, a := range adds {
		h, c, ok := strings.Cut(a, ":")
		if !ok {
			return fmt.Errorf("bad -add %q: want host:ctr", a)
		}
		files[c] = h
	}
	return testutil.BuildImage(*out, *ref, files, testutil.ImageConfig{Cmd: []string{"/bin/sh"}}, *format)
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func updownCmd(args []string) error {
	fs := flag.NewFlagSet("updown", flag.ExitOnError)
	toolName := fs.String("tool", "mini", "mini, docker or podman")
	bin := fs.String("bin", "bin/mini-compose", "mini-compose binary")
	root := fs.String("root", "", "mini-compose state root")
	compose := fs.String("compose", "docker-compose", "Docker Compose command (space separated)")
	docker := fs.String("docker", "docker", "docker CLI")
	image := fs.String("image", "bench/busybox:latest", "image of every service")
	sizes := fs.String("sizes", "1,5,20,50", "stack sizes, comma separated")
	realistic := fs.Bool("realistic", true, "also run the realistic stack")
	runs := fs.Int("runs", 5, "timed runs per stack")
	basePort := fs.Int("base-port", 18000, "first published host port")
	timeout := fs.Duration("timeout", 5*time.Minute, "limit of one up or down")
	out := fs.String("o", "", "write the JSON result to `file`")
	_ = fs.Parse(args)

	var tool Tool
	var mini *MiniCompose
	switch *toolName {
	case "mini":
		abs, err := filepath.Abs(*bin)
		if err != nil {
			return err
		}
		mini = &MiniCompose{Bin: abs, Root: *root}
		tool = *mini
	case "docker":
		tool = DockerCompose{Compose: strings.Fields(*compose), Docker: *docker}
	case "podman":
		tool = PodmanCompose{DockerCompose{Compose: strings.Fields(*compose), Docker: *docker}}
	default:
		return fmt.Errorf("unknown tool %q", *toolName)
	}
	var stacks []Stack
	for _, f := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("bad size %q", f)
		}
		stacks = append(stacks, NStack(n, *basePort, *image))
	}
	if *realistic {
		stacks = append(stacks, RealisticStack(*basePort, *image))
	}
	dir, err := os.MkdirTemp("", "stackbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	res := Result{Tool: tool.Name(), Runs: *runs}
	// One untimed cycle: starts the daemon, fills the page cache.
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	_, err = cycle(ctx, tool, dir, "benchwarm", NStack(1, *basePort, *image), nil)
	cancel()
	if err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	for _, st := range stacks {
		sr := StackResult{Stack: st.Name, Services: st.Services}
		var ups, readies, downs []time.Duration
		for i := 0; i < *runs; i++ {
			var between func()
			if mini != nil {
				between = func() {
					sr.DaemonRSSKiB, sr.LoaderRSSKiB = rssKiB(mini.DaemonPid()), rssKiB(mini.LoaderPid())
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), *timeout)
			r, err := cycle(ctx, tool, dir, "bench"+st.Name, st, between)
			cancel()
			if err != nil {
				return fmt.Errorf("%s stack %s run %d: %w", tool.Name(), st.Name, i+1, err)
			}
			fmt.Fprintf(os.Stderr, "%s %s services=%d run %d: up %.3fs ready %.3fs down %.3fs\n",
				tool.Name(), st.Name, st.Services, i+1, r.UpReturn.Seconds(), r.UpReady.Seconds(), r.Down.Seconds())
			ups, readies, downs = append(ups, r.UpReturn), append(readies, r.UpReady), append(downs, r.Down)
		}
		sr.UpReturn, sr.UpReady, sr.Down = Summarize(ups), Summarize(readies), Summarize(downs)
		res.Stacks = append(res.Stacks, sr)
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = os.Stdout.Write(append(b, '\n'))
		return err
	}
	return os.WriteFile(*out, append(b, '\n'), 0o644)
}

// rssKiB returns VmRSS of pid in KiB, 0 if unknown.
func rssKiB(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	return parseVmRSS(string(b))
}

// parseVmRSS returns the VmRSS field of a /proc/PID/status text in KiB.
func parseVmRSS(status string) int64 {
	for _, l := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}
