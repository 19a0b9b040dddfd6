package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Tool is a compose implementation under test.
type Tool interface {
	Name() string
	Up(ctx context.Context, file, project string) error
	Down(ctx context.Context, file, project string) error
	// Running counts the project's running containers.
	Running(ctx context.Context, file, project string) (int, error)
	// Gone reports whether nothing of the project is left.
	Gone(ctx context.Context, file, project string) (bool, error)
}

func run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("run %s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// MiniCompose drives bin/mini-compose with a state root of its own.
type MiniCompose struct {
	Bin  string
	Root string
}

// Name implements Tool.
func (m MiniCompose) Name() string { return "mini-compose" }

func (m MiniCompose) args(file, project string, verb ...string) []string {
	return append([]string{"--root", m.Root, "-f", file, "-p", project}, verb...)
}

// Up implements Tool.
func (m MiniCompose) Up(ctx context.Context, file, project string) error {
	_, err := run(ctx, m.Bin, m.args(file, project, "up", "-d")...)
	return err
}

// Down implements Tool.
func (m MiniCompose) Down(ctx context.Context, file, project string) error {
	_, err := run(ctx, m.Bin, m.args(file, project, "down")...)
	return err
}

// Running implements Tool, with `ps --format json`.
func (m MiniCompose) Running(ctx context.Context, file, project string) (int, error) {
	out, err := run(ctx, m.Bin, m.args(file, project, "ps", "--format", "json")...)
	if err != nil {
		return 0, err
	}
	return countRunning(out)
}

// countRunning counts the rows of mini-compose's `ps --format json` (one
// JSON array, or null) whose state is "running".
func countRunning(out []byte) (int, error) {
	var rows []struct {
		State string `json:"state"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &rows); err != nil {
		return 0, fmt.Errorf("parse ps json: %w", err)
	}
	n := 0
	for _, r := range rows {
		if r.State == "running" {
			n++
		}
	}
	return n, nil
}

// Gone implements Tool without asking the daemon (a CLI call would respawn
// it): the project's state file and containers are gone from the root, and
// no link or nftables table of ours is left in this network namespace.
func (m MiniCompose) Gone(ctx context.Context, file, project string) (bool, error) {
	if _, err := os.Stat(filepath.Join(m.Root, "projects", project+".json")); err == nil {
		return false, nil
	}
	for _, d := range []string{"containers", "libcontainer"} {
		ents, err := os.ReadDir(filepath.Join(m.Root, d))
		if err != nil && !os.IsNotExist(err) {
			return false, err
		}
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), project+"-") {
				return false, nil
			}
		}
	}
	return kernelClean(project)
}

// DaemonPid returns the pid of the daemon serving m.Root, 0 if none runs.
func (m MiniCompose) DaemonPid() int { return m.pidOf(isDaemonCmdline) }

// LoaderPid returns the pid of the warm loader of m.Root, 0 if none runs.
func (m MiniCompose) LoaderPid() int { return m.pidOf(isLoaderCmdline) }

// pidOf returns the first process whose command line match accepts.
func (m MiniCompose) pidOf(match func(argv []string, root string) bool) int {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if match(strings.Split(strings.TrimRight(string(b), "\x00"), "\x00"), m.Root) {
			return pid
		}
	}
	return 0
}

// isDaemonCmdline matches "mini-compose-daemon --root R" (the daemon's own
// binary) and "mini-compose --root R daemon" (the fallback).
func isDaemonCmdline(argv []string, root string) bool {
	switch {
	case len(argv) == 3:
		return strings.HasSuffix(argv[0], "mini-compose-daemon") && argv[1] == "--root" && argv[2] == root
	case len(argv) == 4:
		return argv[1] == "--root" && argv[2] == root && argv[3] == "daemon"
	}
	return false
}

// isLoaderCmdline matches "mini-compose-full --root R loader".
func isLoaderCmdline(argv []string, root string) bool {
	return len(argv) == 4 && argv[1] == "--root" && argv[2] == root && argv[3] == "loader"
}

// DockerCompose drives Docker Compose (v1 `docker-compose` or the v2
// plugin) against a running dockerd.
type DockerCompose struct {
	Compose []string // e.g. ["docker-compose"] or ["docker", "compose"]
	Docker  string   // docker CLI
}

// Name implements Tool.
func (d DockerCompose) Name() string { return "docker-compose" }

func (d DockerCompose) compose(ctx context.Context, file, project string, verb ...string) error {
	_, err := d.composeOutput(ctx, file, project, verb...)
	return err
}

// composeOutput runs a compose verb on the project and returns its stdout.
func (d DockerCompose) composeOutput(ctx context.Context, file, project string, verb ...string) ([]byte, error) {
	args := append(append(append([]string(nil), d.Compose[1:]...), "-f", file, "-p", project), verb...)
	return run(ctx, d.Compose[0], args...)
}

// Up implements Tool.
func (d DockerCompose) Up(ctx context.Context, file, project string) error {
	return d.compose(ctx, file, project, "up", "-d")
}

// Down implements Tool.
func (d DockerCompose) Down(ctx context.Context, file, project string) error {
	return d.compose(ctx, file, project, "down")
}

// Running implements Tool.
func (d DockerCompose) Running(ctx context.Context, file, project string) (int, error) {
	out, err := run(ctx, d.Docker, "ps", "-q", "--filter", "label=com.docker.compose.project="+project, "--filter", "status=running")
	if err != nil {
		return 0, err
	}
	return len(strings.Fields(string(out))), nil
}

// Gone implements Tool: no container and no network of the project left.
func (d DockerCompose) Gone(ctx context.Context, file, project string) (bool, error) {
	label := "label=com.docker.compose.project=" + project
	out, err := run(ctx, d.Docker, "ps", "-aq", "--filter", label)
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		return false, err
	}
	out, err = run(ctx, d.Docker, "network", "ls", "-q", "--filter", label)
	return err == nil && len(bytes.TrimSpace(out)) == 0, err
}

// PodmanCompose drives podman-compose (1.0.x, Debian's) with podman. It
// differs from Docker Compose in two ways that the harness must handle:
// it exits 0 when `podman run` fails (only printing "exit code: N"), and
// its `down` leaves the project's networks, which Docker Compose removes;
// Down removes them too, inside the timed part, so that both peers are
// measured to the same end state (no container, no network).
type PodmanCompose struct {
	DockerCompose
}

// Name implements Tool.
func (p PodmanCompose) Name() string { return "podman-compose" }

// Up implements Tool.
func (p PodmanCompose) Up(ctx context.Context, file, project string) error {
	out, err := p.composeOutput(ctx, file, project, "up", "-d")
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(out), "\n") {
		if code, ok := strings.CutPrefix(strings.TrimSpace(line), "exit code: "); ok && code != "0" {
			return fmt.Errorf("podman-compose up: a podman command failed (exit code %s)", code)
		}
	}
	return nil
}

// Down implements Tool.
func (p PodmanCompose) Down(ctx context.Context, file, project string) error {
	if err := p.DockerCompose.Down(ctx, file, project); err != nil {
		return err
	}
	out, err := run(ctx, p.Docker, "network", "ls", "-q", "--filter", "label=com.docker.compose.project="+project)
	if err != nil {
		return err
	}
	if ids := strings.Fields(string(out)); len(ids) > 0 {
		_, err = run(ctx, p.Docker, append([]string{"network", "rm", "-f"}, ids...)...)
	}
	return err
}
