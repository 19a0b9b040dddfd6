package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/mini-compose/mini-compose/runtime"
	"github.com/mini-compose/mini-compose/runtime/imageio"
)

func openStore(c *cli.Context) (*runtime.Store, error) {
	return imageio.OpenStore(filepath.Join(c.String("root"), "images"))
}

var imageCommand = &cli.Command{
	Name:  "image",
	Usage: "manage the local image store",
	Subcommands: []*cli.Command{
		{
			Name:  "load",
			Usage: "load images from a docker save or OCI archive",
			Flags: []cli.Flag{&cli.StringFlag{Name: "input", Aliases: []string{"i"}, Required: true, Usage: "archive to read"}},
			Action: func(c *cli.Context) error {
				s, err := openStore(c)
				if err != nil {
					return err
				}
				refs, err := imageio.Load(s, c.String("input"))
				if err != nil {
					return fmt.Errorf("load %q: %w", c.String("input"), err)
				}
				for _, r := range refs {
					fmt.Println("Loaded image:", r)
				}
				return nil
			},
		},
		{
			Name:    "ls",
			Aliases: []string{"list"},
			Usage:   "list images",
			Action: func(c *cli.Context) error {
				s, err := openStore(c)
				if err != nil {
					return err
				}
				imgs, err := s.List()
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(os.Stdout, 0, 4, 3, ' ', 0)
				fmt.Fprintln(w, "REPOSITORY:TAG\tIMAGE ID\tSIZE")
				for _, img := range imgs {
					fmt.Fprintf(w, "%s\t%.12s\t%d\n", strings.Join(img.Tags, ","), strings.TrimPrefix(img.ID, "sha256:"), img.Size)
				}
				return w.Flush()
			},
		},
		{
			Name:      "rm",
			Usage:     "remove images",
			ArgsUsage: "IMAGE...",
			Action: func(c *cli.Context) error {
				s, err := openStore(c)
				if err != nil {
					return err
				}
				for _, ref := range c.Args().Slice() {
					if err := s.Remove(ref); err != nil {
						return err
					}
					fmt.Println("Deleted:", ref)
				}
				return nil
			},
		},
	},
}
