package main

import (
	"github.com/urfave/cli/v2"

	"github.com/mini-compose/mini-compose/cmd/internal/loader"
	"github.com/mini-compose/mini-compose/daemon"
)

var daemonCommand = &cli.Command{
	Name:   "daemon",
	Usage:  "run the state root's daemon (started on demand by the other commands)",
	Hidden: true,
	Action: func(c *cli.Context) error { return daemon.Run(c.String("root")) },
}

var loaderCommand = &cli.Command{
	Name:   "loader",
	Usage:  "serve compose-file loading to the thin CLI (started on demand)",
	Hidden: true,
	Action: func(c *cli.Context) error { return loader.Serve(c.String("root")) },
}
