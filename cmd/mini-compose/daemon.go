package main

import (
	"github.com/urfave/cli/v2"

	"github.com/mini-compose/mini-compose/daemon"
)

var daemonCommand = &cli.Command{
	Name:   "daemon",
	Usage:  "run the state root's daemon (started on demand by the other commands)",
	Hidden: true,
	Action: func(c *cli.Context) error { return daemon.Run(c.String("root")) },
}
