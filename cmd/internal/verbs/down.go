package verbs

import (
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mini-compose/mini-compose/api"
)

var downCommand = &cli.Command{
	Name:  "down",
	Usage: "stop and remove containers, networks and everything up created",
	Flags: []cli.Flag{
		&cli.IntFlag{Name: "timeout", Aliases: []string{"t"}, Value: -1, Usage: "shutdown timeout in seconds (default: each service's stop_grace_period)"},
		&cli.BoolFlag{Name: "volumes", Aliases: []string{"v"}, Usage: "also remove the project's named volumes and its containers' anonymous volumes"},
		&cli.BoolFlag{Name: "remove-orphans", Usage: "accepted for compatibility: down always removes every container of the project"},
	},
	Action: func(c *cli.Context) error {
		name, cl, err := projectClient(c)
		if err != nil {
			return err
		}
		req := api.DownRequest{Project: name, Volumes: c.Bool("volumes")}
		if t := c.Int("timeout"); t >= 0 {
			d := time.Duration(t) * time.Second
			req.Timeout = &d
		}
		start := time.Now()
		if err := cl.Down(req); err != nil {
			return fmt.Errorf("down %s: %w", name, err)
		}
		fmt.Fprintf(os.Stderr, " Project %s removed in %s\n", name, time.Since(start).Round(time.Millisecond))
		return nil
	},
}
