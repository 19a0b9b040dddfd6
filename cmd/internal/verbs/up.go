package verbs

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mini-compose/mini-compose/api"
	"github.com/mini-compose/mini-compose/daemon/client"
	"github.com/mini-compose/mini-compose/project/plan"
)

var upCommand = &cli.Command{
	Name:      "up",
	Usage:     "create and start containers",
	ArgsUsage: "[SERVICE...]",
	Flags: []cli.Flag{
		&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "run containers in the background"},
		&cli.BoolFlag{Name: "force-recreate", Usage: "recreate containers even if unchanged"},
		&cli.BoolFlag{Name: "no-recreate", Usage: "keep existing containers even if changed"},
		&cli.BoolFlag{Name: "remove-orphans", Usage: "remove containers of services not in the compose file"},
		&cli.IntFlag{Name: "timeout", Aliases: []string{"t"}, Value: -1, Usage: "shutdown timeout in seconds when stopping after Ctrl-C"},
		&cli.StringSliceFlag{Name: "scale", Usage: "SERVICE=NUM: number of containers of a service (overrides scale and deploy.replicas)"},
	},
	Action: func(c *cli.Context) error {
		req, err := request(c, WantPlan)
		if err != nil {
			return err
		}
		req.Services, req.Scale = c.Args().Slice(), c.StringSlice("scale")
		// The daemon (started if none runs) gets ready while the files
		// load: both are process starts, on different cores.
		type dialed struct {
			cl  *client.Client
			err error
		}
		daemonc := make(chan dialed, 1)
		go func() {
			cl, err := Client(c)
			daemonc <- dialed{cl, err}
		}()
		res, err := loader.Load(req)
		if err != nil {
			return err
		}
		plan, known := res.Plan, res.Known
		warnUnapplied(plan)
		d := <-daemonc
		if d.err != nil {
			return d.err
		}
		cl := d.cl
		start := time.Now()
		ctrs, err := cl.Up(api.UpRequest{Plan: plan, Options: api.UpOptions{
			ForceRecreate: c.Bool("force-recreate"), NoRecreate: c.Bool("no-recreate"),
			RemoveOrphans: c.Bool("remove-orphans"), KnownServices: known,
		}})
		if err != nil {
			return fmt.Errorf("up %s: %w", plan.Name, err)
		}
		for _, ct := range ctrs {
			fmt.Fprintf(os.Stderr, " Container %s  %s\n", ct.Name, ct.Status)
		}
		fmt.Fprintf(os.Stderr, " Project %s up in %s\n", plan.Name, time.Since(start).Round(time.Millisecond))
		if c.Bool("detach") {
			return nil
		}
		return attach(c, cl, plan.Name)
	},
}

// attach follows the logs of the project in the foreground until every
// container has exited or the user interrupts; then it takes the stack down.
func attach(c *cli.Context, cl *client.Client, name string) error {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- followLogs(c.String("root"), cl, name, nil, true, stop) }()
	select {
	case <-sigs:
		fmt.Fprintln(os.Stderr, "Gracefully stopping... (press Ctrl+C again to force)")
	case err := <-done:
		if err != nil {
			return err
		}
	}
	close(stop)
	req := api.DownRequest{Project: name}
	if t := c.Int("timeout"); t >= 0 {
		d := time.Duration(t) * time.Second
		req.Timeout = &d
	}
	return cl.Down(req)
}

// warnUnapplied tells the user which accepted settings up does not act on
// yet, rather than dropping them silently.
func warnUnapplied(pl *plan.Plan) {
	for _, svc := range pl.Services {
		if svc.Restart != "" && svc.Restart != "no" {
			fmt.Fprintf(os.Stderr, "WARN services.%s.restart: %q is not applied yet: a container that exits stays down\n", svc.Name, svc.Restart)
		}
		if svc.Healthcheck != nil && !svc.Healthcheck.Disable {
			fmt.Fprintf(os.Stderr, "WARN services.%s.healthcheck: healthchecks are not run yet\n", svc.Name)
		}
		if svc.Resources != (plan.Resources{}) || len(svc.Ulimits) > 0 {
			fmt.Fprintf(os.Stderr, "WARN services.%s: resource limits and ulimits are not applied yet\n", svc.Name)
		}
		if svc.Init {
			fmt.Fprintf(os.Stderr, "WARN services.%s.init: no init process is injected yet: the command runs as PID 1\n", svc.Name)
		}
		if len(svc.CapAdd)+len(svc.CapDrop) > 0 {
			fmt.Fprintf(os.Stderr, "WARN services.%s: cap_add/cap_drop are not applied yet (Docker's default capabilities)\n", svc.Name)
		}
		for _, d := range svc.Dependencies {
			if d.Condition != "" && d.Condition != "service_started" {
				fmt.Fprintf(os.Stderr, "WARN services.%s.depends_on.%s: condition %q is not awaited yet (start order only)\n", svc.Name, d.Service, d.Condition)
			}
		}
	}
}
