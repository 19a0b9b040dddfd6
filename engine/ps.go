package engine

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Ps lists the containers of a project, in service then number order.
func (e *Engine) Ps(name string) ([]ContainerSummary, error) {
	st, err := e.loadState(name)
	if err != nil || st == nil {
		return nil, err
	}
	return e.summaries(name, st), nil
}

// summaries lists the containers of st, as Ps.
func (e *Engine) summaries(name string, st *ProjectState) []ContainerSummary {
	var out []ContainerSummary
	for _, c := range st.Containers {
		s := ContainerSummary{Name: c.Name, ID: c.ID, Project: name, Service: c.Service, Number: c.Number, Image: c.Image,
			Command: strings.Join(c.Command, " "), Created: c.Created, State: "exited"}
		if rs, err := e.rt.State(c.Name); err == nil && rs.Status != "stopped" {
			s.State, s.Pid = rs.Status, rs.Pid
		}
		if code := e.exitCode(c); code != nil {
			s.ExitCode = *code
		}
		switch s.State {
		case "running":
			s.Status = "Up " + since(c.Created)
		case "exited":
			s.Status = fmt.Sprintf("Exited (%d)", s.ExitCode)
		default:
			s.Status = s.State
		}
		for _, p := range c.Ports {
			s.Ports = append(s.Ports, p.String())
		}
		for _, at := range c.Networks {
			addr := at.Network + "=" + at.IP.String()
			if at.IPv6.IsValid() {
				addr += "," + at.IPv6.String()
			}
			s.Networks = append(s.Networks, addr)
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Service != out[j].Service {
			return out[i].Service < out[j].Service
		}
		if out[i].Number != out[j].Number {
			return out[i].Number < out[j].Number
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func since(t time.Time) string {
	d := time.Since(t).Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d seconds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	default:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	}
}
