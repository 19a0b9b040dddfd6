package main

import (
	"context"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/mini-compose/mini-compose/cmd/internal/verbs"
	"github.com/mini-compose/mini-compose/runtime"
)

var execCommand = &cli.Command{
	Name:      "exec",
	Usage:     "run a command in a running container of a service",
	ArgsUsage: "SERVICE COMMAND [ARGS...]",
	Flags: []cli.Flag{
		&cli.BoolFlag{Name: "no-TTY", Aliases: []string{"T"}, Usage: "accepted for compatibility: no TTY is allocated"},
		&cli.BoolFlag{Name: "interactive", Aliases: []string{"i"}, Value: true, Usage: "keep STDIN open"},
		&cli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "set environment variables"},
		&cli.StringFlag{Name: "workdir", Aliases: []string{"w"}, Usage: "working directory"},
		&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "user to run as"},
		&cli.IntFlag{Name: "index", Value: 1, Usage: "replica of the service"},
	},
	SkipFlagParsing: false,
	Action: func(c *cli.Context) error {
		args := c.Args().Slice()
		if len(args) < 2 {
			return fmt.Errorf("exec needs a service and a command")
		}
		name, err := verbs.ContainerOf(c, args[0], c.Int("index"))
		if err != nil {
			return err
		}
		rt, err := runtime.NewRuntime(c.String("root"))
		if err != nil {
			return err
		}
		spec := runtime.ExecSpec{Args: args[1:], Env: c.StringSlice("env"), Cwd: c.String("workdir"),
			User: c.String("user"), Stdout: os.Stdout, Stderr: os.Stderr}
		if c.Bool("interactive") {
			spec.Stdin = os.Stdin
		}
		code, err := rt.Exec(context.Background(), name, spec)
		if err != nil {
			return fmt.Errorf("exec in %s: %w", name, err)
		}
		if code != 0 {
			return exitError{code}
		}
		return nil
	},
}
