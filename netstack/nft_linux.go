package netstack

import (
	"errors"
	"fmt"
	"net/netip"
	"os"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

var (
	loopback4 = netip.MustParsePrefix("127.0.0.0/8")
	policyAcc = nftables.ChainPolicyAccept
)

// ApplyRules replaces the table `inet mc-<project>` with r in one atomic
// batch (after enabling ip_forward and route_localnet on the bridges):
// masquerade of outbound traffic (not from internal networks), DNAT of
// published ports from prerouting and output (so the host itself reaches
// 127.0.0.1:PORT), masquerade of hairpin and localhost-DNATed traffic,
// forwarding accept, drops for internal networks and between two mc-
// bridges (except to published ports). When iptables' `ip filter` FORWARD
// chain exists (Docker sets its policy to drop), accept rules for our bridges
// go into it, or into DOCKER-USER when present, in the same batch.
func ApplyRules(r Rules) error {
	if err := r.validate(); err != nil {
		return fmt.Errorf("apply rules of project %q: %w", r.Project, err)
	}
	if err := enableForwarding(r.Networks); err != nil {
		return fmt.Errorf("apply rules of project %q: %w", r.Project, err)
	}
	c, err := nftables.New(nftables.WithSockOptions(bigReceiveBuffer))
	if err != nil {
		return fmt.Errorf("apply rules of project %q: open nftables: %w", r.Project, err)
	}
	t := &nftables.Table{Family: nftables.TableFamilyINet, Name: TableName(r.Project)}
	// add+delete+add replaces the table whether or not it existed.
	c.AddTable(t)
	c.DelTable(t)
	c.AddTable(t)
	addNATChains(c, t, r)
	addForwardChain(c, t, r)
	if err := queueCompat(c, r.Project, r.Networks); err != nil {
		return fmt.Errorf("apply rules of project %q: %w", r.Project, err)
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("apply rules of project %q: flush nftables batch: %w", r.Project, err)
	}
	return nil
}

// bigReceiveBuffer lets a large batch out and the kernel queue its
// acknowledgements (a project with dozens of published ports): with the default buffer
// the flush fails with ENOBUFS, as the nft tool's own mnl_set_rcvbuffer
// anticipates.
func bigReceiveBuffer(c *netlink.Conn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		// The whole batch goes out in one sendmsg, bounded by the send
		// buffer (EMSGSIZE beyond it).
		serr = errors.Join(unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 16<<20),
			unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, 16<<20))
	}); err != nil {
		return err
	}
	return serr
}

// DeleteRules removes the table of project and our rules in `ip filter`;
// missing ones are not an error.
func DeleteRules(project string) error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("delete rules of project %q: open nftables: %w", project, err)
	}
	t, err := c.ListTableOfFamily(TableName(project), nftables.TableFamilyINet)
	if err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("delete rules of project %q: list table: %w", project, err)
	}
	if t != nil {
		c.DelTable(t)
	}
	if err := queueCompat(c, project, nil); err != nil {
		return fmt.Errorf("delete rules of project %q: %w", project, err)
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("delete rules of project %q: flush nftables batch: %w", project, err)
	}
	return nil
}

