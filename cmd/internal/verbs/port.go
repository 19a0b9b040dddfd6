package verbs

import (
	"fmt"
	"strconv"

	"github.com/urfave/cli/v2"
)

var portCommand = &cli.Command{
	Name:      "port",
	Usage:     "print the public address of a service's port",
	ArgsUsage: "SERVICE PRIVATE_PORT",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "protocol", Value: "tcp", Usage: "tcp or udp"},
		&cli.IntFlag{Name: "index", Value: 1, Usage: "replica number of the service"},
	},
	Action: func(c *cli.Context) error {
		if c.NArg() != 2 {
			return fmt.Errorf("port: want SERVICE PRIVATE_PORT")
		}
		port, err := strconv.ParseUint(c.Args().Get(1), 10, 16)
		if err != nil {
			return fmt.Errorf("port: bad port %q", c.Args().Get(1))
		}
		name, err := ProjectName(c)
		if err != nil {
			return err
		}
		cl, err := Client(c)
		if err != nil {
			return err
		}
		addr, err := cl.Port(name, c.Args().First(), uint16(port), c.String("protocol"), c.Int("index"))
		if err != nil {
			return fmt.Errorf("port: %w", err)
		}
		fmt.Println(addr)
		return nil
	},
}
