package engine

import (
	"fmt"
	"net/netip"
	"sort"

	"github.com/mini-compose/mini-compose/project/plan"
)

// ListNetworks lists every network of the state root.
func (e *Engine) ListNetworks() ([]NetworkSummary, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	recs, err := e.records()
	if err != nil {
		return nil, err
	}
	out := make([]NetworkSummary, 0, len(recs))
	for _, r := range recs {
		out = append(out, e.summary(r))
	}
	return out, nil
}

func (e *Engine) summary(r *NetworkRecord) NetworkSummary {
	users := e.networkUsers(r.Name, "")
	if users == nil {
		users = []string{}
	}
	subnets := []netip.Prefix{}
	for _, g := range r.Gateways {
		subnets = append(subnets, g.Masked())
	}
	if len(subnets) == 0 && r.Subnet.IsValid() {
		subnets = append(subnets, r.Subnet)
	}
	return NetworkSummary{Name: r.Name, Driver: r.Driver, Bridge: r.Bridge, Subnet: r.Subnet, Gateway: r.Gateway,
		Subnets: subnets, Gateway6: r.Gateway6, Parent: r.Parent,
		Internal: r.Internal, Owner: r.Owner, Projects: users, Labels: r.Labels, Created: r.Created}
}

// InspectNetwork describes one network and the containers attached to it.
func (e *Engine) InspectNetwork(name string) (*NetworkInspect, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, err := e.loadRecord(name)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, fmt.Errorf("network %q not found", name)
	}
	out := &NetworkInspect{NetworkSummary: e.summary(r), EnableIPv6: r.EnableIPv6, MTU: r.MTU,
		Containers: map[string]NetworkContainer{}}
	for _, st := range e.otherStates("") {
		for _, c := range st.Containers {
			for _, at := range c.Networks {
				if at.Network != name {
					continue
				}
				nc := NetworkContainer{Project: st.Name, Service: c.Service, IPv4: at.IP, IPv6: at.IPv6, MAC: at.MAC,
					IfName: at.IfName, Aliases: at.Aliases}
				if svc := findService(st.Plan, c.Service); svc != nil {
					nc.Expose = svc.Expose
				}
				if nc.Aliases == nil {
					nc.Aliases = []string{}
				}
				out.Containers[c.Name] = nc
			}
		}
	}
	return out, nil
}

// CreateNetwork makes a standalone network that projects can use as
// external; only RemoveNetwork removes it.
func (e *Engine) CreateNetwork(req NetworkCreate) (*NetworkSummary, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := plan.Network{Name: req.Name, Driver: req.Driver, Internal: req.Internal, EnableIPv6: req.EnableIPv6,
		Labels: req.Labels, DriverOpts: req.Options}
	subnets := req.Subnets
	if req.Subnet != "" {
		subnets = append([]string{req.Subnet}, subnets...)
	}
	if len(subnets) == 0 && req.Gateway != "" {
		return nil, fmt.Errorf("create network %q: --gateway needs --subnet", req.Name)
	}
	for i, s := range subnets {
		cfg := plan.IPAMConfig{Subnet: s}
		if i == 0 {
			cfg.Gateway = req.Gateway
		}
		n.IPAM = append(n.IPAM, cfg)
	}
	var undo undoStack
	rec, err := e.createNetwork(n, &undo)
	if err != nil {
		undo.run(e.logf)
		return nil, err
	}
	s := e.summary(rec)
	return &s, nil
}

// RemoveNetwork removes a network that no project uses; a network created
// by a project is removed by that project's down.
func (e *Engine) RemoveNetwork(name string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, err := e.loadRecord(name)
	if err != nil {
		return err
	}
	if r == nil {
		return fmt.Errorf("network %q not found", name)
	}
	if r.Owner != "" {
		return fmt.Errorf("remove network %q: it belongs to project %q; `down` that project instead", name, r.Owner)
	}
	if users := e.networkUsers(name, ""); len(users) > 0 {
		sort.Strings(users)
		return fmt.Errorf("remove network %q: in use by project(s) %v: disconnect its containers or take those projects down first", name, users)
	}
	return e.destroyNetwork(stateOf(r, ""))
}

// createNetwork makes a standalone network (`network create`).
func (e *Engine) createNetwork(n plan.Network, undo *undoStack) (*NetworkRecord, error) {
	rec, req, err := e.prepareNetwork(n, "", nil, undo)
	if err != nil {
		return nil, err
	}
	subnets, err := e.ipam.AllocateNetwork(req.Name, req.Config, req.IPv6)
	if err != nil {
		return nil, fmt.Errorf("create network %q: %w", n.Name, err)
	}
	undo.push(func() error { return e.ipam.Release(rec.Name) })
	if err := e.finishNetwork(rec, subnets, undo); err != nil {
		return nil, err
	}
	return rec, nil
}
