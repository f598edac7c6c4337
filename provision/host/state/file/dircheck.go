package file

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"brine/provision/host/state"
	"brine/provision/lib/fnmatch"
	"brine/provision/wire/lowstate"
)

// dirChange is one path of Salt's _check_directory changes, its keys in
// the order Salt adds them (user, group, mode; removed; directory).
type dirChange struct {
	path string
	keys []string
	vals map[string]any
}

// checkDirectory is Salt's _check_directory (salt/states/file.py), what
// file.directory reports in test mode: the children recurse would fix
// (files, then directories, walking top-down), the directory's own
// metadata ({"directory": "new"} when it is missing), then what clean
// would remove. The comment is Salt's "The following files will be
// changed:\n" with one "PATH: KEY - VALUE\n" line per change, or "The
// directory NAME is in the correct state".
func checkDirectory(env *state.Env, c lowstate.Chunk, name string, dp, fp perms, recurse map[string]bool, keep map[string]bool) (*lowstate.Result, map[string]any) {
	var out []dirChange
	add := func(path string, ch map[string]any) {
		if len(ch) == 0 {
			return
		}
		dc := dirChange{path: path, vals: ch}
		for _, k := range []string{"user", "group", "mode", "removed", "directory"} {
			if _, ok := ch[k]; ok {
				dc.keys = append(dc.keys, k)
			}
		}
		out = append(out, dc)
	}
	hp := state.HostPath(env, name)
	fi, err := os.Stat(hp)
	exists := err == nil
	type entry struct {
		path string
		fi   os.FileInfo
	}
	var walk [][2][]entry // per directory: files, dirs
	if exists && (len(recurse) > 0 || state.ArgBool(c, "clean", false)) {
		_ = filepath.Walk(hp, func(cp string, cfi os.FileInfo, err error) error {
			if err != nil || !cfi.IsDir() {
				return nil
			}
			ents, _ := os.ReadDir(cp)
			var level [2][]entry
			for _, e := range ents {
				efi, err := os.Lstat(filepath.Join(cp, e.Name()))
				if err != nil {
					continue
				}
				rel, _ := filepath.Rel(hp, filepath.Join(cp, e.Name()))
				i := 0
				if efi.IsDir() {
					i = 1
				}
				level[i] = append(level[i], entry{filepath.Join(name, rel), efi})
			}
			walk = append(walk, level)
			return nil
		})
	}
	if len(recurse) > 0 {
		fileP, dirP := fp.recursed(recurse), dp.recursed(recurse)
		for _, level := range walk {
			if !recurse["ignore_files"] {
				for _, e := range level[0] {
					if e.fi.Mode()&os.ModeSymlink != 0 {
						continue
					}
					add(e.path, fileP.changes(e.fi))
				}
			}
			if !recurse["ignore_dirs"] {
				for _, e := range level[1] {
					add(e.path, dirP.changes(e.fi))
				}
			}
		}
		dp = dirP
	}
	if !exists {
		add(name, map[string]any{"directory": "new"})
	} else {
		add(name, dp.changes(fi))
	}
	if exists && state.ArgBool(c, "clean", false) {
		for _, level := range walk {
			for _, e := range append(append([]entry(nil), level[0]...), level[1]...) {
				if keep[e.path] {
					continue
				}
				rel, _ := filepath.Rel(name, e.path)
				if !fnmatch.IncludeExclude(rel, nil, c["exclude_pat"]) {
					continue
				}
				add(e.path, map[string]any{"removed": "Removed due to clean"})
			}
		}
	}
	if len(out) == 0 {
		return state.OK(fmt.Sprintf("The directory %s is in the correct state", name)), nil
	}
	var sb strings.Builder
	sb.WriteString("The following files will be changed:\n")
	changes := map[string]any{}
	for _, dc := range out {
		for _, k := range dc.keys {
			fmt.Fprintf(&sb, "%s: %s - %s\n", dc.path, k, state.Scalar(dc.vals[k]))
		}
		changes[dc.path] = dc.vals
	}
	return state.Pending(sb.String(), changes), changes
}

// recursed is p as recurse applies it to what lies below the directory:
// the owner, group and mode only where recurse names them.
func (p perms) recursed(recurse map[string]bool) perms {
	if !recurse["user"] {
		p.uid = -1
	}
	if !recurse["group"] {
		p.gid = -1
	}
	if !recurse["mode"] {
		p.modeStr = ""
	}
	return p
}
