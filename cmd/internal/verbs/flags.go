// Package verbs holds the CLI's verbs that need neither compose-go nor the
// container runtime: both binaries run them. Compose files are read
// through a Loader: in-process in mini-compose-full, through the warm
// loader process in the thin mini-compose.
package verbs

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/mini-compose/mini-compose/daemon/client"
	"github.com/mini-compose/mini-compose/internal/ondemand"
	"github.com/mini-compose/mini-compose/project/plan"
)

// GlobalFlags are docker compose's global options.
var GlobalFlags = []cli.Flag{
	&cli.StringSliceFlag{Name: "file", Aliases: []string{"f"}, Usage: "compose configuration files"},
	&cli.StringFlag{Name: "project-name", Aliases: []string{"p"}, Usage: "project name"},
	&cli.StringFlag{Name: "project-directory", Usage: "alternate working directory (default: the first file's directory)"},
	&cli.StringSliceFlag{Name: "env-file", Usage: "alternate environment files"},
	&cli.StringSliceFlag{Name: "profile", Usage: "profiles to enable"},
	&cli.StringFlag{Name: "root", Value: "/var/lib/mini-compose", EnvVars: []string{"MINI_COMPOSE_ROOT"}, Usage: "state directory"},
}

// Version is set at build time with -ldflags
// "-X github.com/mini-compose/mini-compose/cmd/internal/verbs.Version=...".
var Version = "dev"

// NewApp is the CLI with docker compose's global flags and the verbs of
// this package, reading compose files with l, plus more.
func NewApp(l Loader, more ...*cli.Command) *cli.App {
	return &cli.App{
		Name:                   "mini-compose",
		Usage:                  "run compose stacks without a Docker daemon",
		Version:                Version,
		UseShortOptionHandling: true,
		Flags:                  GlobalFlags,
		Before:                 AbsRoot,
		Commands:               append(Commands(l), more...),
	}
}

// Loader reads the compose files a request selects.
type Loader interface {
	Load(req LoadRequest) (*LoadResult, error)
}

// What a LoadRequest asks for.
const (
	WantName   = "name"   // the project name only
	WantPlan   = "plan"   // the plan of up
	WantConfig = "config" // the normalized model, as `config` prints it
)

// LoadRequest is what the global flags, the environment and the working
// directory of one CLI run select, and what the verb needs of it.
type LoadRequest struct {
	Want        string   `json:"want"`
	ConfigPaths []string `json:"config_paths,omitempty"`
	ProjectName string   `json:"project_name,omitempty"`
	WorkingDir  string   `json:"working_dir,omitempty"`
	EnvFiles    []string `json:"env_files,omitempty"`
	Profiles    []string `json:"profiles,omitempty"`
	Environ     []string `json:"environ"`
	Cwd         string   `json:"cwd"`
	Services    []string `json:"services,omitempty"`  // keep these and their dependencies
	Scale       []string `json:"scale,omitempty"`     // --scale SERVICE=NUM
	Terminal    bool     `json:"terminal,omitempty"`  // warnings go to a terminal
	NoRender    bool     `json:"no_render,omitempty"` // WantConfig: validate only, no YAML
}

// LoadResult is the loaded project, as far as the request wanted it.
type LoadResult struct {
	Name     string     `json:"name"`
	Plan     *plan.Plan `json:"plan,omitempty"`
	Known    []string   `json:"known,omitempty"`    // every service the files define, disabled ones too
	Services []string   `json:"services,omitempty"` // the selected services, in order
	Config   []byte     `json:"config,omitempty"`   // WantConfig: the model as YAML
}

// AbsRoot makes --root absolute: the daemon and the loader run in /.
func AbsRoot(c *cli.Context) error {
	abs, err := filepath.Abs(c.String("root"))
	if err != nil {
		return fmt.Errorf("--root: %w", err)
	}
	return c.Set("root", abs)
}

// loader is the Loader of this process, set by Commands.
var loader Loader

// Commands are the verbs of this package, reading compose files with l.
func Commands(l Loader) []*cli.Command {
	loader = l
	return []*cli.Command{upCommand, downCommand, psCommand, configCommand, logsCommand, networkCommand, portCommand}
}

// request is what the global flags, the environment and the working
// directory select.
func request(c *cli.Context, want string) (LoadRequest, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return LoadRequest{}, fmt.Errorf("get working directory: %w", err)
	}
	return LoadRequest{
		Want:        want,
		ConfigPaths: c.StringSlice("file"),
		ProjectName: c.String("project-name"),
		WorkingDir:  c.String("project-directory"),
		EnvFiles:    c.StringSlice("env-file"),
		Profiles:    c.StringSlice("profile"),
		Environ:     os.Environ(),
		Cwd:         cwd,
	}, nil
}

// ProjectName is the project that ps, down, logs and exec act on: -p, or
// the name the compose files give.
func ProjectName(c *cli.Context) (string, error) {
	if n := c.String("project-name"); n != "" {
		return n, nil
	}
	if n := os.Getenv("COMPOSE_PROJECT_NAME"); n != "" {
		return n, nil
	}
	req, err := request(c, WantName)
	if err != nil {
		return "", err
	}
	res, err := loader.Load(req)
	if err != nil {
		return "", err
	}
	return res.Name, nil
}

// Client returns a client of the daemon of the state root, starting
// mini-compose-daemon (installed next to this binary) or, without it,
// this binary's own `daemon` verb.
func Client(c *cli.Context) (*client.Client, error) {
	root := c.String("root")
	argv := []string{os.Args[0], "--root", root, "daemon"}
	if self, err := os.Executable(); err == nil {
		argv[0] = self
	}
	if d, ok := ondemand.Executable("mini-compose-daemon"); ok {
		argv = []string{d, "--root", root}
	}
	return client.Connect(root, argv)
}

// projectClient returns the project the command acts on and a client of
// the daemon.
func projectClient(c *cli.Context) (string, *client.Client, error) {
	name, err := ProjectName(c)
	if err != nil {
		return "", nil, err
	}
	cl, err := Client(c)
	return name, cl, err
}

// ContainerOf finds the running container of a service's replica.
func ContainerOf(c *cli.Context, service string, index int) (string, error) {
	name, cl, err := projectClient(c)
	if err != nil {
		return "", err
	}
	rows, err := cl.Ps(name)
	if err != nil {
		return "", err
	}
	for _, r := range rows {
		if (r.Service == service && r.Number == index) || r.Name == service {
			if r.State != "running" {
				return "", fmt.Errorf("container %s is not running", r.Name)
			}
			return r.Name, nil
		}
	}
	return "", fmt.Errorf("service %q has no container %d in project %q", service, index, name)
}
