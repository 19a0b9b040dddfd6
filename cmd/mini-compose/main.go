// Command mini-compose runs compose stacks without a Docker daemon.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/mini-compose/mini-compose/runtime"
)

// init runs libcontainer's container init when the binary is re-executed
// as "init" by libcontainer; it is cheap otherwise.
func init() { runtime.Init() }

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// exitError carries a process exit code (exec, a failed up) to main.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	app := &cli.App{
		Name:                   "mini-compose",
		Usage:                  "run compose stacks without a Docker daemon",
		Version:                version,
		UseShortOptionHandling: true,
		Flags:                  globalFlags,
		Commands: []*cli.Command{
			upCommand, downCommand, psCommand, configCommand, imageCommand,
			execCommand, logsCommand, daemonCommand, networkCommand, portCommand,
		},
	}
	if err := app.Run(os.Args); err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "mini-compose:", err)
		os.Exit(1)
	}
}
