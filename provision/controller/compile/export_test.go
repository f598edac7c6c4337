package compile

// len is the number of entries (tests count renders with it).
func (c *cache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
