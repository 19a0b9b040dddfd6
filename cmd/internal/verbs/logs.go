package verbs

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mini-compose/mini-compose/api"
	"github.com/mini-compose/mini-compose/daemon/client"
)

var logsCommand = &cli.Command{
	Name:      "logs",
	Usage:     "show the output of the project's containers",
	ArgsUsage: "[SERVICE...]",
	Flags: []cli.Flag{
		&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "follow log output"},
	},
	Action: func(c *cli.Context) error {
		name, cl, err := projectClient(c)
		if err != nil {
			return err
		}
		return followLogs(c.String("root"), cl, name, c.Args().Slice(), c.Bool("follow"), nil)
	},
}

// followLogs prints every selected container's log, each line prefixed with
// the container name. With follow it keeps reading until every container
// has exited or stop is closed.
func followLogs(root string, cl *client.Client, project string, services []string, follow bool, stop <-chan struct{}) error {
	rows, err := cl.Ps(project)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, s := range services {
		want[s] = true
	}
	width := 0
	var sel []api.ContainerSummary
	for _, r := range rows {
		if len(want) == 0 || want[r.Service] {
			sel = append(sel, r)
			width = max(width, len(r.Name))
		}
	}
	var out sync.Mutex
	var wg sync.WaitGroup
	done := make(chan struct{})
	for _, r := range sel {
		f, err := os.Open(api.LogPath(root, r.Name))
		if err != nil {
			continue
		}
		wg.Add(1)
		go func(name string, f *os.File) {
			defer wg.Done()
			defer f.Close()
			prefix := fmt.Sprintf("%-*s | ", width, name)
			br := bufio.NewReader(f)
			var partial string
			for {
				line, err := br.ReadString('\n')
				partial += line
				if err == nil {
					out.Lock()
					fmt.Print(prefix + partial)
					out.Unlock()
					partial = ""
					continue
				}
				if err != io.EOF || !follow {
					if partial != "" {
						fmt.Println(prefix + strings.TrimRight(partial, "\n"))
					}
					return
				}
				select {
				case <-done:
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
		}(r.Name, f)
	}
	if follow {
		go func() {
			for {
				select {
				case <-stop:
					close(done)
					return
				case <-time.After(500 * time.Millisecond):
				}
				rows, err := cl.Ps(project)
				if err == nil && !anyRunning(rows) {
					time.Sleep(200 * time.Millisecond) // let the readers drain the last lines
					close(done)
					return
				}
			}
		}()
	}
	wg.Wait()
	return nil
}

func anyRunning(rows []api.ContainerSummary) bool {
	for _, r := range rows {
		if r.State == "running" {
			return true
		}
	}
	return false
}
