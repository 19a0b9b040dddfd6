package verbs

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/mini-compose/mini-compose/api"
)

var networkCommand = &cli.Command{
	Name:  "network",
	Usage: "manage networks outside a compose file",
	Subcommands: []*cli.Command{
		networkLsCommand, networkInspectCommand, networkCreateCommand, networkRmCommand,
		networkConnectCommand, networkDisconnectCommand,
	},
}

var networkLsCommand = &cli.Command{
	Name:    "ls",
	Aliases: []string{"list"},
	Usage:   "list networks",
	Flags:   []cli.Flag{&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "only show names"}},
	Action: func(c *cli.Context) error {
		cl, err := Client(c)
		if err != nil {
			return err
		}
		nets, err := cl.Networks()
		if err != nil {
			return fmt.Errorf("network ls: %w", err)
		}
		w := tabwriter.NewWriter(os.Stdout, 0, 4, 3, ' ', 0)
		if !c.Bool("quiet") {
			fmt.Fprintln(w, "NAME\tDRIVER\tSUBNETS\tGATEWAY\tINTERNAL\tOWNER\tPROJECTS")
		}
		for _, n := range nets {
			if c.Bool("quiet") {
				fmt.Fprintln(w, n.Name)
				continue
			}
			owner := n.Owner
			if owner == "" {
				owner = "-"
			}
			subnets := make([]string, 0, len(n.Subnets))
			for _, s := range n.Subnets {
				subnets = append(subnets, s.String())
			}
			if len(subnets) == 0 {
				subnets = append(subnets, n.Subnet.String())
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%t\t%s\t%s\n", n.Name, n.Driver, strings.Join(subnets, ","), n.Gateway, n.Internal,
				owner, strings.Join(n.Projects, ","))
		}
		return w.Flush()
	},
}

var networkInspectCommand = &cli.Command{
	Name:      "inspect",
	Usage:     "show a network and its containers as JSON",
	ArgsUsage: "NETWORK...",
	Action: func(c *cli.Context) error {
		if c.NArg() == 0 {
			return fmt.Errorf("network inspect: want NETWORK")
		}
		cl, err := Client(c)
		if err != nil {
			return err
		}
		var out []*api.NetworkInspect
		for _, name := range c.Args().Slice() {
			n, err := cl.InspectNetwork(name)
			if err != nil {
				return fmt.Errorf("network inspect: %w", err)
			}
			out = append(out, n)
		}
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	},
}

var networkCreateCommand = &cli.Command{
	Name:      "create",
	Usage:     "create a network that compose files can use as external",
	ArgsUsage: "NAME",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "driver", Aliases: []string{"d"}, Value: "bridge", Usage: "network driver"},
		&cli.StringSliceFlag{Name: "subnet", Usage: "subnet in CIDR form, repeatable (default: from the address pools)"},
		&cli.StringFlag{Name: "gateway", Usage: "gateway address of the first subnet"},
		&cli.BoolFlag{Name: "internal", Usage: "no access to or from outside the network"},
		&cli.BoolFlag{Name: "ipv6", Usage: "enable IPv6"},
		&cli.StringSliceFlag{Name: "label", Usage: "KEY=VALUE labels"},
		&cli.StringSliceFlag{Name: "opt", Aliases: []string{"o"}, Usage: "KEY=VALUE driver options"},
	},
	Action: func(c *cli.Context) error {
		if c.NArg() != 1 {
			return fmt.Errorf("network create: want exactly one NAME")
		}
		cl, err := Client(c)
		if err != nil {
			return err
		}
		n, err := cl.CreateNetwork(api.NetworkCreate{Name: c.Args().First(), Driver: c.String("driver"),
			Subnets: c.StringSlice("subnet"), Gateway: c.String("gateway"), Internal: c.Bool("internal"),
			EnableIPv6: c.Bool("ipv6"), Labels: keyValues(c.StringSlice("label")), Options: keyValues(c.StringSlice("opt"))})
		if err != nil {
			return fmt.Errorf("network create: %w", err)
		}
		fmt.Println(n.Name)
		return nil
	},
}

func keyValues(kvs []string) map[string]string {
	if len(kvs) == 0 {
		return nil
	}
	m := map[string]string{}
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

var networkRmCommand = &cli.Command{
	Name:      "rm",
	Aliases:   []string{"remove"},
	Usage:     "remove networks that no project uses",
	ArgsUsage: "NETWORK...",
	Action: func(c *cli.Context) error {
		cl, err := Client(c)
		if err != nil {
			return err
		}
		for _, name := range c.Args().Slice() {
			if err := cl.RemoveNetwork(name); err != nil {
				return fmt.Errorf("network rm: %w", err)
			}
			fmt.Println(name)
		}
		return nil
	},
}

var networkConnectCommand = &cli.Command{
	Name:      "connect",
	Usage:     "connect a running container to a network",
	ArgsUsage: "NETWORK CONTAINER",
	Flags: []cli.Flag{
		&cli.StringSliceFlag{Name: "alias", Usage: "extra DNS name of the container on the network"},
		&cli.StringFlag{Name: "ip", Usage: "IPv4 address on the network"},
		&cli.StringFlag{Name: "ip6", Usage: "IPv6 address on the network"},
	},
	Action: func(c *cli.Context) error {
		if c.NArg() != 2 {
			return fmt.Errorf("network connect: want NETWORK CONTAINER")
		}
		cl, err := Client(c)
		if err != nil {
			return err
		}
		err = cl.Connect(api.ConnectRequest{Network: c.Args().Get(0), Container: c.Args().Get(1),
			Aliases: c.StringSlice("alias"), IPv4: c.String("ip"), IPv6: c.String("ip6")})
		if err != nil {
			return fmt.Errorf("network connect: %w", err)
		}
		return nil
	},
}

var networkDisconnectCommand = &cli.Command{
	Name:      "disconnect",
	Usage:     "disconnect a container from a network",
	ArgsUsage: "NETWORK CONTAINER",
	Action: func(c *cli.Context) error {
		if c.NArg() != 2 {
			return fmt.Errorf("network disconnect: want NETWORK CONTAINER")
		}
		cl, err := Client(c)
		if err != nil {
			return err
		}
		if err := cl.Disconnect(c.Args().Get(0), c.Args().Get(1)); err != nil {
			return fmt.Errorf("network disconnect: %w", err)
		}
		return nil
	},
}
