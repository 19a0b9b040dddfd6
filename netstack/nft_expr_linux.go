package netstack

import (
	"net/netip"

	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// Expression builders, each the netlink form that `nft` itself emits for
// the match named in its comment. All load into register 1 (2 for ports).

// ifaceMatch: `iifname "br"` / `oifname != "br"`; a trailing "*" matches a
// prefix, as iptables' "+" does (the name's NUL is left out of the compare).
func ifaceMatch(key expr.MetaKey, op expr.CmpOp, name string) []expr.Any {
	data := []byte(name + "\x00")
	if n := len(name); n > 0 && name[n-1] == '*' {
		data = []byte(name[:n-1])
	}
	return []expr.Any{
		&expr.Meta{Key: key, Register: 1},
		&expr.Cmp{Op: op, Register: 1, Data: data},
	}
}

// oifGroupIs: `meta oifgroup 0x6d63`.
func oifGroupIs(group uint32) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyOIFGROUP, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(group)},
	}
}

// ipv4Only: `meta nfproto ipv4`, the dependency of IPv4 header matches in
// an inet table.
func ipv4Only() []expr.Any { return nfprotoIs(unix.NFPROTO_IPV4) }

// familyOf: `meta nfproto ipv4` or `meta nfproto ipv6`, after a's family.
func familyOf(a netip.Addr) []expr.Any {
	if a.Unmap().Is4() {
		return nfprotoIs(unix.NFPROTO_IPV4)
	}
	return nfprotoIs(unix.NFPROTO_IPV6)
}

func nfprotoIs(proto byte) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{proto}},
	}
}

// saddrIn: `ip saddr 10.89.0.0/24` or `ip6 saddr fd00::/64`.
func saddrIn(p netip.Prefix) []expr.Any {
	if p.Addr().Is4() {
		return append(ipv4Only(), ipPrefixMatch(12, p)...)
	}
	return append(familyOf(p.Addr()), ipPrefixMatch(8, p)...)
}

// daddrIs: `ip daddr 10.0.0.1` or `ip6 daddr fd00::1`.
func daddrIs(a netip.Addr) []expr.Any {
	a = a.Unmap()
	if a.Is4() {
		return append(ipv4Only(), ipPrefixMatch(16, netip.PrefixFrom(a, 32))...)
	}
	return append(familyOf(a), ipPrefixMatch(24, netip.PrefixFrom(a, 128))...)
}

// daddrIsNot: `ip6 daddr != ::1` (the family match comes from the caller).
func daddrIsNot(a netip.Addr) []expr.Any {
	m := daddrIs(a)[2:]
	m[len(m)-1].(*expr.Cmp).Op = expr.CmpOpNeq
	return m
}

// ipPrefixMatch compares the address at offset of the network header with
// p (4 or 16 bytes after p's family).
func ipPrefixMatch(offset uint32, p netip.Prefix) []expr.Any {
	n := uint32(p.Addr().BitLen() / 8)
	out := []expr.Any{&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: offset, Len: n}}
	if p.Bits() < p.Addr().BitLen() {
		mask := prefixNet(p).Mask
		out = append(out, &expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: n, Mask: mask, Xor: make([]byte, n)})
	}
	return append(out, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: p.Masked().Addr().AsSlice()})
}

// dportIs: `meta l4proto tcp th dport 8080`.
func dportIs(proto byte, port uint16) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{proto}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.BigEndian.PutUint16(port)},
	}
}

// daddrLocal: `fib daddr type local`.
func daddrLocal() []expr.Any {
	return []expr.Any{
		&expr.Fib{Register: 1, FlagDADDR: true, ResultADDRTYPE: true},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(unix.RTN_LOCAL)},
	}
}

// ctStatusDNAT: `ct status dnat` (op Neq) or `ct status != dnat` (op Eq).
func ctStatusDNAT(op expr.CmpOp) []expr.Any {
	return ctBits(expr.CtKeySTATUS, ipsDstNAT, op)
}

// ctEstablished: `ct state established,related`.
func ctEstablished() []expr.Any {
	return ctBits(expr.CtKeySTATE, expr.CtStateBitESTABLISHED|expr.CtStateBitRELATED, expr.CmpOpNeq)
}

func ctBits(key expr.CtKey, mask uint32, op expr.CmpOp) []expr.Any {
	return []expr.Any{
		&expr.Ct{Register: 1, Key: key},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4,
			Mask: binaryutil.NativeEndian.PutUint32(mask), Xor: make([]byte, 4)},
		&expr.Cmp{Op: op, Register: 1, Data: make([]byte, 4)},
	}
}

// dnatTo: `dnat ip to 10.89.0.2:80` or `dnat ip6 to [fd00::2]:80`.
func dnatTo(ip netip.Addr, port uint16) []expr.Any {
	family := uint32(unix.NFPROTO_IPV4)
	if ip.Is6() {
		family = unix.NFPROTO_IPV6
	}
	return []expr.Any{
		&expr.Immediate{Register: 1, Data: ip.AsSlice()},
		&expr.Immediate{Register: 2, Data: binaryutil.BigEndian.PutUint16(port)},
		&expr.NAT{Type: expr.NATTypeDestNAT, Family: family,
			RegAddrMin: 1, RegProtoMin: 2, Specified: true},
	}
}

func verdict(k expr.VerdictKind) *expr.Verdict { return &expr.Verdict{Kind: k} }

// concat joins expression lists into one rule body.
func concat(parts ...[]expr.Any) []expr.Any {
	var out []expr.Any
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// ipsDstNAT is IPS_DST_NAT of the conntrack status bits.
const ipsDstNAT = 1 << 5
