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

// NetRule describes one bridge network of the project: its subnets are
// Subnet (may be zero when Subnets is not empty) and Subnets (further
// subnets, IPv4 or IPv6).
type NetRule struct {
	Bridge   string
	Subnet   netip.Prefix
	Subnets  []netip.Prefix
	Internal bool // no traffic leaves or enters the bridge through the host
}

// all returns every subnet of n, Subnet first.
func (n NetRule) all() []netip.Prefix {
	var out []netip.Prefix
	if n.Subnet.IsValid() {
		out = append(out, n.Subnet.Masked())
	}
	for _, p := range n.Subnets {
		out = append(out, p.Masked())
	}
	return out
}

// PortRule publishes ContainerIP:ContainerPort on HostIP:HostPort (every
// local address of ContainerIP's family when HostIP is zero or
// unspecified). With HostPortEnd > HostPort it publishes the range
// HostPort..HostPortEnd onto ContainerPort.. one to one. ContainerIP and a
// set HostIP must be of one family: publishing on IPv6 needs the
// container's IPv6 address.
type PortRule struct {
	HostIP        netip.Addr
	HostPort      uint16
	HostPortEnd   uint16
	Proto         string // "tcp", "udp" or "sctp"
	Bridge        string
	ContainerIP   netip.Addr
	ContainerPort uint16
}

// span is the number of ports p publishes.
func (p PortRule) span() int {
	if p.HostPortEnd > p.HostPort {
		return int(p.HostPortEnd-p.HostPort) + 1
	}
	return 1
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
		if n.Subnet.IsValid() && !n.Subnet.Addr().Is4() {
			errs = append(errs, fmt.Errorf("bridge %q: subnet %q is not IPv4", n.Bridge, n.Subnet))
		}
		if len(n.all()) == 0 {
			errs = append(errs, fmt.Errorf("bridge %q: no subnet", n.Bridge))
		}
		for _, p := range n.Subnets {
			if !p.IsValid() {
				errs = append(errs, fmt.Errorf("bridge %q: invalid subnet %q", n.Bridge, p))
			}
		}
	}
	for _, p := range r.Ports {
		if _, err := protoNumber(p.Proto); err != nil {
			errs = append(errs, fmt.Errorf("port %d: %w", p.HostPort, err))
		}
		if !p.ContainerIP.IsValid() {
			errs = append(errs, fmt.Errorf("port %d: container ip %q is invalid", p.HostPort, p.ContainerIP))
		} else if p.HostIP.IsValid() && p.HostIP.Unmap().Is4() != p.ContainerIP.Unmap().Is4() {
			errs = append(errs, fmt.Errorf("port %d: host ip %s and container ip %s of different families", p.HostPort, p.HostIP, p.ContainerIP))
		}
		if p.HostPort == 0 || p.ContainerPort == 0 {
			errs = append(errs, fmt.Errorf("port %d->%d: zero port", p.HostPort, p.ContainerPort))
		}
		if p.HostPortEnd != 0 && (p.HostPortEnd < p.HostPort || int(p.ContainerPort)+p.span()-1 > 65535) {
			errs = append(errs, fmt.Errorf("port range %d-%d->%d: invalid", p.HostPort, p.HostPortEnd, p.ContainerPort))
		}
	}
	return errors.Join(errs...)
}
