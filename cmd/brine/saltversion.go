package main

import (
	"fmt"

	"brine/inventory/roster"
	"brine/provision/host/grains"
)

// saltVersionGrains returns the saltversion/saltversioninfo grains brine.yaml's
// salt_version asks for (nil when unset: the executor reports
// grains.DefaultSaltVersion itself).
func (c *config) saltVersionGrains() (map[string]any, error) {
	if c.SaltVersion == "" {
		return nil, nil
	}
	s, info, err := grains.SaltVersion(c.SaltVersion)
	if err != nil {
		return nil, err
	}
	return map[string]any{"saltversion": s, "saltversioninfo": info}, nil
}

// applySaltVersion sets the configured Salt version grains on each host
// beneath its own roster grains, so they reach the compile and the
// executor's grains like any roster grain (a host's roster may still set
// saltversion itself).
func applySaltVersion(cfg *config, hosts []*roster.Host) error {
	sg, err := cfg.saltVersionGrains()
	if err != nil || sg == nil {
		return err
	}
	for _, h := range hosts {
		if h.Grains == nil {
			h.Grains = map[string]any{}
		}
		for k, v := range sg {
			if _, set := h.Grains[k]; !set {
				h.Grains[k] = v
			}
		}
	}
	return nil
}

// validate checks brine.yaml's values that have a fixed form.
func (c *config) validate(path string) error {
	if _, err := c.saltVersionGrains(); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}
