package project

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// buildPorts converts and validates the published ports.
func buildPorts(ports []types.ServicePortConfig, path string, ps *problems) []Port {
	var out []Port
	for i, pc := range ports {
		at := fmt.Sprintf("%s.ports[%d]", path, i)
		port := Port{HostIP: pc.HostIP, Protocol: strings.ToLower(pc.Protocol)}
		if port.Protocol == "" {
			port.Protocol = "tcp"
		}
		if port.Protocol != "tcp" && port.Protocol != "udp" {
			ps.add(at, "protocol %q is not supported (use tcp or udp)", pc.Protocol)
		}
		if pc.Target == 0 || pc.Target > 65535 {
			ps.add(at, "container port %d out of range 1-65535", pc.Target)
		}
		port.ContainerPort = uint16(pc.Target)
		if pc.HostIP != "" {
			if _, err := netip.ParseAddr(pc.HostIP); err != nil {
				ps.add(at, "host IP %q is not an IP address", pc.HostIP)
			}
		}
		if pc.Published != "" {
			lo, hi, err := parsePortRange(pc.Published)
			if err != nil {
				ps.add(at, "published port %q: %v", pc.Published, err)
			}
			if lo == 0 && err == nil {
				ps.add(at, "published port %q out of range 1-65535", pc.Published)
			}
			port.HostPort = lo
			if hi != lo {
				port.HostPortEnd = hi
			}
		}
		out = append(out, port)
	}
	return out
}

// parsePortRange parses "80" or "8000-8010".
func parsePortRange(s string) (lo, hi uint16, err error) {
	a, b, isRange := strings.Cut(s, "-")
	lo, err = parsePort(a)
	if err != nil {
		return 0, 0, err
	}
	if !isRange {
		return lo, lo, nil
	}
	hi, err = parsePort(b)
	if err != nil {
		return 0, 0, err
	}
	if hi < lo {
		return 0, 0, fmt.Errorf("range end %d is before its start %d", hi, lo)
	}
	return lo, hi, nil
}

func parsePort(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("%q is not a port number in 0-65535", s)
	}
	return uint16(n), nil
}

// buildExpose validates expose entries ("80", "80/udp", "8000-8010/tcp").
func buildExpose(expose types.StringOrNumberList, path string, ps *problems) []string {
	var out []string
	for i, e := range expose {
		port, proto, _ := strings.Cut(e, "/")
		lo, _, err := parsePortRange(port)
		switch {
		case err != nil:
			ps.add(fmt.Sprintf("%s.expose[%d]", path, i), "%q: %v", e, err)
		case lo == 0:
			ps.add(fmt.Sprintf("%s.expose[%d]", path, i), "%q: port out of range 1-65535", e)
		case proto != "" && proto != "tcp" && proto != "udp":
			ps.add(fmt.Sprintf("%s.expose[%d]", path, i), "%q: protocol %q is not supported (use tcp or udp)", e, proto)
		}
		out = append(out, e)
	}
	return out
}

type hostPortUse struct {
	service string
	index   int
	ip      string
}

// checkHostPorts rejects a fixed host port published twice on
// overlapping addresses, by two services or by two replicas of one.
func checkHostPorts(services map[string]*Service, ps *problems) {
	seen := map[string][]hostPortUse{} // "<proto>/<port>"
	for _, name := range sortedKeys(services) {
		s := services[name]
		for i, p := range s.Ports {
			if p.HostPort == 0 || p.HostPortEnd != 0 {
				continue // random or picked from a range
			}
			at := fmt.Sprintf("services.%s.ports[%d]", name, i)
			if len(s.Containers) > 1 {
				ps.add(at, "host port %d/%s cannot be published by %d replicas", p.HostPort, p.Protocol, len(s.Containers))
			}
			key := fmt.Sprintf("%s/%d", p.Protocol, p.HostPort)
			for _, u := range seen[key] {
				if ipsOverlap(u.ip, p.HostIP) {
					ps.add(at, "host port %d/%s is already published by services.%s.ports[%d]", p.HostPort, p.Protocol, u.service, u.index)
					break
				}
			}
			seen[key] = append(seen[key], hostPortUse{service: name, index: i, ip: p.HostIP})
		}
	}
}

// ipsOverlap reports whether two host IPs of published ports collide: the
// same address, or one of them binds every address.
func ipsOverlap(a, b string) bool {
	if isAny(a) || isAny(b) {
		return true
	}
	x, errX := netip.ParseAddr(a)
	y, errY := netip.ParseAddr(b)
	if errX != nil || errY != nil {
		return a == b
	}
	return x.Unmap() == y.Unmap()
}

func isAny(ip string) bool {
	return ip == "" || ip == "0.0.0.0" || ip == "::"
}

// checkAddress reports an invalid static address of the given family.
func checkAddress(path, addr string, family int, ps *problems) {
	if addr == "" {
		return
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil || (family == 4) != ip.Is4() {
		ps.add(path, "%q is not an IPv%d address", addr, family)
	}
}

// buildPool converts and validates one ipam.config entry.
func buildPool(pool *types.IPAMPool, path string, ps *problems) IPAMConfig {
	c := IPAMConfig{Subnet: pool.Subnet, IPRange: pool.IPRange, Gateway: pool.Gateway, AuxAddresses: copyMap(pool.AuxiliaryAddresses)}
	var subnet netip.Prefix
	if pool.Subnet == "" {
		ps.add(path+".subnet", "missing: a subnet is required with ipam.config")
	} else if p, err := netip.ParsePrefix(pool.Subnet); err != nil {
		ps.add(path+".subnet", "%q is not a CIDR subnet", pool.Subnet)
	} else {
		subnet = p
		if p.Masked() != p {
			ps.add(path+".subnet", "%q has host bits set (did you mean %q?)", pool.Subnet, p.Masked().String())
		}
	}
	if pool.IPRange != "" {
		if r, err := netip.ParsePrefix(pool.IPRange); err != nil {
			ps.add(path+".ip_range", "%q is not a CIDR range", pool.IPRange)
		} else if subnet.IsValid() && (!subnet.Contains(r.Addr()) || r.Bits() < subnet.Bits()) {
			ps.add(path+".ip_range", "%q is not inside subnet %q", pool.IPRange, pool.Subnet)
		}
	}
	checkInSubnet := func(at, addr string) {
		ip, err := netip.ParseAddr(addr)
		if err != nil {
			ps.add(at, "%q is not an IP address", addr)
		} else if subnet.IsValid() && !subnet.Contains(ip) {
			ps.add(at, "%q is not inside subnet %q", addr, pool.Subnet)
		}
	}
	if pool.Gateway != "" {
		checkInSubnet(path+".gateway", pool.Gateway)
	}
	for _, k := range sortedKeys(pool.AuxiliaryAddresses) {
		checkInSubnet(path+".aux_addresses."+k, pool.AuxiliaryAddresses[k])
	}
	return c
}
