package file

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"brine/provision/host/state"
	"brine/provision/lib/fnmatch"
	"brine/provision/wire/lowstate"
)

// contentPlan compares the file at hp (fi nil: missing) with want and perms
// and returns the file.managed-style changes (diff, user, group, mode).
func contentPlan(c lowstate.Chunk, hp string, fi os.FileInfo, want []byte, p perms) (map[string]any, error) {
	ch := map[string]any{}
	if fi == nil {
		ch["diff"] = "New file"
		return merge(ch, p.changes(nil)), nil
	}
	old, err := os.ReadFile(hp)
	if err != nil {
		return nil, err
	}
	if string(old) != string(want) {
		ch["diff"] = diffOrHidden(c, old, want)
	}
	return merge(ch, p.changes(fi)), nil
}

// applyContent writes want to hp when the plan has a diff, else fixes perms.
func applyContent(hp string, ch map[string]any, want []byte, p perms) error {
	if _, ok := ch["diff"]; ok {
		return state.WriteHostFile(hp, want, p.mode, p.uid, p.gid)
	}
	return p.apply(hp)
}

// dirPerms returns the perms for directories (dir_mode, or mode) and files
// (file_mode) of a directory-like state.
func dirPerms(env *state.Env, c lowstate.Chunk) (perms, perms, *lowstate.Result) {
	key := "dir_mode"
	if !state.HasArg(c, key) {
		key = "mode"
	}
	dp, fail := getPerms(env, c, key)
	if fail != nil {
		return dp, dp, fail
	}
	fp, fail := getPerms(env, c, "file_mode")
	return dp, fp, fail
}

// keepPaths returns the paths named by this state's `require: - file: X`
// entries (Salt's clean keeps them and their parents).
func keepPaths(c lowstate.Chunk) map[string]bool {
	keep := map[string]bool{}
	reqs, _ := c["require"].([]any)
	for _, r := range reqs {
		m, ok := r.(map[string]any)
		if !ok {
			continue
		}
		for k, v := range m {
			if k == "file" || strings.HasPrefix(k, "file.") {
				p := filepath.Clean(state.Scalar(v))
				for p != "/" && p != "." {
					keep[p] = true
					p = filepath.Dir(p)
				}
			}
		}
	}
	return keep
}

// cleanPlan lists the target paths under dir that clean would remove:
// everything not in keep and not excluded.
func cleanPlan(env *state.Env, c lowstate.Chunk, dir string, keep map[string]bool) []string {
	var out []string
	hroot := state.HostPath(env, dir)
	_ = filepath.Walk(hroot, func(hp string, fi os.FileInfo, err error) error {
		if err != nil || hp == hroot {
			return nil
		}
		rel, _ := filepath.Rel(hroot, hp)
		tp := filepath.Join(dir, rel)
		// Salt's _clean_dir: exclude_pat against the path relative to
		// the directory; an excluded directory's content is still checked
		if !fnmatch.IncludeExclude(rel, nil, c["exclude_pat"]) {
			return nil
		}
		if !keep[tp] {
			out = append(out, tp)
			if fi.IsDir() {
				return filepath.SkipDir
			}
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func directory(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := filepath.Clean(c.Name())
	if r := checkAbs(name); r != nil {
		return r
	}
	dp, fp, fail := dirPerms(env, c)
	if fail != nil {
		return fail
	}
	hp := state.HostPath(env, name)
	fi, err := os.Stat(hp)
	if err == nil && !fi.IsDir() {
		return state.Failed(fmt.Sprintf("Specified location %s exists and is a file", name))
	}
	ch := map[string]any{}
	parents := missingParents(env, name)
	if err != nil {
		if cannotMakeParents(env, c, parents) {
			return state.Failed(fmt.Sprintf("No directory to create %s in", name))
		}
		ch[name] = "New Dir"
	} else {
		merge(ch, dp.changes(fi))
	}
	// recurse: children owners/modes
	recurse := map[string]bool{}
	for _, r := range state.ArgList(c, "recurse") {
		recurse[r] = true
	}
	type fix struct {
		hp string
		p  perms
	}
	var fixes []fix
	if fi != nil && len(recurse) > 0 {
		_ = filepath.Walk(hp, func(cp string, cfi os.FileInfo, err error) error {
			if err != nil || cp == hp || cfi.Mode()&os.ModeSymlink != 0 {
				return nil
			}
			if cfi.IsDir() && recurse["ignore_dirs"] {
				return nil
			}
			if !cfi.IsDir() && recurse["ignore_files"] {
				return nil
			}
			src := fp
			if cfi.IsDir() {
				src = dp
			}
			want := perms{uid: -1, gid: -1}
			if recurse["user"] {
				want.user, want.uid = src.user, src.uid
			}
			if recurse["group"] {
				want.group, want.gid = src.group, src.gid
			}
			if recurse["mode"] {
				want.mode, want.modeStr = src.mode, src.modeStr
			}
			if cc := want.changes(cfi); len(cc) > 0 {
				rel, _ := filepath.Rel(hp, cp)
				if !recurse["silent"] {
					ch[filepath.Join(name, rel)] = cc
				} else {
					ch["recursion"] = "Changes silenced"
				}
				fixes = append(fixes, fix{cp, want})
			}
			return nil
		})
	}
	if env.Test {
		res, _ := checkDirectory(env, c, name, dp, fp, recurse, keepPaths(c))
		return res
	}
	var removed []string
	if fi != nil && state.ArgBool(c, "clean", false) {
		removed = cleanPlan(env, c, name, keepPaths(c))
		if len(removed) > 0 {
			ch["removed"] = toAny(removed)
		}
	}
	if len(ch) == 0 {
		return state.OK(fmt.Sprintf("Directory %s is in the correct state", name))
	}
	if fi == nil {
		m := dp.mode
		if dp.modeStr == "" {
			m = 0o755
		}
		if err := makeDirs(env, parents, dp, m); err != nil {
			return state.Failed(err.Error())
		}
		if err := os.Mkdir(hp, 0o755); err != nil && !os.IsExist(err) {
			return state.Failed(fmt.Sprintf("Unable to create directory %s: %v", name, err))
		}
		if err := dp.apply(hp); err != nil {
			return state.Failed(err.Error())
		}
		// Salt 3007.1 returns as soon as it made the directory: this
		// change and no comment
		return state.Changed("", map[string]any{name: map[string]any{"directory": "new"}})
	}
	if err := dp.apply(hp); err != nil {
		return state.Failed(err.Error())
	}
	for _, f := range fixes {
		if err := f.p.apply(f.hp); err != nil {
			return state.Failed(err.Error())
		}
	}
	for _, r := range removed {
		if err := os.RemoveAll(state.HostPath(env, r)); err != nil {
			return state.Failed(fmt.Sprintf("Unable to clean %s: %v", r, err))
		}
	}
	return state.Changed(fmt.Sprintf("Directory %s updated", name), ch)
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
