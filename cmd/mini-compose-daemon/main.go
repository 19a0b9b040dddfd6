// Command mini-compose-daemon is the daemon of a state root, as a binary of
// its own: libcontainer re-executes the daemon's binary for every container
// start, and this one links neither the compose loader nor the CLI, whose
// package initialisers would add milliseconds to each start. The
// mini-compose CLI starts it on demand (or runs `mini-compose daemon` when
// this binary is not installed next to it).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/mini-compose/mini-compose/daemon"
	"github.com/mini-compose/mini-compose/runtime"
)

func init() { runtime.Init() }

func main() {
	root := flag.String("root", "/var/lib/mini-compose", "state directory")
	flag.Parse()
	if err := daemon.Run(*root); err != nil {
		fmt.Fprintln(os.Stderr, "mini-compose-daemon:", err)
		os.Exit(1)
	}
}
