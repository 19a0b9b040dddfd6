package engine

import (
	"errors"

	"github.com/mini-compose/mini-compose/netstack"
)

// destroyNetwork removes a network and everything recorded for it; missing
// pieces count as removed.
func (e *Engine) destroyNetwork(n *NetworkState) error {
	var errs []error
	if n.Gateway.IsValid() && n.isBridge() {
		errs = append(errs, e.dns.Unlisten(n.Gateway))
	}
	errs = append(errs, deleteKernelNetwork(n), e.ipam.Release(n.Name), e.removeRecord(n.Name))
	return errors.Join(errs...)
}

// downNetworks gives up the project's networks: its own ones are removed
// unless other projects still use them (then the last user removes them);
// external ones are left alone.
func (e *Engine) downNetworks(st *ProjectState) error {
	var errs []error
	for name, n := range st.Networks {
		users := e.networkUsers(name, st.Name)
		rec, err := e.loadRecord(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		mine := !n.External && (rec == nil || rec.Owner == st.Name)
		orphan := rec != nil && rec.Owner == "" && !rec.Standalone
		switch {
		case len(users) > 0 && mine && rec != nil:
			e.logf("network %s is still used by %v: left in place", name, users)
			rec.Owner = ""
			errs = append(errs, e.saveRecord(rec))
		case len(users) > 0:
		case mine || orphan:
			errs = append(errs, e.destroyNetwork(n))
		default:
			errs = append(errs, e.dns.Unlisten(n.Gateway))
		}
		delete(st.Networks, name)
	}
	return errors.Join(errs...)
}

// sweepSpec names what the project may have left in the kernel, for a
// down that must also work after a kill -9 in the middle of up: the
// networks that down will remove (its own ones that no other project uses,
// never external ones), with their custom-named bridges, and every
// container the state lists or the plan names (names are deterministic,
// so a container created before the state recorded it is found too),
// except names another project holds.
func (e *Engine) sweepSpec(st *ProjectState) netstack.SweepSpec {
	spec := netstack.SweepSpec{Project: st.Name}
	others := e.otherStates(st.Name)
	usedElsewhere := func(network string) bool {
		for _, o := range others {
			if o.Networks[network] != nil {
				return true
			}
		}
		return false
	}
	for name, n := range st.Networks {
		if n.External || usedElsewhere(name) {
			continue
		}
		if rec, err := e.loadRecord(name); err != nil || (rec != nil && rec.Owner != st.Name && (rec.Owner != "" || rec.Standalone)) {
			continue // not ours to remove
		}
		spec.Networks = append(spec.Networks, name)
		if n.Bridge != "" && n.Bridge != netstack.BridgeName(name) {
			spec.Bridges = append(spec.Bridges, n.Bridge)
		}
	}
	seen := map[string]bool{}
	addContainer := func(name string) {
		if seen[name] || heldBy(others, name) {
			return
		}
		seen[name] = true
		spec.Containers = append(spec.Containers, name)
		spec.NetNS = append(spec.NetNS, e.netnsPath(name))
	}
	for name := range st.Containers {
		addContainer(name)
	}
	if st.Plan != nil {
		for _, svc := range st.Plan.Services {
			for _, c := range svc.Containers {
				addContainer(c.Name)
			}
		}
	}
	return spec
}
