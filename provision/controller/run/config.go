package run

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"brine/inventory/roster"
	"brine/provision/controller/compile"
	"brine/provision/controller/history"
	"brine/provision/host/grains"
)

// defaultKeepJobs is how many jobs the history keeps unless brine.yaml's
// keep_jobs says otherwise.
const defaultKeepJobs = 1000

// Config is brine.yaml: the masterless.conf of the seed article (file_roots
// and pillar_roots, read by compile.LoadConfig) plus roster_defaults and the
// pillar paths whose values are secret (masked in all output).
type Config struct {
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

// ConfigKeys are the keys of brine.yaml Run reads itself (file_roots,
// pillar_roots and the Config fields); the command line's option keys are
// the command line's to know.
func ConfigKeys() []string {
	keys := []string{"file_roots", "pillar_roots"}
	t := reflect.TypeOf(Config{})
	for i := range t.NumField() {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); k != "" && k != "-" {
			keys = append(keys, k)
		}
	}
	return keys
}

// LoadConfig reads brine.yaml at path; a missing file is an empty config
// unless explicit (--config named it).
func LoadConfig(path string, explicit bool) (*Config, error) {
	return loadConfig(path, explicit, false)
}

// loadConfig is LoadConfig; master says the file is Salt's master config,
// whose keep_jobs is in hours (brine.yaml's is a number of jobs).
func loadConfig(path string, explicit, master bool) (*Config, error) {
	c := &Config{}
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
	if master && c.KeepJobs != nil {
		// Salt's keep_jobs: hours of jobs to keep.
		if c.KeepJobsSeconds == 0 {
			c.KeepJobsSeconds = int64(*c.KeepJobs) * 3600
		}
		c.KeepJobs = nil
	}
	if err := c.checkKeep(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if _, err := c.saltVersionGrains(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// checkKeep refuses a negative keep_jobs or keep_jobs_seconds.
func (c *Config) checkKeep() error {
	if c.KeepJobs != nil && *c.KeepJobs < 0 {
		return fmt.Errorf("keep_jobs: %d: want a number of jobs (a count, not Salt's hours), 0 for no limit", *c.KeepJobs)
	}
	if c.KeepJobsSeconds < 0 {
		return fmt.Errorf("keep_jobs_seconds: %d: want seconds, 0 for no limit", c.KeepJobsSeconds)
	}
	return nil
}

// Keep is the history's pruning: keep_jobs jobs (a count, default 1000;
// 0 keeps any number; NOT Salt's hours) and keep_jobs_seconds (Salt's
// name: an age; default 0, no age limit).
func (c *Config) Keep() history.Keep {
	k := history.Keep{Jobs: defaultKeepJobs, Age: time.Duration(c.KeepJobsSeconds) * time.Second}
	if c.KeepJobs != nil {
		k.Jobs = *c.KeepJobs
	}
	return k
}

// saltVersionGrains returns the saltversion/saltversioninfo grains
// salt_version asks for (nil when unset: the executor reports
// grains.DefaultSaltVersion itself).
func (c *Config) saltVersionGrains() (map[string]any, error) {
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
func (c *Config) applySaltVersion(hosts []*roster.Host) error {
	sg, err := c.saltVersionGrains()
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

// loadTree is the state tree's roots from brine.yaml and the options.
func (o *Options) loadTree() (compile.Tree, error) {
	tree, err := compile.LoadConfig(o.Config)
	if err != nil {
		return tree, UsageError{err}
	}
	if tree.FileRoots == nil {
		tree.FileRoots = map[string][]string{}
	}
	if o.FileRoot != "" {
		tree.FileRoots["base"] = []string{o.FileRoot}
	} else if len(tree.FileRoots) == 0 {
		tree.FileRoots["base"] = []string{"states"}
	}
	for env, roots := range tree.FileRoots {
		for _, r := range roots {
			if fi, err := os.Stat(r); err != nil || !fi.IsDir() {
				return tree, Usagef("file root %q of saltenv %q is not a directory (set --file-root or file_roots in %s)", r, env, o.Config)
			}
		}
	}
	if o.PillarRoot != "" {
		tree.PillarRoots = map[string][]string{"base": {o.PillarRoot}}
	} else if len(tree.PillarRoots) == 0 {
		if fi, err := os.Stat("pillar"); err == nil && fi.IsDir() {
			tree.PillarRoots = map[string][]string{"base": {"pillar"}}
		}
	}
	return tree, nil
}

// StateNames are the SLS names of the state tree's roots (every saltenv):
// a.b for a/b.sls and for a/b/init.sls, sorted, top excluded.
func StateNames(o Options) ([]string, error) {
	o = o.withDefaults()
	tree, err := o.loadTree()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, roots := range tree.FileRoots {
		for _, root := range roots {
			filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return nil
				}
				if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != root {
					return filepath.SkipDir
				}
				rel, err := filepath.Rel(root, p)
				if err != nil || d.IsDir() || !strings.HasSuffix(rel, ".sls") {
					return nil
				}
				rel = strings.TrimSuffix(rel, ".sls")
				if rel == "init" || rel == "top" {
					return nil
				}
				rel = strings.TrimSuffix(rel, string(filepath.Separator)+"init")
				seen[strings.ReplaceAll(rel, string(filepath.Separator), ".")] = true
				return nil
			})
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}
