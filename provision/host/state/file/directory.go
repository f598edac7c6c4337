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

// directory is Salt's file.directory: _check_directory's prediction
// (test mode, and the changes a real run starts from: {PATH: {KEY:
// VALUE}}), then the directory is made ({NAME: {"directory": "new"}}, no
// comment) or its owner and mode fixed (check_perms adds its own
// user/group/mode keys beside the per-path ones), recurse fixes the
// children and clean removes what no state manages.
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
	recurse := map[string]bool{}
	for _, r := range state.ArgList(c, "recurse") {
		recurse[r] = true
	}
	keep := keepPaths(c)
	pred, tch := checkDirectory(env, c, name, dp, fp, recurse, keep)
	if env.Test || len(tch) == 0 {
		return pred
	}
	ch := map[string]any{}
	for k, v := range tch {
		ch[k] = v
	}
	if fi == nil {
		if parents := missingParents(env, name); len(parents) > 0 {
			if !state.ArgBool(c, "makedirs", false) {
				r := state.Failed(fmt.Sprintf("No directory to create %s in", name))
				r.Changes = ch
				return r
			}
			m := dp.mode
			if dp.modeStr == "" {
				m = 0o777 &^ state.Umask()
			}
			if err := makeDirs(env, parents, dp, m); err != nil {
				return state.Failed(err.Error())
			}
		}
		if err := os.Mkdir(hp, 0o700); err != nil && !os.IsExist(err) {
			return state.Failed(fmt.Sprintf("Failed to create directory %s", name))
		}
		np := dp
		if np.modeStr == "" {
			np.mode = 0o777 &^ state.Umask()
			np.modeStr = state.FormatMode(np.mode)
		}
		if err := np.apply(hp); err != nil {
			return state.Failed(err.Error())
		}
		// Salt 3007.1 returns as soon as it made the directory: this
		// change and no comment
		ch[name] = map[string]any{"directory": "new"}
		return state.Changed("", ch)
	}
	merge(ch, dp.changes(fi))
	if err := dp.apply(hp); err != nil {
		return state.Failed(err.Error())
	}
	if len(recurse) > 0 {
		fileP, dirP := fp.recursed(recurse), dp.recursed(recurse)
		if recurse["silent"] {
			ch = map[string]any{"recursion": "Changes silenced"}
		}
		err := filepath.Walk(hp, func(cp string, cfi os.FileInfo, err error) error {
			if err != nil || cp == hp || cfi.Mode()&os.ModeSymlink != 0 {
				return nil
			}
			want := fileP
			if cfi.IsDir() {
				if recurse["ignore_dirs"] {
					return nil
				}
				want = dirP
			} else if recurse["ignore_files"] {
				return nil
			}
			merge(ch, want.changes(cfi))
			return want.apply(cp)
		})
		if err != nil {
			return state.Failed(err.Error())
		}
	}
	comment := ""
	if state.ArgBool(c, "clean", false) {
		removed := cleanPlan(env, c, name, keep)
		for _, r := range removed {
			if err := os.RemoveAll(state.HostPath(env, r)); err != nil {
				return state.Failed(fmt.Sprintf("Unable to clean %s: %v", r, err))
			}
		}
		if len(removed) > 0 {
			ch["removed"] = toAny(removed)
			comment = fmt.Sprintf("Files cleaned from directory %s", name)
		}
	}
	if comment == "" && len(ch) > 0 {
		comment = fmt.Sprintf("Directory %s updated", name)
	}
	return state.Changed(comment, ch)
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
