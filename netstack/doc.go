// Package netstack wires container networking: address management (IPAM)
// with persisted allocations, pinned network namespaces, bridges, veth
// pairs and macvlan/ipvlan links through netlink, and one nftables table
// per project for NAT, port publishing, forwarding and isolation, IPv4 and
// IPv6 alike.
//
// Every kernel operation acts on the network namespace of the calling OS
// thread; use WithNetNS to act inside another one.
//
// # Address pools
//
// Automatic subnets come from pools: by default 10.89.0.0/16 and
// 10.90.0.0/16 split into /24s (512 networks) and, for IPv6, the ULA
// prefix fd00:6d63::/48 split into /64s. MINI_COMPOSE_ADDRESS_POOLS
// overrides them with a comma-separated list of "base/bits/size"
// ("10.89.0.0/16/24,fd00:6d63::/48/64"); LoadPoolsConfig reads the same
// from a JSON file shaped like Docker's daemon.json:
//
//	{"default-address-pools": [
//	  {"base": "10.89.0.0/16", "size": 24},
//	  {"base": "fd00:6d63::/48", "size": 64}
//	]}
//
// A family left out keeps its default pools.
package netstack
