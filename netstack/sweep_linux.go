package netstack

import (
	"errors"
	"fmt"
	"sync"

	"github.com/vishvananda/netlink"
)

// SweepSpec names what a project may have left in the kernel. Names are
// enough: the links are found by their hashed names, so it works when the
// persisted state is incomplete (a kill -9 during up) or stale (a bridge
// lost since).
type SweepSpec struct {
	Project    string   // table `inet mc-<project>` and iptables rules tagged "mini-compose:<project>"
	Networks   []string // networks the project owns (never external ones): bridge, dummy parent and every bridge port
	Bridges    []string // further bridges of the project with custom names (com.docker.network.bridge.name), ports included
	Containers []string // container ids: their veths VethName(id, network) for every network
	NetNS      []string // pinned netns paths to unmount and remove
}

// sweepWorkers bounds the concurrent link deletions (each waits ~30 ms for
// the kernel's RCU grace period, so they are done side by side).
const sweepWorkers = 8

// Sweep removes everything of s that exists, in the calling thread's
// network namespace: first the firewall rules, then the veths (the named
// ones and any port of the project's bridges), then bridges and dummy
// parents, then the netns pins. Every step runs even when one fails; the
// errors are joined. Missing objects are not errors, so Sweep may run
// any number of times.
func Sweep(s SweepSpec) error {
	var errs []error
	if s.Project != "" {
		if err := DeleteRules(s.Project); err != nil {
			errs = append(errs, err)
		}
	}
	veths, masters, err := sweepTargets(s)
	if err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, deleteLinks(veths)...)
	errs = append(errs, deleteLinks(masters)...)
	for _, p := range s.NetNS {
		if err := DeleteNetNS(p); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sweep project %q: %w", s.Project, err)
	}
	return nil
}

// sweepTargets lists the existing links of s: veths first, masters second.
func sweepTargets(s SweepSpec) (veths, masters []netlink.Link, err error) {
	links, err := netlink.LinkList()
	if err != nil {
		return nil, nil, fmt.Errorf("list links: %w", err)
	}
	byName := map[string]netlink.Link{}
	for _, l := range links {
		byName[l.Attrs().Name] = l
	}
	seen := map[int]bool{}
	addVeth := func(l netlink.Link) {
		if !seen[l.Attrs().Index] {
			seen[l.Attrs().Index] = true
			veths = append(veths, l)
		}
	}
	bridges := append([]string(nil), s.Bridges...)
	for _, n := range s.Networks {
		bridges = append(bridges, BridgeName(n))
	}
	for _, name := range bridges {
		if br, ok := byName[name]; ok && br.Type() == "bridge" && !seen[br.Attrs().Index] {
			seen[br.Attrs().Index] = true
			masters = append(masters, br)
			for _, l := range links {
				if l.Attrs().MasterIndex == br.Attrs().Index {
					addVeth(l)
				}
			}
		}
	}
	for _, n := range s.Networks {
		if d, ok := byName[DummyName(n)]; ok {
			masters = append(masters, d)
		}
		for _, c := range s.Containers {
			if l, ok := byName[VethName(c, n)]; ok && l.Type() == "veth" {
				addVeth(l)
			}
		}
	}
	return veths, masters, nil
}

// deleteLinks deletes links concurrently through netlink handles opened
// here, so every worker acts in the caller's namespace whatever thread it
// runs on.
func deleteLinks(links []netlink.Link) []error {
	if len(links) == 0 {
		return nil
	}
	jobs := make(chan netlink.Link)
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	started := 0
	for range min(sweepWorkers, len(links)) {
		h, err := netlink.NewHandle()
		if err != nil {
			errs = append(errs, fmt.Errorf("open netlink: %w", err))
			break
		}
		started++
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer h.Close()
			for l := range jobs {
				if err := h.LinkDel(l); err != nil && !isNotFound(err) {
					mu.Lock()
					errs = append(errs, fmt.Errorf("delete %s %q: %w", l.Type(), l.Attrs().Name, err))
					mu.Unlock()
				}
			}
		}()
	}
	if started == 0 {
		return errs
	}
	for _, l := range links {
		jobs <- l
	}
	close(jobs)
	wg.Wait()
	return errs
}
