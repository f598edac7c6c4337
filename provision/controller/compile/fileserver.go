package compile

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"brine/provision/controller/compile/jinja"
	"brine/provision/lib/pyfmt"
)

// fileLists is what Salt's roots fileserver lists for one saltenv: every
// file and directory under each file root (relative, sorted, the first
// root's entry winning a duplicate) and the symlinks with their targets.
type fileLists struct {
	files, dirs []string
	links       map[string]string
}

// fileLists walks the saltenv's roots once per compiler (Salt caches the
// lists on the master the same way).
func (c *Compiler) fileLists(env string) *fileLists {
	if v, ok := c.fsLists.Load(env); ok {
		return v.(*fileLists)
	}
	files, dirs := map[string]bool{}, map[string]bool{}
	fl := &fileLists{links: map[string]string{}}
	for _, root := range c.tree.FileRoots[env] {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || p == root {
				return nil
			}
			rel, rerr := filepath.Rel(root, p)
			if rerr != nil {
				return nil
			}
			rel = filepath.ToSlash(rel)
			if d.Type()&fs.ModeSymlink != 0 {
				if t, err := os.Readlink(p); err == nil {
					if _, seen := fl.links[rel]; !seen {
						fl.links[rel] = t
					}
				}
				if st, err := os.Stat(p); err == nil && st.IsDir() {
					dirs[rel] = true
					return nil
				}
			}
			if d.IsDir() {
				dirs[rel] = true
			} else {
				files[rel] = true
			}
			return nil
		})
	}
	fl.files, fl.dirs = slices.Sorted(maps.Keys(files)), slices.Sorted(maps.Keys(dirs))
	c.fsLists.Store(env, fl)
	return fl
}

// cpFunctions are the cp.* functions salt-ssh answers from the master's
// file server (salt/client/ssh/wrapper/cp.py): list_master, list_master_dirs,
// list_master_symlinks, list_states and envs. brine's controller holds the
// file roots, so they are answered at compile time, like pillar.get.
func (c *Compiler) cpFunctions() map[string]jinja.Callable {
	envPrefix := func(a []any, kw map[string]any) (string, string) {
		env, prefix := "base", ""
		if s, ok := argN(a, 0).(string); ok && s != "" {
			env = s
		}
		if s, ok := kw["saltenv"].(string); ok && s != "" {
			env = s
		}
		if v := argN(a, 1); v != nil {
			prefix = pyfmt.Str(v)
		}
		if v, ok := kw["prefix"]; ok && v != nil {
			prefix = pyfmt.Str(v)
		}
		return env, strings.Trim(prefix, "/")
	}
	// Salt's fileserver filters on the prefix with str.startswith, after
	// stripping its slashes.
	filter := func(l []string, prefix string) []any {
		out := []any{}
		for _, s := range l {
			if strings.HasPrefix(s, prefix) {
				out = append(out, s)
			}
		}
		return out
	}
	return map[string]jinja.Callable{
		"cp.list_master": func(a []any, kw map[string]any) (any, error) {
			env, prefix := envPrefix(a, kw)
			return filter(c.fileLists(env).files, prefix), nil
		},
		"cp.list_master_dirs": func(a []any, kw map[string]any) (any, error) {
			env, prefix := envPrefix(a, kw)
			return filter(c.fileLists(env).dirs, prefix), nil
		},
		"cp.list_master_symlinks": func(a []any, kw map[string]any) (any, error) {
			env, prefix := envPrefix(a, kw)
			out := map[string]any{}
			for k, v := range c.fileLists(env).links {
				if strings.HasPrefix(k, prefix) {
					out[k] = v
				}
			}
			return out, nil
		},
		// Salt's fileclient.list_states: every .sls file as a dotted name
		// (init.sls as its directory; top included).
		"cp.list_states": func(a []any, kw map[string]any) (any, error) {
			env, _ := envPrefix(a, kw)
			seen := map[string]bool{}
			for _, f := range c.fileLists(env).files {
				switch {
				case strings.HasSuffix(f, "/init.sls"):
					seen[strings.ReplaceAll(strings.TrimSuffix(f, "/init.sls"), "/", ".")] = true
				case strings.HasSuffix(f, ".sls"):
					seen[strings.ReplaceAll(strings.TrimSuffix(f, ".sls"), "/", ".")] = true
				}
			}
			return anySlice(slices.Sorted(maps.Keys(seen))), nil
		},
		"cp.envs": func([]any, map[string]any) (any, error) {
			envs := map[string]bool{}
			for e := range c.tree.FileRoots {
				envs[e] = true
			}
			return anySlice(slices.Sorted(maps.Keys(envs))), nil
		},
	}
}

func anySlice(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}
