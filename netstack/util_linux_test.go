package netstack

import (
	"net/netip"
	"strconv"
)

func mustPrefixT(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func mustAddrT(s string) netip.Addr     { return netip.MustParseAddr(s) }
func itoa(i int) string                 { return strconv.Itoa(i) }
