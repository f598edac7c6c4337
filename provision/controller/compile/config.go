package compile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"gopkg.in/yaml.v3"

	"brine/inventory/match"
)

// Tree is a state tree: saltenv -> roots (the first root that has a file
// wins), and the pillar roots per saltenv (may be empty: no pillar).
type Tree struct {
	FileRoots   map[string][]string
	PillarRoots map[string][]string
	// Nodegroups are brine.yaml's nodegroups, for top files' N@ and
	// `match: nodegroup`.
	Nodegroups match.Nodegroups
}

// Config is the part of brine.yaml the compiler reads; it is a Tree.
type Config = Tree

// LoadConfig reads file_roots and pillar_roots from brine.yaml at path.
// Relative roots are taken relative to the file's directory. A missing file
// gives a zero Config and no error.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Config{}, nil
	}
	if err != nil {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	var raw struct {
		FileRoots   map[string]any `yaml:"file_roots"`
		PillarRoots map[string]any `yaml:"pillar_roots"`
		Nodegroups  map[string]any `yaml:"nodegroups"`
	}
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	dir := filepath.Dir(path)
	fr, err := rootsOf(raw.FileRoots, dir)
	if err != nil {
		return Config{}, fmt.Errorf("%s: file_roots: %w", path, err)
	}
	pr, err := rootsOf(raw.PillarRoots, dir)
	if err != nil {
		return Config{}, fmt.Errorf("%s: pillar_roots: %w", path, err)
	}
	ng, err := match.NewNodegroups(raw.Nodegroups)
	if err != nil {
		return Config{}, fmt.Errorf("%s: nodegroups: %w", path, err)
	}
	return Config{FileRoots: fr, PillarRoots: pr, Nodegroups: ng}, nil
}

func rootsOf(m map[string]any, dir string) (map[string][]string, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := map[string][]string{}
	for env, v := range m {
		var list []string
		switch t := v.(type) {
		case string:
			list = []string{t}
		case []any:
			for _, e := range t {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("saltenv %q: root %v is not a string", env, e)
				}
				list = append(list, s)
			}
		default:
			return nil, fmt.Errorf("saltenv %q: want a list of directories", env)
		}
		for i, r := range list {
			if !filepath.IsAbs(r) {
				list[i] = filepath.Join(dir, r)
			}
		}
		out[env] = list
	}
	return out, nil
}

// envOrder lists saltenvs: "base" first, then the others sorted.
func envOrder(m map[string][]string) []string {
	var out []string
	if _, ok := m["base"]; ok {
		out = append(out, "base")
	}
	var rest []string
	for k := range m {
		if k != "base" {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}
