package engine

import (
	"fmt"
	"os"
	"strings"
)

// recoverState rebuilds what down needs of a project whose state file
// cannot be read (a crash of the machine mid-write, a hand edit): the
// networks it owns, from the network registry, and its containers, from
// the runtime's metadata. The damaged file is kept beside, for inspection.
func (e *Engine) recoverState(name string, cause error) (*ProjectState, error) {
	e.logf("state of project %s is unreadable (%v): recovering from the network registry and the runtime", name, cause)
	if err := os.Rename(e.statePath(name), e.statePath(name)+".damaged"); err != nil {
		return nil, fmt.Errorf("%w (and setting it aside failed: %v)", cause, err)
	}
	st := &ProjectState{Name: name, Networks: map[string]*NetworkState{}, Containers: map[string]*ContainerState{}}
	recs, err := e.records()
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		if r.Owner != name {
			continue
		}
		st.Networks[r.Name] = stateOf(r, "")
	}
	ids, err := e.rt.List()
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if e.rt.Project(id) == name {
			st.Containers[id] = &ContainerState{Name: id, ID: strings.Repeat("0", 64), NetNS: e.netnsPath(id)}
		}
	}
	return st, nil
}
