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

// netAlloc is one network's allocation: its subnets in the order of its
// ipam.config (automatic ones last).
type netAlloc struct {
	Subnets []*subnetAlloc `json:"subnets"`

	// Fields of the first state format (one IPv4 subnet), read by migrate.
	OldSubnet  netip.Prefix          `json:"subnet,omitzero"`
	OldExtra   []netip.Prefix        `json:"extra,omitempty"`
	OldFixed   bool                  `json:"fixed,omitempty"`
	OldGateway netip.Addr            `json:"gateway,omitzero"`
	OldIPs     map[string]netip.Addr `json:"ips,omitempty"`
}

// subnetAlloc is one subnet of a network and the addresses handed out in it.
type subnetAlloc struct {
	Prefix  netip.Prefix          `json:"prefix"`
	Fixed   bool                  `json:"fixed,omitempty"`
	Gateway netip.Addr            `json:"gateway"`
	Range   netip.Prefix          `json:"ip_range,omitzero"`
	Aux     []netip.Addr          `json:"aux,omitempty"`
	IPs     map[string]netip.Addr `json:"ips,omitempty"`
}

// migrate converts the first state format in place.
func (n *netAlloc) migrate() {
	if len(n.Subnets) > 0 || !n.OldSubnet.IsValid() {
		return
	}
	gw := n.OldGateway
	if !gw.IsValid() {
		gw = defaultGateway(n.OldSubnet)
	}
	n.Subnets = append(n.Subnets, &subnetAlloc{Prefix: n.OldSubnet, Fixed: n.OldFixed, Gateway: gw, IPs: n.OldIPs})
	for _, p := range n.OldExtra {
		n.Subnets = append(n.Subnets, &subnetAlloc{Prefix: p, Fixed: true, Gateway: defaultGateway(p)})
	}
	*n = netAlloc{Subnets: n.Subnets}
}

// primary returns the first IPv4 subnet, else the first subnet.
func (n *netAlloc) primary() *subnetAlloc {
	if s := n.first(false); s != nil {
		return s
	}
	if len(n.Subnets) > 0 {
		return n.Subnets[0]
	}
	return &subnetAlloc{}
}

// first returns the first subnet of the family (IPv6 when v6), or nil.
func (n *netAlloc) first(v6 bool) *subnetAlloc {
	for _, s := range n.Subnets {
		if s.Prefix.Addr().Is6() == v6 {
			return s
		}
	}
	return nil
}

// defaultGateway is the first host address of p.
func defaultGateway(p netip.Prefix) netip.Addr { return p.Masked().Addr().Next() }

// overlapping finds an allocated subnet overlapping p.
func (st *ipamState) overlapping(p netip.Prefix) (string, netip.Prefix, bool) {
	for name, n := range st.Networks {
		for _, s := range n.Subnets {
			if overlaps(p, s.Prefix) {
				return name, s.Prefix, true
			}
		}
	}
	return "", netip.Prefix{}, false
}

// update runs fn on the current state under an exclusive flock and writes
// the state back atomically (temp file + rename) when fn reports a change.
func (a *IPAM) update(fn func(*ipamState) (bool, error)) error {
	if a.tx != nil {
		changed, err := fn(a.tx)
		*a.txChanged = *a.txChanged || changed
		return err
	}
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
		for _, n := range st.Networks {
			n.migrate()
		}
	}
	changed, err := fn(st)
	if err != nil || !changed {
		return err
	}
	return writeAtomic(filepath.Join(a.dir, ipamFile), st)
}

// writeAtomic replaces path with v's JSON through a temp file and a rename,
// so that readers see the old or the new state, never a torn one. It does
// not fsync: allocation happens once per container on the hot path of `up`
// (an fsync cost 2-6 ms each here), and after a machine crash the networks
// and containers it describes are gone too.
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
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", filepath.Base(path), err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("rename %s: %w", filepath.Base(path), err)
	}
	return nil
}
