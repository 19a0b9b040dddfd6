package engine

import "github.com/mini-compose/mini-compose/resolver"

// registerDNS publishes a running container's names on its networks; the
// resolver knows it by name, which PTR answers give.
func (e *Engine) registerDNS(st *ProjectState, c *ContainerState) {
	if len(c.Networks) == 0 {
		return
	}
	client := resolver.Client{ID: c.Name, Links: c.Links, Upstreams: c.Upstreams, NoForward: true}
	entries := make([]resolver.Entry, 0, len(c.Networks))
	for _, at := range c.Networks {
		if n := st.Networks[at.Network]; n == nil || !n.Internal {
			client.NoForward = false
		}
		entries = append(entries, resolver.Entry{Network: at.Network, IPv4: at.IP, IPv6: at.IPv6, Names: at.Names})
	}
	e.dns.SetContainer(client, entries)
}
