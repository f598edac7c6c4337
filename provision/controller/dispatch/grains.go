package dispatch

import "brine/inventory/roster"

// HostGrains are a host's grains as the controller sees them: the collected
// grains (cached or just answered), the roster's grains on top, as the
// executor has them, and the host's id.
func HostGrains(collected map[string]any, h *roster.Host) map[string]any {
	g := make(map[string]any, len(collected)+len(h.Grains)+1)
	for k, v := range collected {
		g[k] = v
	}
	for k, v := range h.Grains {
		g[k] = v
	}
	g["id"] = h.ID
	return g
}

// Grains returns h's grains from the cache entry for addr (host:port),
// ok false when there is none.
func (c Cache) Grains(h *roster.Host, addr string) (map[string]any, bool) {
	hc, ok := c.Load(h.ID, addr)
	if !ok || hc.Grains == nil {
		return nil, false
	}
	return HostGrains(hc.Grains, h), true
}
