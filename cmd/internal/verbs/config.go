package verbs

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

var configCommand = &cli.Command{
	Name:  "config",
	Usage: "validate and print the normalized compose model",
	Flags: []cli.Flag{
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "only validate"},
		&cli.BoolFlag{Name: "services", Usage: "print the service names"},
	},
	Action: func(c *cli.Context) error {
		req, err := request(c, WantConfig)
		if err != nil {
			return err
		}
		req.Services, req.NoRender = c.Args().Slice(), c.Bool("quiet") || c.Bool("services")
		res, err := loader.Load(req)
		if err != nil {
			return err
		}
		if c.Bool("quiet") {
			return nil
		}
		if c.Bool("services") {
			for _, s := range res.Services {
				fmt.Println(s)
			}
			return nil
		}
		_, err = os.Stdout.Write(res.Config)
		return err
	},
}
