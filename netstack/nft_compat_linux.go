package netstack

import (
	"fmt"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
	"github.com/google/nftables/xt"
)

// Docker coexistence. dockerd sets the policy of iptables' FORWARD chain
// (table `ip filter`, nft backend) to drop, and with br_netfilter even
// traffic inside one bridge passes that chain. A drop in any base chain is
// final, so, like podman's netavark, we add accept rules for our bridges to
// that chain, or to DOCKER-USER (Docker's place for other tools' rules)
// when it exists. They are shaped as iptables-nft writes `-i br -j ACCEPT`
// (meta iifname, cmp of the name with its NUL, counter, verdict) so that
// `iptables -L` still parses them, and carry the comment
// "mini-compose:<project>" by which we find and remove them.

const (
	compatTable  = "filter"
	compatChain  = "FORWARD"
	compatDocker = "DOCKER-USER"
)

// queueCompat queues into c the removal of the project's rules from the
// iptables and ip6tables chains and, for nets, the insertion of fresh ones.
// Nothing is queued for a family whose `filter` FORWARD chain does not
// exist (ip6tables' when Docker runs with ip6tables enabled).
func queueCompat(c *nftables.Conn, project string, nets []NetRule) error {
	for _, fam := range []nftables.TableFamily{nftables.TableFamilyIPv4, nftables.TableFamilyIPv6} {
		if err := queueCompatFamily(c, fam, project, nets); err != nil {
			return err
		}
	}
	return nil
}

func queueCompatFamily(c *nftables.Conn, fam nftables.TableFamily, project string, nets []NetRule) error {
	chains, err := c.ListChainsOfTableFamily(fam)
	if err != nil {
		return fmt.Errorf("list iptables chains: %w", err)
	}
	found := map[string]*nftables.Chain{}
	for _, ch := range chains {
		if ch.Table.Name == compatTable && (ch.Name == compatChain || ch.Name == compatDocker) {
			found[ch.Name] = ch
		}
	}
	if found[compatChain] == nil {
		return nil
	}
	tag := commentTag(project)
	for _, ch := range found {
		rules, err := c.GetRules(ch.Table, ch)
		if err != nil {
			return fmt.Errorf("list rules of iptables chain %s: %w", ch.Name, err)
		}
		for _, r := range rules {
			if s, ok := userdata.GetString(r.UserData, userdata.TypeComment); ok && s == tag {
				if err := c.DelRule(r); err != nil {
					return fmt.Errorf("delete rule of iptables chain %s: %w", ch.Name, err)
				}
			}
		}
	}
	target := found[compatChain]
	if d := found[compatDocker]; d != nil {
		target = d
	}
	udata := userdata.AppendString(nil, userdata.TypeComment, tag)
	// InsertRule prepends, so queue in reverse to keep the order below.
	for i := len(nets) - 1; i >= 0; i-- {
		for _, body := range compatRules(nets[i].Bridge) {
			c.InsertRule(&nftables.Rule{Table: target.Table, Chain: target, Exprs: body, UserData: udata})
		}
	}
	return nil
}

// compatRules returns, in reverse order of evaluation, the iptables-shaped
// `-o br -m conntrack --ctstate DNAT -j ACCEPT` (published ports),
// `-o br -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT` and
// `-i br -j ACCEPT`. Conntrack goes through the xt match, as iptables-nft
// 1.8 writes it: it rejects a table with native `ct` expressions.
func compatRules(bridge string) [][]expr.Any {
	tail := []expr.Any{&expr.Counter{}, verdict(expr.VerdictAccept)}
	out := ifaceMatch(expr.MetaKeyOIFNAME, expr.CmpOpEq, bridge)
	return [][]expr.Any{
		concat(out, xtCtState(xtStateDNAT), tail),
		concat(out, xtCtState(xtStateEstablished|xtStateRelated), tail),
		concat(ifaceMatch(expr.MetaKeyIIFNAME, expr.CmpOpEq, bridge), tail),
	}
}

// State bits of xt_conntrack: XT_CONNTRACK_STATE_BIT(ctinfo) and
// XT_CONNTRACK_STATE_DNAT = 1 << (IP_CT_NUMBER + 2).
const (
	xtStateEstablished = 1 << 1
	xtStateRelated     = 1 << 2
	xtStateDNAT        = 1 << 7
)

func xtCtState(mask uint16) []expr.Any {
	info := &xt.ConntrackMtinfo3{}
	info.StateMask = mask
	info.MatchFlags = uint16(xt.ConntrackState)
	return []expr.Any{&expr.Match{Name: "conntrack", Rev: 3, Info: info}}
}
