package main

import (
	"context"
	"os"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/urfave/cli/v2"

	"github.com/mini-compose/mini-compose/daemon"
	"github.com/mini-compose/mini-compose/project"
)

var globalFlags = []cli.Flag{
	&cli.StringSliceFlag{Name: "file", Aliases: []string{"f"}, Usage: "compose configuration files"},
	&cli.StringFlag{Name: "project-name", Aliases: []string{"p"}, Usage: "project name"},
	&cli.StringFlag{Name: "project-directory", Usage: "alternate working directory (default: the first file's directory)"},
	&cli.StringSliceFlag{Name: "env-file", Usage: "alternate environment files"},
	&cli.StringSliceFlag{Name: "profile", Usage: "profiles to enable"},
	&cli.StringFlag{Name: "root", Value: "/var/lib/mini-compose", EnvVars: []string{"MINI_COMPOSE_ROOT"}, Usage: "state directory"},
}

// loadProject loads the compose model selected by the global flags, keeping
// only the named services (and what they depend on) when names are given.
func loadProject(c *cli.Context, services []string) (*types.Project, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	p, err := project.Load(context.Background(), project.Options{
		ConfigPaths: c.StringSlice("file"),
		ProjectName: c.String("project-name"),
		WorkingDir:  c.String("project-directory"),
		EnvFiles:    c.StringSlice("env-file"),
		Profiles:    c.StringSlice("profile"),
		Environ:     os.Environ(),
		Cwd:         cwd,
	})
	if err != nil {
		return nil, err
	}
	if len(services) > 0 {
		return p.WithSelectedServices(services, types.IncludeDependencies)
	}
	return p, nil
}

// projectName is the project that ps, down, logs and exec act on: -p, or
// the name the compose files give.
func projectName(c *cli.Context) (string, error) {
	if n := c.String("project-name"); n != "" {
		return n, nil
	}
	if n := os.Getenv("COMPOSE_PROJECT_NAME"); n != "" {
		return n, nil
	}
	p, err := loadProject(c, nil)
	if err != nil {
		return "", err
	}
	return p.Name, nil
}

func client(c *cli.Context) (*daemon.Client, error) {
	return daemon.Connect(c.String("root"))
}

// projectClient returns the project the command acts on and a client of
// the daemon.
func projectClient(c *cli.Context) (string, *daemon.Client, error) {
	name, err := projectName(c)
	if err != nil {
		return "", nil, err
	}
	cl, err := client(c)
	return name, cl, err
}
