package netstack

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// Rules is the whole firewall state of one project, applied atomically as
// the nftables table `inet mc-<project>`.
type Rules struct {
	Project  string
	Networks []NetRule
	Ports    []PortRule
}

// NetRule describes one bridge network of the project.
type NetRule struct {
	Bridge   string
	Subnet   netip.Prefix
	Internal bool // no traffic leaves or enters the bridge through the host
}

// PortRule publishes ContainerIP:ContainerPort on HostIP:HostPort (every
// local address when HostIP is zero).
type PortRule struct {
	HostIP        netip.Addr
	HostPort      uint16
	Proto         string // "tcp" or "udp"
	Bridge        string
	ContainerIP   netip.Addr
	ContainerPort uint16
}

// TableName returns the nftables table (family inet) of a project.
func TableName(project string) string { return "mc-" + project }

// commentTag is the UserData comment that marks our rules in tables we do
// not own (iptables' `ip filter`).
func commentTag(project string) string { return "mini-compose:" + project }

// protoNumber maps a compose protocol name to its IP protocol number.
func protoNumber(proto string) (byte, error) {
	switch strings.ToLower(proto) {
	case "", "tcp":
		return 6, nil
	case "udp":
		return 17, nil
	case "sctp":
		return 132, nil
	}
	return 0, fmt.Errorf("unsupported protocol %q", proto)
}

// validate reports every problem of r at once.
func (r Rules) validate() error {
	var errs []error
	if r.Project == "" {
		errs = append(errs, errors.New("empty project name"))
	}
	if len(TableName(r.Project)) > 255 {
		errs = append(errs, fmt.Errorf("project name %q too long", r.Project))
	}
	for _, n := range r.Networks {
		if n.Bridge == "" || len(n.Bridge) > 15 {
			errs = append(errs, fmt.Errorf("invalid bridge name %q", n.Bridge))
		}
		if !n.Subnet.IsValid() || !n.Subnet.Addr().Is4() {
			errs = append(errs, fmt.Errorf("bridge %q: subnet %q is not IPv4", n.Bridge, n.Subnet))
		}
	}
	for _, p := range r.Ports {
		if _, err := protoNumber(p.Proto); err != nil {
			errs = append(errs, fmt.Errorf("port %d: %w", p.HostPort, err))
		}
		if p.HostIP.IsValid() && !p.HostIP.Unmap().Is4() {
			errs = append(errs, fmt.Errorf("port %d: host ip %s is not IPv4", p.HostPort, p.HostIP))
		}
		if !p.ContainerIP.IsValid() || !p.ContainerIP.Unmap().Is4() {
			errs = append(errs, fmt.Errorf("port %d: container ip %q is not IPv4", p.HostPort, p.ContainerIP))
		}
		if p.HostPort == 0 || p.ContainerPort == 0 {
			errs = append(errs, fmt.Errorf("port %d->%d: zero port", p.HostPort, p.ContainerPort))
		}
	}
	return errors.Join(errs...)
}
