package netstack

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// EnvAddressPools names the environment variable that overrides
// DefaultPools, e.g. "10.89.0.0/16/24,192.168.200.0/22/26".
const EnvAddressPools = "MINI_COMPOSE_ADDRESS_POOLS"

// Pool is a range of addresses split into subnets of prefix length Size.
type Pool struct {
	Base netip.Prefix
	Size int
}

// String renders the pool in the "base/size" form accepted by ParsePools.
func (p Pool) String() string { return fmt.Sprintf("%s/%d", p.Base, p.Size) }

// defaultPools yields 512 /24 networks.
var defaultPools = []Pool{
	{Base: netip.MustParsePrefix("10.89.0.0/16"), Size: 24},
	{Base: netip.MustParsePrefix("10.90.0.0/16"), Size: 24},
}

// DefaultPools returns the pools set by MINI_COMPOSE_ADDRESS_POOLS, or
// 10.89.0.0/16 and 10.90.0.0/16 split into /24s when it is unset, invalid
// or names no IPv4 pool. Callers that want to report an invalid variable
// use ParsePools on it.
func DefaultPools() []Pool {
	if s := os.Getenv(EnvAddressPools); s != "" {
		if pools, err := ParsePools(s); err == nil {
			return withDefaults4(pools)
		}
	}
	return append([]Pool(nil), defaultPools...)
}

// withDefaults4 appends the default IPv4 pools when pools has none.
func withDefaults4(pools []Pool) []Pool {
	for _, p := range pools {
		if p.Base.Addr().Is4() {
			return pools
		}
	}
	return append(append([]Pool(nil), pools...), defaultPools...)
}

// withDefaults appends the default pools of each family pools lacks.
func withDefaults(pools []Pool) []Pool {
	pools = withDefaults4(pools)
	for _, p := range pools {
		if p.Base.Addr().Is6() {
			return pools
		}
	}
	return append(append([]Pool(nil), pools...), defaultPools6...)
}

// ParsePools parses a comma-separated list of "base/bits/size" pools, such
// as "10.89.0.0/16/24,192.168.200.0/22/26".
func ParsePools(s string) ([]Pool, error) {
	var pools []Pool
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		i := strings.LastIndexByte(item, '/')
		if i < 0 {
			return nil, fmt.Errorf("parse pool %q: want base/bits/size", item)
		}
		base, err := netip.ParsePrefix(item[:i])
		if err != nil {
			return nil, fmt.Errorf("parse pool %q: %w", item, err)
		}
		size, err := strconv.Atoi(item[i+1:])
		if err != nil {
			return nil, fmt.Errorf("parse pool %q: size: %w", item, err)
		}
		if base != base.Masked() {
			return nil, fmt.Errorf("parse pool %q: base has host bits set", item)
		}
		if size < base.Bits() || size > base.Addr().BitLen() {
			return nil, fmt.Errorf("parse pool %q: size /%d outside /%d../%d", item, size, base.Bits(), base.Addr().BitLen())
		}
		pools = append(pools, Pool{Base: base, Size: size})
	}
	if len(pools) == 0 {
		return nil, fmt.Errorf("parse pools %q: no pool given", s)
	}
	return pools, nil
}

// each calls fn on every subnet of the pool in address order until fn
// returns false.
func (p Pool) each(fn func(netip.Prefix) bool) {
	if p.Size < p.Base.Bits() {
		return
	}
	addr := p.Base.Masked().Addr()
	for p.Base.Contains(addr) {
		sub := netip.PrefixFrom(addr, p.Size)
		if !fn(sub) {
			return
		}
		addr = lastAddr(sub).Next()
		if !addr.IsValid() {
			return
		}
	}
}

// lastAddr returns the highest address of p (its broadcast for IPv4).
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	host := len(b)*8 - p.Bits()
	for i := len(b) - 1; i >= 0 && host > 0; i-- {
		n := min(host, 8)
		b[i] |= byte(1<<n - 1)
		host -= n
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// overlaps reports whether a and b share an address.
func overlaps(a, b netip.Prefix) bool {
	return a.Addr().Is4() == b.Addr().Is4() && a.Overlaps(b)
}

// defaultPools6 yields 65536 /64 networks of a ULA prefix.
var defaultPools6 = []Pool{{Base: netip.MustParsePrefix("fd00:6d63::/48"), Size: 64}}

// DefaultPools6 returns fd00:6d63::/48 split into /64s, the IPv6 pool used
// when the configured pools name no IPv6 one.
func DefaultPools6() []Pool { return append([]Pool(nil), defaultPools6...) }
