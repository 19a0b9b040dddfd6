package main

import (
	"fmt"
	"strings"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"
)

// kernelClean reports whether this network namespace holds no bridge or
// veth of mini-compose ("mc-", "mv-") and no nftables table of project.
// The benchmark runs one project at a time in a namespace of its own, so
// any such link is a leftover of the project being taken down.
func kernelClean(project string) (bool, error) {
	links, err := netlink.LinkList()
	if err != nil {
		return false, fmt.Errorf("list links: %w", err)
	}
	for _, l := range links {
		n := l.Attrs().Name
		if strings.HasPrefix(n, "mc-") || strings.HasPrefix(n, "mv-") {
			return false, nil
		}
	}
	c, err := nftables.New()
	if err != nil {
		return false, fmt.Errorf("open nftables: %w", err)
	}
	tables, err := c.ListTables()
	if err != nil {
		return false, fmt.Errorf("list nftables tables: %w", err)
	}
	for _, t := range tables {
		if t.Name == "mc-"+project {
			return false, nil
		}
	}
	return true, nil
}
