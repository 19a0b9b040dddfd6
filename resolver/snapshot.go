package resolver

import (
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// containerRec is what SetContainer was given for one container.
type containerRec struct {
	client  Client
	entries []Entry
}

// addrSet holds the addresses one name resolves to on one network.
type addrSet struct {
	v4, v6 []netip.Addr
}

// netView is the precomputed DNS view of one network.
type netView struct {
	// names maps lowercase FQDNs, bare ("web.") and network-qualified
	// ("web.proj_default."), to the addresses on this network.
	names map[string]*addrSet
	// ptr maps lowercase reverse names to "<container id>.<network>.".
	ptr map[string]string
}

// linkTarget is where a link alias points: a lowercase FQDN looked up on
// nets only.
type linkTarget struct {
	name string
	nets []*netView
}

// clientView is everything a query from one container needs, precomputed
// so that the handler does map lookups only.
type clientView struct {
	id        string
	nets      []*netView
	links     map[string]linkTarget
	upstreams []string
	noForward bool
}

// snapshot is an immutable view of all containers; the Server swaps it
// atomically on every change (copy-on-write) so readers never lock.
type snapshot struct {
	byIP map[netip.Addr]*clientView
}

// fqdnKey returns the lowercase FQDN of name, or "" for an empty name.
func fqdnKey(name string) string {
	name = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
	if name == "" {
		return ""
	}
	return name + "."
}

// buildSnapshot derives the lookup maps from the containers.
func buildSnapshot(cs map[string]containerRec) *snapshot {
	nets := map[string]*netView{}
	for _, rec := range cs {
		for _, e := range rec.entries {
			nv := nets[e.Network]
			if nv == nil {
				nv = &netView{names: map[string]*addrSet{}, ptr: map[string]string{}}
				nets[e.Network] = nv
			}
			nv.add(rec.client.ID, e)
		}
	}
	snap := &snapshot{byIP: map[netip.Addr]*clientView{}}
	for _, rec := range cs {
		cv := newClientView(rec, nets)
		for _, e := range rec.entries {
			for _, ip := range []netip.Addr{e.IPv4, e.IPv6} {
				if ip.IsValid() {
					snap.byIP[ip.Unmap().WithZone("")] = cv
				}
			}
		}
	}
	return snap
}

// add registers the names and addresses of container id's entry e.
func (nv *netView) add(id string, e Entry) {
	v4, v6 := e.IPv4.Unmap(), e.IPv6
	if v4.IsValid() && !v4.Is4() {
		v4 = netip.Addr{}
	}
	if v6.IsValid() && !v6.Is6() {
		v6 = netip.Addr{}
	}
	suffix := fqdnKey(e.Network)
	seen := map[string]bool{}
	for _, n := range e.Names {
		k := fqdnKey(n)
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		for _, key := range []string{k, k + suffix} {
			as := nv.names[key]
			if as == nil {
				as = &addrSet{}
				nv.names[key] = as
			}
			if v4.IsValid() {
				as.v4 = append(as.v4, v4)
			}
			if v6.IsValid() {
				as.v6 = append(as.v6, v6)
			}
		}
	}
	target := dns.Fqdn(id + "." + strings.TrimSuffix(e.Network, "."))
	for _, ip := range []netip.Addr{v4, v6} {
		if !ip.IsValid() {
			continue
		}
		if rev, err := dns.ReverseAddr(ip.String()); err == nil {
			nv.ptr[strings.ToLower(rev)] = target
		}
	}
}

// newClientView precomputes the scope of one container: the networks it
// is on and its link aliases, bare and qualified by each of its networks.
func newClientView(rec containerRec, nets map[string]*netView) *clientView {
	cv := &clientView{
		id:        rec.client.ID,
		upstreams: rec.client.Upstreams,
		noForward: rec.client.NoForward,
		links:     map[string]linkTarget{},
	}
	byName := map[string]*netView{}
	for _, e := range rec.entries {
		nv := nets[e.Network]
		if _, dup := byName[e.Network]; dup || nv == nil {
			continue
		}
		byName[e.Network] = nv
		cv.nets = append(cv.nets, nv)
	}
	for alias, target := range rec.client.Links {
		a, t := fqdnKey(alias), fqdnKey(target)
		if a == "" || t == "" {
			continue
		}
		cv.links[a] = linkTarget{name: t, nets: cv.nets}
		for name, nv := range byName {
			cv.links[a+fqdnKey(name)] = linkTarget{name: t, nets: []*netView{nv}}
		}
	}
	return cv
}

// resolve returns the addresses of the lowercase FQDN name in the scope of
// the container. The slices may alias the snapshot: never modify them.
func (cv *clientView) resolve(name string) (v4, v6 []netip.Addr, ok bool) {
	if lt, hit := cv.links[name]; hit {
		return lookupIn(lt.name, lt.nets)
	}
	return lookupIn(name, cv.nets)
}

// lookupIn merges the addresses of name on nets, copying only when more
// than one network knows the name.
func lookupIn(name string, nets []*netView) (v4, v6 []netip.Addr, ok bool) {
	merged := false
	for _, nv := range nets {
		as := nv.names[name]
		if as == nil {
			continue
		}
		if !ok {
			v4, v6, ok = as.v4, as.v6, true
			continue
		}
		if !merged {
			v4 = append([]netip.Addr(nil), v4...)
			v6 = append([]netip.Addr(nil), v6...)
			merged = true
		}
		v4 = append(v4, as.v4...)
		v6 = append(v6, as.v6...)
	}
	return v4, v6, ok
}

// reverse returns the PTR target of the lowercase reverse name, if the
// address belongs to a container on one of the asker's networks.
func (cv *clientView) reverse(name string) (string, bool) {
	for _, nv := range cv.nets {
		if t, ok := nv.ptr[name]; ok {
			return t, true
		}
	}
	return "", false
}
