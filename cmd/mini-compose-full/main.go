// Command mini-compose-full is the complete CLI: every verb, compose files
// read in-process. The thin mini-compose runs its verbs itself and hands
// the rest (exec, image) to this binary, which also serves as the thin
// CLI's warm loader (hidden verb "loader").
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/mini-compose/mini-compose/cmd/internal/loader"
	"github.com/mini-compose/mini-compose/cmd/internal/verbs"
	"github.com/mini-compose/mini-compose/runtime"
)

// init runs libcontainer's container init when the binary is re-executed
// as "init" by libcontainer; it is cheap otherwise.
func init() { runtime.Init() }

// exitError carries the exit code of an exec to main.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	app := verbs.NewApp(loader.Local{}, imageCommand, execCommand, daemonCommand, loaderCommand)
	if err := app.Run(os.Args); err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "mini-compose:", err)
		os.Exit(1)
	}
}
