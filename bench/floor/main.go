// Command floor measures container start latency, create -> the container's
// process running, for the raw runtime (runtime.Start: overlay mount plus
// libcontainer create/run, in a new empty netns) and for a 1-service
// `mini-compose up -d` on a warm daemon, in the same run and on the same
// image. The container's command writes to a FIFO bind-mounted from the
// host; the clock stops when that write arrives.
//
//	floor -image busybox.tar -mini bin/mini-compose [-runs 10] [-raw-only]
//
// The image is loaded with the mini-compose binary: floor re-executes
// itself as every raw container's init, so it links only runtime/, as the
// daemon does, not the image import code (whose initialisers would make
// the floor slower than the daemon it is compared with).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/mini-compose/mini-compose/runtime"
)

func init() { runtime.Init() }

// readyCmd signals readiness through /ready/fifo, then stays alive.
var readyCmd = []string{"/bin/busybox", "sh", "-c", "echo up > /ready/fifo; exec /bin/busybox sleep 3600"}

func main() {
	tarPath := flag.String("image", "busybox.tar", "image archive (docker save)")
	runs := flag.Int("runs", 10, "timed starts per mode")
	mini := flag.String("mini", "", "mini-compose binary (loads the image; required)")
	rawOnly := flag.Bool("raw-only", false, "measure the raw floor only")
	flag.Parse()
	if *mini == "" {
		fmt.Fprintln(os.Stderr, "floor: -mini is required (it loads the image)")
		os.Exit(2)
	}
	if err := measure(*tarPath, *runs, *mini, *rawOnly); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func measure(tarPath string, runs int, mini string, rawOnly bool) error {
	work, err := os.MkdirTemp("", "floor-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	root := filepath.Join(work, "mc")
	out, err := exec.Command(mini, "--root", root, "image", "load", "-i", tarPath).CombinedOutput()
	if err != nil {
		return fmt.Errorf("image load: %w: %s", err, out)
	}
	ref := ""
	for _, l := range strings.Split(string(out), "\n") {
		if r, ok := strings.CutPrefix(l, "Loaded image: "); ok && ref == "" {
			ref = strings.TrimSpace(r) // normalized: the store's key
		}
	}
	store, err := runtime.OpenStore(filepath.Join(root, "images"))
	if err != nil {
		return err
	}
	img, err := store.Get(ref)
	if err != nil {
		return err
	}
	rt, err := runtime.NewRuntime(filepath.Join(work, "rt"))
	if err != nil {
		return err
	}
	var starts, readies, removes []time.Duration
	for i := 0; i <= runs; i++ { // run 0 is an untimed warm-up
		s, r, rm, err := rawStart(rt, img.Rootfs, work, fmt.Sprintf("floor-%d", i))
		if err != nil {
			return err
		}
		if i > 0 {
			starts, readies, removes = append(starts, s), append(readies, r), append(removes, rm)
		}
	}
	fmt.Printf("| raw runtime.Start (libcontainer) | %d | %s | %s | %s |\n", runs, summary(starts), summary(readies), summary(removes))
	if rawOnly {
		return nil
	}
	ups, readies2, downs, err := miniStarts(mini, root, work, runs)
	if err != nil {
		return err
	}
	fmt.Printf("| mini-compose up -d, 1 service, warm daemon | %d | %s | %s | %s |\n", runs, summary(ups), summary(readies2), summary(downs))
	return nil
}

// rawStart starts one container with the runtime and returns the time
// Start took, the time until its process wrote the FIFO, and the time of
// kill + remove.
func rawStart(rt *runtime.Runtime, rootfs, work, id string) (start, ready, remove time.Duration, err error) {
	dir := filepath.Join(work, id)
	fifo, err := newFIFO(dir)
	if err != nil {
		return 0, 0, 0, err
	}
	spec := runtime.Spec{ID: id, Project: "floor", Image: rootfs, Args: readyCmd,
		Mounts: []runtime.Mount{{Type: "bind", Source: dir, Target: "/ready"}}}
	t0 := time.Now()
	p, err := rt.Start(spec)
	if err != nil {
		return 0, 0, 0, err
	}
	start = time.Since(t0)
	if err := readFIFO(fifo); err != nil {
		return 0, 0, 0, err
	}
	ready = time.Since(t0)
	t0 = time.Now()
	if err := rt.Signal(id, syscall.SIGKILL); err != nil {
		return 0, 0, 0, err
	}
	if _, err := p.Wait(); err != nil {
		return 0, 0, 0, err
	}
	if err := rt.Remove(id); err != nil {
		return 0, 0, 0, err
	}
	return start, ready, time.Since(t0), nil
}

// miniStarts times 1-service stacks under mini-compose with a warm daemon:
// `up -d` returning, the FIFO write, and `down` returning.
func miniStarts(bin, root, work string, runs int) (ups, readies, downs []time.Duration, err error) {
	mc := func(args ...string) error {
		out, err := exec.Command(bin, append([]string{"--root", root}, args...)...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("mini-compose %v: %w: %s", args, err, out)
		}
		return nil
	}
	for i := 0; i <= runs; i++ {
		dir := filepath.Join(work, fmt.Sprintf("mc-%d", i))
		fifo, err := newFIFO(dir)
		if err != nil {
			return nil, nil, nil, err
		}
		file := filepath.Join(dir, "compose.yaml")
		// PID 1 ignores SIGTERM without a handler: SIGKILL keeps down short.
		yaml := fmt.Sprintf("services:\n  s:\n    image: bench/busybox:latest\n    command: [%q, %q, %q, %q]\n    stop_signal: SIGKILL\n    volumes:\n      - %s:/ready\n",
			readyCmd[0], readyCmd[1], readyCmd[2], readyCmd[3], dir)
		if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
			return nil, nil, nil, err
		}
		proj := []string{"-f", file, "-p", fmt.Sprintf("lat%d", i)}
		ready := make(chan time.Time, 1)
		fifoErr := make(chan error, 1)
		go func() { fifoErr <- readFIFO(fifo); ready <- time.Now() }()
		t0 := time.Now()
		if err := mc(append(proj, "up", "-d")...); err != nil {
			return nil, nil, nil, err
		}
		up := time.Since(t0)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		select {
		case err = <-fifoErr:
		case <-ctx.Done():
			err = fmt.Errorf("container of lat%d never wrote its fifo", i)
		}
		cancel()
		if err != nil {
			return nil, nil, nil, err
		}
		rd := (<-ready).Sub(t0)
		t1 := time.Now()
		if err := mc(append(proj, "down")...); err != nil {
			return nil, nil, nil, err
		}
		if i > 0 {
			ups, readies, downs = append(ups, up), append(readies, rd), append(downs, time.Since(t1))
		}
	}
	return ups, readies, downs, nil
}

func newFIFO(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	p := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(p, 0o666); err != nil {
		return "", fmt.Errorf("make fifo: %w", err)
	}
	return p, nil
}

// readFIFO blocks until a writer opened the FIFO and closed it.
func readFIFO(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.ReadAll(f)
	return err
}

func summary(ds []time.Duration) string {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return fmt.Sprintf("%.1f ms (%.1f–%.1f)", ms(s[len(s)/2]), ms(s[0]), ms(s[len(s)-1]))
}
