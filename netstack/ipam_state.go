package netstack

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
)

const (
	ipamFile = "ipam.json"
	ipamLock = "ipam.lock"
)

// ipamState is the persisted form of all allocations.
type ipamState struct {
	Networks map[string]*netAlloc `json:"networks"`
}

// netAlloc is one network's allocation.
type netAlloc struct {
	Subnet  netip.Prefix          `json:"subnet"`
	Extra   []netip.Prefix        `json:"extra,omitempty"` // further fixed subnets, reserved only
	Fixed   bool                  `json:"fixed,omitempty"`
	Gateway netip.Addr            `json:"gateway,omitzero"`
	IPs     map[string]netip.Addr `json:"ips,omitempty"`
}

func (n *netAlloc) gateway() netip.Addr {
	if n.Gateway.IsValid() {
		return n.Gateway
	}
	return n.Subnet.Masked().Addr().Next()
}

// overlapping finds an allocated subnet overlapping p.
func (st *ipamState) overlapping(p netip.Prefix) (string, netip.Prefix, bool) {
	for name, n := range st.Networks {
		for _, q := range append([]netip.Prefix{n.Subnet}, n.Extra...) {
			if overlaps(p, q) {
				return name, q, true
			}
		}
	}
	return "", netip.Prefix{}, false
}

// update runs fn on the current state under an exclusive flock and writes
// the state back atomically (temp file + rename) when fn reports a change.
func (a *IPAM) update(fn func(*ipamState) (bool, error)) error {
	if err := os.MkdirAll(a.dir, 0o700); err != nil {
		return fmt.Errorf("create state dir: %w", err)
	}
	unlock, err := lockFile(filepath.Join(a.dir, ipamLock))
	if err != nil {
		return err
	}
	defer unlock()

	st := &ipamState{Networks: map[string]*netAlloc{}}
	data, err := os.ReadFile(filepath.Join(a.dir, ipamFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("read ipam state: %w", err)
	default:
		if err := json.Unmarshal(data, st); err != nil {
			return fmt.Errorf("decode ipam state: %w", err)
		}
		if st.Networks == nil {
			st.Networks = map[string]*netAlloc{}
		}
	}
	changed, err := fn(st)
	if err != nil || !changed {
		return err
	}
	return writeAtomic(filepath.Join(a.dir, ipamFile), st)
}

func writeAtomic(path string, v any) (retErr error) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", filepath.Base(path), err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	defer func() {
		if retErr != nil {
			_ = os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", filepath.Base(path), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", filepath.Base(path), err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("rename %s: %w", filepath.Base(path), err)
	}
	return nil
}
