package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/mini-compose/mini-compose/project"
)

var configCommand = &cli.Command{
	Name:  "config",
	Usage: "validate and print the normalized compose model",
	Flags: []cli.Flag{
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "only validate"},
		&cli.BoolFlag{Name: "services", Usage: "print the service names"},
	},
	Action: func(c *cli.Context) error {
		p, err := loadProject(c, c.Args().Slice())
		if err != nil {
			return err
		}
		if _, err := project.Build(p); err != nil {
			return err
		}
		if c.Bool("quiet") {
			return nil
		}
		if c.Bool("services") {
			for _, s := range p.ServiceNames() {
				fmt.Println(s)
			}
			return nil
		}
		out, err := project.MarshalConfig(p)
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(out)
		return err
	},
}
