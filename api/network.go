package api

import (
	"net/netip"
	"time"
)

// NetworkSummary is one row of `network ls`.
type NetworkSummary struct {
	Name    string       `json:"name"`
	Driver  string       `json:"driver"`
	Bridge  string       `json:"bridge"`
	Subnet  netip.Prefix `json:"subnet"`
	Gateway netip.Addr   `json:"gateway"`
	// Subnets are all subnets (IPv4 then IPv6), Gateway6 the IPv6 gateway.
	Subnets  []netip.Prefix    `json:"subnets"`
	Gateway6 netip.Addr        `json:"gateway6,omitzero"`
	Parent   string            `json:"parent,omitempty"` // macvlan/ipvlan
	Internal bool              `json:"internal"`
	Owner    string            `json:"owner,omitempty"` // project, "" for standalone
	Projects []string          `json:"projects"`        // projects using it
	Labels   map[string]string `json:"labels,omitempty"`
	Created  time.Time         `json:"created"`
}

// NetworkInspect is `network inspect`: the network and its containers.
type NetworkInspect struct {
	NetworkSummary
	EnableIPv6 bool                        `json:"enable_ipv6"`
	MTU        int                         `json:"mtu,omitempty"`
	Containers map[string]NetworkContainer `json:"containers"` // by container name
}

// NetworkContainer is a container's endpoint on a network.
type NetworkContainer struct {
	Project string     `json:"project"`
	Service string     `json:"service"`
	IPv4    netip.Addr `json:"ipv4_address"`
	IPv6    netip.Addr `json:"ipv6_address,omitzero"`
	MAC     string     `json:"mac_address"`
	IfName  string     `json:"interface_name"`
	Aliases []string   `json:"aliases"`
	Expose  []string   `json:"expose,omitempty"`
}

// NetworkCreate is the request of `network create`.
type NetworkCreate struct {
	Name       string            `json:"name"`
	Driver     string            `json:"driver,omitempty"`
	Subnet     string            `json:"subnet,omitempty"`
	Subnets    []string          `json:"subnets,omitempty"` // further subnets (e.g. an IPv6 one)
	Gateway    string            `json:"gateway,omitempty"`
	Internal   bool              `json:"internal,omitempty"`
	EnableIPv6 bool              `json:"enable_ipv6,omitempty"`
	Labels     map[string]string `json:"labels,omitempty"`
	Options    map[string]string `json:"options,omitempty"` // driver_opts
}

// ConnectRequest hot-plugs a running container into a network.
type ConnectRequest struct {
	Network   string   `json:"network"`
	Container string   `json:"container"`
	Aliases   []string `json:"aliases,omitempty"`
	IPv4      string   `json:"ipv4_address,omitempty"`
	IPv6      string   `json:"ipv6_address,omitempty"`
}
