package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// config is brine.yaml: the masterless.conf of the seed article (file_roots
// and pillar_roots, read by compile.LoadConfig) plus roster_defaults and the
// pillar paths whose values are secret (masked in all output).
type config struct {
	RosterDefaults map[string]any `yaml:"roster_defaults"`
	SecretPillar   []string       `yaml:"secret_pillar"`
	// Nodegroups are named targets for -N and N@ (and top files).
	Nodegroups map[string]any `yaml:"nodegroups"`
	// KeepJobs is how many jobs the job history keeps (default 1000; 0:
	// no limit). A count, unlike Salt's keep_jobs (hours).
	KeepJobs *int `yaml:"keep_jobs"`
	// KeepJobsSeconds drops jobs older than this (Salt's name; default 0:
	// no age limit).
	KeepJobsSeconds int64 `yaml:"keep_jobs_seconds"`
	// SaltVersion is the Salt release reported as the saltversion and
	// saltversioninfo grains (default grains.DefaultSaltVersion, 3007.1).
	SaltVersion string `yaml:"salt_version"`
}

func loadConfig(path string, explicit bool) (*config, error) {
	c := &config{}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if err := yaml.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if err := c.checkKeep(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if err := c.validate(path); err != nil {
		return nil, err
	}
	return c, nil
}

// parseValue reads a command-line value the way Salt does (YAML scalars).
func parseValue(s string) any {
	var v any
	if err := yaml.Unmarshal([]byte(s), &v); err != nil || v == nil {
		return s
	}
	switch t := v.(type) {
	case string:
		return t
	case bool, int, float64, []any, map[string]any:
		return t
	}
	return strings.TrimSpace(s)
}