func addNATChains(c *nftables.Conn, t *nftables.Table, r Rules) {
	pre := c.AddChain(&nftables.Chain{Name: "prerouting", Table: t, Type: nftables.ChainTypeNAT,
		Hooknum: nftables.ChainHookPrerouting, Priority: nftables.ChainPriorityNATDest})
	out := c.AddChain(&nftables.Chain{Name: "output", Table: t, Type: nftables.ChainTypeNAT,
		Hooknum: nftables.ChainHookOutput, Priority: nftables.ChainPriorityNATDest})
	post := c.AddChain(&nftables.Chain{Name: "postrouting", Table: t, Type: nftables.ChainTypeNAT,
		Hooknum: nftables.ChainHookPostrouting, Priority: nftables.ChainPriorityNATSource})
	for _, p := range r.Ports {
		proto, _ := protoNumber(p.Proto)
		cip := p.ContainerIP.Unmap()
		for i := range p.span() {
			match := concat(familyOf(cip), daddrLocal(), dportIs(proto, p.HostPort+uint16(i)))
			if p.HostIP.IsValid() && !p.HostIP.Unmap().IsUnspecified() {
				match = concat(daddrIs(p.HostIP.Unmap()), match)
			}
			body := concat(match, dnatTo(cip, p.ContainerPort+uint16(i)))
			c.AddRule(&nftables.Rule{Table: t, Chain: pre, Exprs: body})
			if cip.Is6() {
				// IPv6 has no route_localnet: a packet from ::1 cannot be
				// routed out, so [::1]:PORT is left unpublished (refused).
				body = concat(familyOf(cip), daddrIsNot(netip.IPv6Loopback()), body)
			}
			c.AddRule(&nftables.Rule{Table: t, Chain: out, Exprs: body})
		}
	}
	masq := []expr.Any{&expr.Masq{}}
	for _, n := range r.Networks {
		for _, sub := range n.all() {
			// DNATed into the bridge from its own subnet (hairpin) or from a
			// loopback source (host to 127.0.0.1:PORT): the reply must come
			// back through us, and a loopback source cannot go on the wire.
			srcs := []netip.Prefix{sub}
			if sub.Addr().Is4() {
				srcs = append(srcs, loopback4)
			}
			for _, src := range srcs {
				c.AddRule(&nftables.Rule{Table: t, Chain: post, Exprs: concat(
					ifaceMatch(expr.MetaKeyOIFNAME, expr.CmpOpEq, n.Bridge),
					ctStatusDNAT(expr.CmpOpNeq), saddrIn(src), masq)})
			}
			if !n.Internal {
				c.AddRule(&nftables.Rule{Table: t, Chain: post, Exprs: concat(
					saddrIn(sub), ifaceMatch(expr.MetaKeyOIFNAME, expr.CmpOpNeq, n.Bridge), masq)})
			}
		}
	}
}

func addForwardChain(c *nftables.Conn, t *nftables.Table, r Rules) {
	fwd := c.AddChain(&nftables.Chain{Name: "forward", Table: t, Type: nftables.ChainTypeFilter,
		Hooknum: nftables.ChainHookForward, Priority: nftables.ChainPriorityFilter, Policy: &policyAcc})
	add := func(parts ...[]expr.Any) { c.AddRule(&nftables.Rule{Table: t, Chain: fwd, Exprs: concat(parts...)}) }
	drop := []expr.Any{verdict(expr.VerdictDrop)}
	accept := []expr.Any{verdict(expr.VerdictAccept)}
	for _, n := range r.Networks {
		in := ifaceMatch(expr.MetaKeyIIFNAME, expr.CmpOpEq, n.Bridge)
		out := ifaceMatch(expr.MetaKeyOIFNAME, expr.CmpOpEq, n.Bridge)
		if n.Internal {
			add(in, ifaceMatch(expr.MetaKeyOIFNAME, expr.CmpOpNeq, n.Bridge), drop)
			add(out, ifaceMatch(expr.MetaKeyIIFNAME, expr.CmpOpNeq, n.Bridge), drop)
		}
		// Isolation: nothing from our bridge into another mc- bridge, unless
		// it goes to a published port (DNAT), which is public anyway.
		add(in, ifaceMatch(expr.MetaKeyOIFNAME, expr.CmpOpEq, "mc-*"),
			ifaceMatch(expr.MetaKeyOIFNAME, expr.CmpOpNeq, n.Bridge), ctStatusDNAT(expr.CmpOpEq), drop)
		// The same for bridges of any name, found by their group.
		add(in, oifGroupIs(BridgeGroup),
			ifaceMatch(expr.MetaKeyOIFNAME, expr.CmpOpNeq, n.Bridge), ctStatusDNAT(expr.CmpOpEq), drop)
		add(in, accept)
		add(out, ctEstablished(), accept)
		add(out, ctStatusDNAT(expr.CmpOpNeq), accept)
	}
}

// writeSysctl sets a sysctl of the calling thread's network namespace
// (key in /proc/sys form, e.g. "net/ipv4/ip_forward"), skipping the write
// when it already holds value.
func writeSysctl(key, value string) error {
	path := "/proc/sys/" + key
	if cur, err := os.ReadFile(path); err == nil && string(cur) == value+"\n" {
		return nil
	}
	if err := os.WriteFile(path, []byte(value), 0o644); err != nil {
		return fmt.Errorf("set sysctl %s=%s: %w", key, value, err)
	}
	return nil
}
