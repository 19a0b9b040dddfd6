// Command floor measures container start latency, create -> the container's
// process running, for the raw runtime (runtime.Start: overlay mount plus
// libcontainer create/run, in a new empty netns) and for a 1-service
// `mini-compose up -d` on a warm daemon, in the same run and on the same
// image. The container's command writes to a FIFO bind-mounted from the
// host; the clock stops when that write arrives.
//
//	floor -image busybox.tar [-runs 10] [-mini bin/mini-compose]
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
	"syscall"
	"time"

	"github.com/mini-compose/mini-compose/runtime"
	"github.com/mini-compose/mini-compose/runtime/imageio"
)

func init() { runtime.Init() }

// readyCmd signals readiness through /ready/fifo, then stays alive.
var readyCmd = []string{"/bin/busybox", "sh", "-c", "echo up > /ready/fifo; exec /bin/busybox sleep 3600"}

func main() {
	tarPath := flag.String("image", "busybox.tar", "image archive (docker save)")
	ref := flag.String("ref", "bench/busybox:latest", "image reference in the archive")
	runs := flag.Int("runs", 10, "timed starts per mode")
	mini := flag.String("mini", "", "mini-compose binary (empty: raw floor only)")
	flag.Parse()
	if err := measure(*tarPath, *ref, *runs, *mini); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func measure(tarPath, ref string, runs int, mini string) error {
	work, err := os.MkdirTemp("", "floor-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	store, err := imageio.OpenStore(filepath.Join(work, "images"))
	if err != nil {
		return err
	}
	if _, err := imageio.Load(store, tarPath); err != nil {
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
	if mini == "" {
		return nil
	}
	ups, readies2, downs, err := miniStarts(mini, tarPath, work, runs)
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
func miniStarts(bin, tarPath, work string, runs int) (ups, readies, downs []time.Duration, err error) {
	root := filepath.Join(work, "mc")
	mc := func(args ...string) error {
		out, err := exec.Command(bin, append([]string{"--root", root}, args...)...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("mini-compose %v: %w: %s", args, err, out)
		}
		return nil
	}
	// Workaround: the engine does not create <root>/logs yet (reported).
	if err := os.MkdirAll(filepath.Join(root, "logs"), 0o700); err != nil {
		return nil, nil, nil, err
	}
	if err := mc("image", "load", "-i", tarPath); err != nil {
		return nil, nil, nil, err
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
