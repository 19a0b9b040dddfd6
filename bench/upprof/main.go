// Command upprof profiles the engine's Up and Down in-process (no CLI, no
// daemon RPC) on an N-service busybox stack: a CPU profile (pprof) and an
// execution trace, whose syscall-blocking profile shows where wall time
// goes (`go tool trace -pprof=syscall trace.out > sys.pprof`). Run it as
// root inside `unshare --net --mount --fork` (bench/run.sh -s profile).
//
// Its binary links compose-go and the image import code (it loads and
// plans in-process), and libcontainer re-executes it as every container's
// init, which then runs their initialisers too: its wall times are slower
// than the daemon's. Use it for where the engine's own CPU goes; take wall
// times from stackbench and bench/ab.sh.
//
//	upprof -image busybox.tar -n 20 -runs 5 -cpu cpu.pprof -trace trace.out
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"runtime/trace"
	"time"

	"github.com/mini-compose/mini-compose/engine"
	"github.com/mini-compose/mini-compose/project"
	"github.com/mini-compose/mini-compose/resolver"
	"github.com/mini-compose/mini-compose/runtime"
	"github.com/mini-compose/mini-compose/runtime/imageio"
)

func init() { runtime.Init() }

func main() {
	tarPath := flag.String("image", "busybox.tar", "image archive (docker save) with bench/busybox:latest")
	n := flag.Int("n", 20, "services")
	runs := flag.Int("runs", 5, "profiled up/down cycles")
	cpu := flag.String("cpu", "cpu.pprof", "CPU profile output")
	tr := flag.String("trace", "", "execution trace output (optional)")
	flag.Parse()
	if err := profile(*tarPath, *n, *runs, *cpu, *tr); err != nil {
		fmt.Fprintln(os.Stderr, "upprof:", err)
		os.Exit(1)
	}
}

func profile(tarPath string, n, runs int, cpuOut, traceOut string) error {
	work, err := os.MkdirTemp("", "upprof-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	dns := resolver.New(resolver.Config{})
	defer dns.Close()
	eng, err := engine.New(filepath.Join(work, "root"), dns)
	if err != nil {
		return err
	}
	if _, err := imageio.Load(eng.Images(), tarPath); err != nil {
		return err
	}
	file := filepath.Join(work, "compose.yaml")
	if err := os.WriteFile(file, []byte(stackYAML(n)), 0o644); err != nil {
		return err
	}
	ctx := context.Background()
	p, err := project.Load(ctx, project.Options{ConfigPaths: []string{file}, ProjectName: "prof", Cwd: work, Environ: os.Environ()})
	if err != nil {
		return err
	}
	plan, err := project.Build(p)
	if err != nil {
		return err
	}
	cycle := func() (up, down time.Duration, err error) {
		t0 := time.Now()
		if _, err := eng.Up(ctx, plan, engine.UpOptions{}); err != nil {
			return 0, 0, err
		}
		up = time.Since(t0)
		t0 = time.Now()
		err = eng.Down(ctx, "prof", engine.DownOptions{})
		return up, time.Since(t0), err
	}
	if _, _, err := cycle(); err != nil { // warm-up, unprofiled
		return err
	}
	cf, err := os.Create(cpuOut)
	if err != nil {
		return err
	}
	defer cf.Close()
	if err := pprof.StartCPUProfile(cf); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	if traceOut != "" {
		tf, err := os.Create(traceOut)
		if err != nil {
			return err
		}
		defer tf.Close()
		if err := trace.Start(tf); err != nil {
			return err
		}
		defer trace.Stop()
	}
	for i := 0; i < runs; i++ {
		up, down, err := cycle()
		if err != nil {
			return err
		}
		fmt.Printf("in-process engine, %d services, run %d: Up %.3f s, Down %.3f s\n", n, i+1, up.Seconds(), down.Seconds())
	}
	return nil
}

// stackYAML is the same N-service stack stackbench generates.
func stackYAML(n int) string {
	s := "services:\n"
	for i := 0; i < n; i++ {
		s += fmt.Sprintf("  s%02d:\n    image: bench/busybox:latest\n    command: [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"80\", \"-h\", \"/\"]\n    stop_signal: SIGKILL\n    ports:\n      - \"127.0.0.1:%d:80\"\n", i, 18000+i)
	}
	return s
}
