package verbs

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
)

var psCommand = &cli.Command{
	Name:      "ps",
	Usage:     "list the project's containers",
	ArgsUsage: "[SERVICE...]",
	Flags: []cli.Flag{
		&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "also show stopped containers"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "only show names"},
		&cli.StringFlag{Name: "format", Usage: "table or json"},
	},
	Action: func(c *cli.Context) error {
		name, cl, err := projectClient(c)
		if err != nil {
			return err
		}
		rows, err := cl.Ps(name)
		if err != nil {
			return err
		}
		want := map[string]bool{}
		for _, s := range c.Args().Slice() {
			want[s] = true
		}
		kept := rows[:0]
		for _, r := range rows {
			if (len(want) == 0 || want[r.Service]) && (c.Bool("all") || r.State == "running") {
				kept = append(kept, r)
			}
		}
		switch {
		case c.String("format") == "json":
			return json.NewEncoder(os.Stdout).Encode(kept)
		case c.Bool("quiet"):
			for _, r := range kept {
				fmt.Println(r.Name)
			}
			return nil
		}
		w := tabwriter.NewWriter(os.Stdout, 0, 4, 3, ' ', 0)
		fmt.Fprintln(w, "NAME\tIMAGE\tCOMMAND\tSERVICE\tSTATUS\tPORTS")
		for _, r := range kept {
			cmd := r.Command
			if len(cmd) > 30 {
				cmd = cmd[:27] + "..."
			}
			fmt.Fprintf(w, "%s\t%s\t%q\t%s\t%s\t%s\n", r.Name, r.Image, cmd, r.Service, r.Status, strings.Join(r.Ports, ", "))
		}
		return w.Flush()
	},
}
