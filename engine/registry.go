package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// NetworkRecord is a network as the whole state root knows it, whoever
// created it: it outlives the project that made it while other projects
// still use it, and networks made by `network create` belong to no project.
type NetworkRecord struct {
	NetworkInfo
	EnableIPv6 bool              `json:"enable_ipv6"`
	Labels     map[string]string `json:"labels,omitempty"`
	// Owner is the project that created the network; "" for a network of
	// `network create` (Standalone) or one whose project went down while
	// others still used it (removed with its last user).
	Owner      string    `json:"owner,omitempty"`
	Standalone bool      `json:"standalone,omitempty"`
	Created    time.Time `json:"created"`
}

// registryDir holds one <name>.json per network. It is apart from the IPAM
// directory so that no network name can collide with the IPAM's files.
func (e *Engine) registryDir() string { return filepath.Join(e.root, "netreg") }

func (e *Engine) recordPath(name string) string {
	return filepath.Join(e.registryDir(), name+".json")
}

// validNetworkName accepts what Docker accepts for network names, which
// also keeps them safe as file names.
func validNetworkName(name string) error {
	if name == "" || len(name) > 128 || strings.HasPrefix(name, ".") {
		return fmt.Errorf("invalid network name %q", name)
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.-", r)
		if !ok {
			return fmt.Errorf("invalid network name %q: only [a-zA-Z0-9_.-] are allowed", name)
		}
	}
	return nil
}

// loadRecord returns the record of a network, or nil when there is none.
func (e *Engine) loadRecord(name string) (*NetworkRecord, error) {
	if err := validNetworkName(name); err != nil {
		return nil, err
	}
	var r NetworkRecord
	found, err := readJSON(e.recordPath(name), &r)
	if err != nil {
		return nil, fmt.Errorf("read network %q: %w", name, err)
	}
	if !found {
		return nil, nil
	}
	return &r, nil
}

// saveRecord persists atomically: temp file, then rename.
func (e *Engine) saveRecord(r *NetworkRecord) error {
	if err := writeJSON(e.recordPath(r.Name), r); err != nil {
		return fmt.Errorf("save network %q: %w", r.Name, err)
	}
	return nil
}

func (e *Engine) removeRecord(name string) error {
	err := os.Remove(e.recordPath(name))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove network %q: %w", name, err)
	}
	return nil
}

// records lists every registered network, sorted by name.
func (e *Engine) records() ([]*NetworkRecord, error) {
	ents, err := os.ReadDir(e.registryDir())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	var out []*NetworkRecord
	for _, ent := range ents {
		name, ok := strings.CutSuffix(ent.Name(), ".json")
		if !ok {
			continue
		}
		r, err := e.loadRecord(name)
		if err != nil {
			e.logf("list networks: %v", err)
			continue
		}
		if r != nil {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// networkUsers lists the projects, other than except, whose state lists the
// network: those hold a reference on it.
func (e *Engine) networkUsers(name, except string) []string {
	var users []string
	for _, st := range e.otherStates(except) {
		if st.Networks[name] != nil {
			users = append(users, st.Name)
		}
	}
	return users
}

// otherStates loads the state of every project but except.
func (e *Engine) otherStates(except string) []*ProjectState {
	names, err := e.Projects()
	if err != nil {
		e.logf("list projects: %v", err)
		return nil
	}
	var out []*ProjectState
	for _, n := range names {
		if n == except {
			continue
		}
		st, err := e.loadState(n)
		if err != nil || st == nil {
			continue
		}
		out = append(out, st)
	}
	return out
}

// bridgeInUse reports the network, other than name, whose bridge is bridge.
func (e *Engine) bridgeInUse(bridge, name string) (string, bool) {
	recs, _ := e.records()
	for _, r := range recs {
		if r.Bridge == bridge && r.Name != name {
			return r.Name, true
		}
	}
	return "", false
}
