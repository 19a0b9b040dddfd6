package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// pollEvery is the pause between two readiness checks.
const pollEvery = 5 * time.Millisecond

// Run is the measurement of one up/down cycle.
type Run struct {
	UpReturn time.Duration // `up -d` exited
	UpReady  time.Duration // every container running and every port answering
	Down     time.Duration // `down` exited and nothing of the project left
}

// answers reports whether an HTTP server answers a GET on 127.0.0.1:port
// (any status line counts: busybox httpd serves 404 for "/").
func answers(port int) bool {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("GET / HTTP/1.0\r\n\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "HTTP/")
}

// waitReady polls until every port of st answers and tool reports
// st.Services running containers. Each round probes all pending ports at
// once and asks the tool at the same time, so that the probe itself adds
// as little as possible to the figure (busybox httpd forks per connection:
// 20 ports probed one after the other took ~45 ms here).
func waitReady(ctx context.Context, tool Tool, file, project string, st Stack) error {
	pending := append([]int(nil), st.Ports...)
	for {
		type count struct {
			n   int
			err error
		}
		running := make(chan count, 1)
		go func() {
			n, err := tool.Running(ctx, file, project)
			running <- count{n, err}
		}()
		pending = silentPorts(pending)
		r := <-running
		if r.err != nil {
			return r.err
		}
		if len(pending) == 0 && r.n == st.Services {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s stack %s: %d ports silent, %d of %d running: %w", tool.Name(), st.Name, len(pending), r.n, st.Services, ctx.Err())
		case <-time.After(pollEvery):
		}
	}
}

// silentPorts probes ports concurrently and returns those that do not
// answer yet, in their order.
func silentPorts(ports []int) []int {
	ok := make([]bool, len(ports))
	var wg sync.WaitGroup
	for i, p := range ports {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok[i] = answers(p)
		}()
	}
	wg.Wait()
	var silent []int
	for i, p := range ports {
		if !ok[i] {
			silent = append(silent, p)
		}
	}
	return silent
}

// waitGone polls until tool reports nothing of the project left.
func waitGone(ctx context.Context, tool Tool, file, project string) error {
	for {
		gone, err := tool.Gone(ctx, file, project)
		if err != nil {
			return err
		}
		if gone {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s project %s to go: %w", tool.Name(), project, ctx.Err())
		case <-time.After(pollEvery):
		}
	}
}

// cycle runs up, waits until ready, calls between (if any) while the stack
// is up, then takes it down and waits until it is gone.
func cycle(ctx context.Context, tool Tool, dir, project string, st Stack, between func()) (r Run, err error) {
	file := filepath.Join(dir, "compose-"+st.Name+".yaml")
	if err := os.WriteFile(file, []byte(st.YAML), 0o644); err != nil {
		return r, fmt.Errorf("write compose file: %w", err)
	}
	t0 := time.Now()
	if err := tool.Up(ctx, file, project); err != nil {
		_ = tool.Down(context.Background(), file, project)
		return r, err
	}
	r.UpReturn = time.Since(t0)
	if err := waitReady(ctx, tool, file, project, st); err != nil {
		_ = tool.Down(context.Background(), file, project)
		return r, err
	}
	r.UpReady = time.Since(t0)
	if between != nil {
		between()
	}
	t0 = time.Now()
	if err := tool.Down(ctx, file, project); err != nil {
		return r, err
	}
	if err := waitGone(ctx, tool, file, project); err != nil {
		return r, err
	}
	r.Down = time.Since(t0)
	return r, nil
}
