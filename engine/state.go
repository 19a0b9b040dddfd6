// Package engine runs the stack operations (up, down, ps) inside the daemon:
// it wires project plans to images, containers, networks and the embedded DNS,
// persists what it created, and rolls back a failed up.
package engine

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mini-compose/mini-compose/project/plan"
)

// ProjectState is what the engine persists per project: enough to tear the
// project down, restore DNS and supervision after a restart, and answer ps.
type ProjectState struct {
	Name       string                     `json:"name"`
	WorkingDir string                     `json:"working_dir"`
	Plan       *plan.Plan                 `json:"plan"`
	Networks   map[string]*NetworkState   `json:"networks"`   // by network name
	Containers map[string]*ContainerState `json:"containers"` // by container name
	Updated    time.Time                  `json:"updated"`
}

// NetworkInfo is what a network is in the kernel: its link, addresses and
// driver settings. The network registry and a project's state both keep it.
type NetworkInfo struct {
	Name     string       `json:"name"`
	Driver   string       `json:"driver,omitempty"`
	Bridge   string       `json:"bridge"`
	Subnet   netip.Prefix `json:"subnet"`
	Gateway  netip.Addr   `json:"gateway"`
	Internal bool         `json:"internal"`
	MTU      int          `json:"mtu,omitempty"`
	// Gateways hold, for every subnet of the network (IPv4 then IPv6), its
	// gateway with the subnet's prefix length; Gateway6 is the first IPv6
	// gateway.
	Gateways []netip.Prefix `json:"gateways,omitempty"`
	Gateway6 netip.Addr     `json:"gateway6,omitzero"`
	// Parent and Mode of a macvlan/ipvlan network (Parent "" = dummy).
	Parent string `json:"parent,omitempty"`
	Mode   string `json:"mode,omitempty"`
}

// NetworkState records one network the project uses.
type NetworkState struct {
	NetworkInfo
	Key      string `json:"key"`
	External bool   `json:"external"`
}

// isBridge reports whether the network is a bridge (veth, nft rules, DNS on
// its gateway); macvlan and ipvlan networks have none of these.
func (n *NetworkState) isBridge() bool { return n.Driver == "" || n.Driver == "bridge" }

// bits is the prefix length of the subnet of n that holds ip (0 if none).
func (n *NetworkState) bits(ip netip.Addr) int {
	if n.Subnet.Contains(ip) {
		return n.Subnet.Bits()
	}
	for _, g := range n.Gateways {
		if g.Masked().Contains(ip) {
			return g.Bits()
		}
	}
	return 0
}

// ContainerState records one container.
type ContainerState struct {
	Name     string `json:"name"`
	ID       string `json:"id"` // 64 hex, Docker-style; hostname default is its 12-char prefix
	Service  string `json:"service"`
	Number   int    `json:"number"`
	Image    string `json:"image"`
	ImageID  string `json:"image_id"`
	Hash     string `json:"hash"` // of the service definition, to detect changes on re-up
	Hostname string `json:"hostname"`
	NetNS    string `json:"netns"` // pinned netns path we own ("" when shared or host)
	// JoinedNetNS is the container whose netns this one shares
	// (network_mode service:X or container:NAME).
	JoinedNetNS string            `json:"joined_netns,omitempty"`
	Networks    []AttachState     `json:"networks"`
	Ports       []PortState       `json:"ports"`
	Command     []string          `json:"command"`
	Created     time.Time         `json:"created"`
	ExitCode    *int              `json:"exit_code,omitempty"`
	Status      string            `json:"status"` // last known: running, exited
	Upstreams   []string          `json:"upstreams,omitempty"`
	Links       map[string]string `json:"links,omitempty"`
}

// AttachState is a container's attachment to one network.
type AttachState struct {
	Network string     `json:"network"`
	HostIf  string     `json:"host_if"`
	IP      netip.Addr `json:"ip"`
	IPv6    netip.Addr `json:"ipv6,omitzero"`
	Names   []string   `json:"names"`
	IfName  string     `json:"if_name,omitempty"` // inside the container
	MAC     string     `json:"mac,omitempty"`
	Aliases []string   `json:"aliases,omitempty"`
	// Default is set on the attachment that carries the default route.
	Default bool `json:"default,omitempty"`
}

// PortState is one published port.
type PortState struct {
	HostIP        netip.Addr `json:"host_ip"`
	HostPort      uint16     `json:"host_port"`
	ContainerPort uint16     `json:"container_port"`
	Protocol      string     `json:"protocol"`
}

// String formats a port binding the way docker compose ps does.
func (p PortState) String() string {
	return fmt.Sprintf("%s->%d/%s", hostPortString(p.HostIP, p.HostPort), p.ContainerPort, p.Protocol)
}

func (e *Engine) statePath(name string) string {
	return filepath.Join(e.root, "projects", name+".json")
}

func (e *Engine) loadState(name string) (*ProjectState, error) {
	var st ProjectState
	found, err := readJSON(e.statePath(name), &st)
	if err != nil {
		return nil, fmt.Errorf("read state of project %q (`mini-compose -p %s down` recovers from a damaged one): %w", name, name, err)
	}
	if !found {
		return nil, nil
	}
	if st.Networks == nil {
		st.Networks = map[string]*NetworkState{}
	}
	if st.Containers == nil {
		st.Containers = map[string]*ContainerState{}
	}
	// A hand-edited or damaged file may hold nulls: drop them rather than
	// panic on them later.
	maps.DeleteFunc(st.Networks, func(_ string, n *NetworkState) bool { return n == nil })
	maps.DeleteFunc(st.Containers, func(_ string, c *ContainerState) bool { return c == nil || len(c.ID) < 12 })
	return &st, nil
}

// saveState persists atomically: temp file, then rename.
func (e *Engine) saveState(st *ProjectState) error {
	st.Updated = time.Now()
	if err := writeJSON(e.statePath(st.Name), st); err != nil {
		return fmt.Errorf("save state of project %q: %w", st.Name, err)
	}
	return nil
}

func (e *Engine) removeState(name string) error {
	err := os.Remove(e.statePath(name))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// Projects lists the names of projects with persisted state.
func (e *Engine) Projects() ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(e.root, "projects"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, ent := range ents {
		if n, ok := strings.CutSuffix(ent.Name(), ".json"); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names, nil
}
