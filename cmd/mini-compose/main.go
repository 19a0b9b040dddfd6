// Command mini-compose runs compose stacks without a Docker daemon.
//
// This is the thin front end: it links neither compose-go nor the
// container runtime, so that it starts in a third of the time of the whole
// CLI. Compose files are read by the state root's warm loader
// (mini-compose-full's hidden `loader` verb, started on demand, which keeps
// compose-go's compiled schema between runs); the verbs that need the
// runtime or the image store (exec, image) run mini-compose-full itself.
package main

import (
	"fmt"
	"os"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/mini-compose/mini-compose/cmd/internal/verbs"
	"github.com/mini-compose/mini-compose/internal/ondemand"
)

// fullName is the complete CLI, installed next to this binary.
const fullName = "mini-compose-full"

// handedOverEnv marks a process that the thin CLI handed a command to.
const handedOverEnv = "MINI_COMPOSE_HANDED_OVER"

// handedOver are the verbs that mini-compose-full runs.
var handedOver = []struct{ name, usage string }{
	{"exec", "run a command in a running container of a service"},
	{"image", "manage the local image store"},
	{"daemon", ""}, // the daemon's fallback when mini-compose-daemon is missing
}

func main() {
	full, haveFull := ondemand.Executable(fullName)
	handOver := func(*cli.Context) error {
		if !haveFull {
			return fmt.Errorf("%s is not installed next to this binary (make build installs both)", fullName)
		}
		// A mini-compose-full that is this binary again would hand over
		// forever.
		if os.Getenv(handedOverEnv) != "" {
			return fmt.Errorf("%s handed the command back: it is not the complete CLI", full)
		}
		env := append(os.Environ(), handedOverEnv+"=1")
		if err := syscall.Exec(full, append([]string{full}, os.Args[1:]...), env); err != nil {
			return fmt.Errorf("run %s: %w", full, err)
		}
		return nil
	}
	loader := verbs.Remote{}
	app := verbs.NewApp(&loader)
	app.Before = func(c *cli.Context) error {
		if err := verbs.AbsRoot(c); err != nil {
			return err
		}
		loader.Root = c.String("root")
		if haveFull {
			loader.Start = []string{full, "--root", loader.Root, "loader"}
		}
		loader.Fallback = func() error { return handOver(c) }
		return nil
	}
	for _, h := range handedOver {
		app.Commands = append(app.Commands, &cli.Command{
			Name: h.name, Usage: h.usage, Hidden: h.usage == "",
			SkipFlagParsing: true, Action: handOver,
		})
	}
	if err := app.Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "mini-compose:", err)
		os.Exit(1)
	}
}
