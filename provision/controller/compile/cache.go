package compile

import "sync"

// cache is a concurrency-safe map that empties itself when it reaches max
// entries, which bounds memory over long runs with many distinct hosts.
type cache struct {
	mu  sync.RWMutex
	m   map[string]any
	max int
}

func newCache(max int) *cache { return &cache{m: map[string]any{}, max: max} }

func (c *cache) get(k string) (any, bool) {
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	return v, ok
}

func (c *cache) put(k string, v any) {
	c.mu.Lock()
	if len(c.m) >= c.max {
		c.m = map[string]any{}
	}
	c.m[k] = v
	c.mu.Unlock()
}
