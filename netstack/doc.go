// Package netstack wires container networking: address management (IPAM)
// with persisted allocations, pinned network namespaces, bridges and veth
// pairs through netlink, and one nftables table per project for NAT, port
// publishing, forwarding and isolation.
//
// Every kernel operation acts on the network namespace of the calling OS
// thread; use WithNetNS to act inside another one.
package netstack
