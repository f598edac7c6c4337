package file

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"brine/provision/host/state"
	"brine/provision/lib/fnmatch"
	"brine/provision/wire/lowstate"
)

// recurse is Salt's file.recurse over the bundled tree (lowstate.KeyFiles,
// KeyDirs): the target directory is created with its parents, each source
// file is managed like file.managed (file_mode, user, group), each
// directory holding a source file like file.directory (dir_mode); empty
// source directories only with include_empty. clean: True removes what the
// source does not have, except what other states require and exclude_pat.
// Comments are Salt's: 'Recursively updated NAME', 'The directory NAME is
// in the correct state', and in test mode one "#### PATH ####" paragraph
// per path that would change (removals are listed there only, as Salt
// does, not in the changes).
func recurse(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := filepath.Clean(c.Name())
	if r := checkAbs(name); r != nil {
		return r
	}
	if state.HasArg(c, "mode") {
		return state.Failed("'mode' is not allowed in 'file.recurse'. Please use 'file_mode' and 'dir_mode'.")
	}
	dp, fail := getPerms(env, c, "dir_mode")
	if fail != nil {
		return fail
	}
	fc, modes := keptModes(c, "file_mode")
	fp, fail := getPerms(env, fc, "file_mode")
	if fail != nil {
		return fail
	}
	files := state.ArgStrMap(c, lowstate.KeyFiles)
	if files == nil && !state.HasArg(c, lowstate.KeyDirs) {
		return state.Failed(fmt.Sprintf("Recurse failed: source %s was not resolved into the bundle", state.ArgStr(c, "source")))
	}
	if env.File == nil && len(files) > 0 {
		return state.Failed("No bundle to read the source files from")
	}
	hp := state.HostPath(env, name)
	fi, err := os.Stat(hp)
	if err == nil && !fi.IsDir() {
		return state.Failed(fmt.Sprintf("The path %s exists and is not a directory", name))
	}
	rels := make([]string, 0, len(files))
	for rel := range files {
		rel = filepath.Clean(rel)
		if strings.HasPrefix(rel, "..") || filepath.IsAbs(rel) {
			return state.Failed(fmt.Sprintf("Bad path %q in the bundle for %s", rel, name))
		}
		rels = append(rels, rel)
	}
	sort.Strings(rels)
	keep := map[string]bool{}
	dirSet := map[string]bool{}
	for _, rel := range rels {
		tp := filepath.Join(name, rel)
		keep[tp] = true
		dirSet[filepath.Dir(tp)] = true
	}
	if state.ArgBool(c, "include_empty", false) {
		for _, d := range state.ArgList(c, lowstate.KeyDirs) {
			if d = filepath.Clean(d); !strings.HasPrefix(d, "..") && !filepath.IsAbs(d) {
				tp := filepath.Join(name, d)
				dirSet[tp] = true
				keep[tp] = true
			}
		}
	}
	dirs := make([]string, 0, len(dirSet))
	for d := range dirSet {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)

	ch := map[string]any{}
	var notes []string // test-mode paragraphs
	note := func(path, text string) { notes = append(notes, fmt.Sprintf("\n#### %s ####\n%s", path, text)) }
	var newDirs []string
	for _, d := range dirs {
		dfi, err := os.Stat(state.HostPath(env, d))
		switch {
		case err != nil:
			if d != name {
				ch[d] = map[string]any{d: map[string]any{"directory": "new"}}
				note(d, fmt.Sprintf("The following files will be changed:\n%s: directory - new\n", d))
			}
			newDirs = append(newDirs, d)
		case !dfi.IsDir():
			return state.Failed(fmt.Sprintf("The path %s exists and is not a directory", d))
		default:
			if cc := dp.changes(dfi); len(cc) > 0 {
				ch[d] = cc
				var lines []string
				for _, k := range slices.Sorted(maps.Keys(cc)) {
					lines = append(lines, fmt.Sprintf("%s: %s - %v\n", d, k, cc[k]))
				}
				note(d, "The following files will be changed:\n"+strings.Join(lines, ""))
			}
		}
	}
	type write struct {
		hp   string
		want []byte
		ch   map[string]any
		p    perms
	}
	var writes []write
	for _, rel := range rels {
		tp := filepath.Join(name, rel)
		data, err := env.File(files[rel])
		if err != nil {
			return state.Failed(fmt.Sprintf("Unable to read %s from the bundle: %v", rel, err))
		}
		fhp := state.HostPath(env, tp)
		ffi, err := os.Stat(fhp)
		if err != nil {
			ffi = nil
		}
		ffp, fail := withMode(fp, modes, rel)
		if fail != nil {
			return fail
		}
		var cc map[string]any
		if ffi == nil {
			// file.managed of a new file: predicted {"newfile": PATH},
			// reported as manage_file does
			if env.Test {
				cc = map[string]any{"newfile": tp}
			} else {
				cc, ffp = newFileChanges(ffp, true, true, tp, state.Umask())
			}
		} else if cc, err = contentPlan(c, fhp, ffi, data, ffp); err != nil {
			return state.Failed(fmt.Sprintf("Unable to read %s: %v", tp, err))
		}
		if len(cc) > 0 {
			ch[tp] = cc
			writes = append(writes, write{fhp, data, cc, ffp})
			note(tp, fmt.Sprintf("The file %s is set to be changed\nNote: No changes made, actual changes may\nbe different due to other states.", tp))
		}
	}
	var removed []string
	if fi != nil && state.ArgBool(c, "clean", false) {
		for k := range keepPaths(c) {
			keep[k] = true
		}
		for k := range keep {
			for p := filepath.Dir(k); strings.HasPrefix(p, name+"/"); p = filepath.Dir(p) {
				keep[p] = true
			}
		}
		removed = recurseCleanPlan(env, c, name, keep, env.Test)
	}
	if env.Test {
		if len(removed) > 0 {
			note("removed", strings.Join(removed, "\n"))
		}
		if len(ch) == 0 && len(removed) == 0 {
			return state.OK(fmt.Sprintf("The directory %s is in the correct state", name))
		}
		return state.Pending(strings.TrimSpace(strings.Join(notes, "\n")), ch)
	}
	if len(removed) > 0 {
		ch["removed"] = toAny(removed)
	}
	if len(ch) == 0 && fi != nil {
		return state.OK(fmt.Sprintf("The directory %s is in the correct state", name))
	}
	for _, d := range append([]string{name}, newDirs...) {
		if err := os.MkdirAll(state.HostPath(env, d), 0o755); err != nil {
			return state.Failed(fmt.Sprintf("Unable to create directory %s: %v", d, err))
		}
	}
	for _, d := range dirs {
		if err := dp.apply(state.HostPath(env, d)); err != nil {
			return state.Failed(err.Error())
		}
	}
	for _, w := range writes {
		if err := applyContent(w.hp, w.ch, w.want, w.p); err != nil {
			return state.Failed(fmt.Sprintf("Unable to manage file: %v", err))
		}
	}
	for _, r := range removed {
		if err := os.RemoveAll(state.HostPath(env, r)); err != nil {
			return state.Failed(fmt.Sprintf("Unable to clean %s: %v", r, err))
		}
	}
	if len(ch) == 0 {
		return state.OK(fmt.Sprintf("The directory %s is in the correct state", name))
	}
	return state.Changed(fmt.Sprintf("Recursively updated %s", name), ch)
}

// recurseCleanPlan is Salt's _clean_dir: every path under dir that is not
// kept and not matched by exclude_pat (relative to dir). Salt walks on
// into a directory it would remove when nothing is removed (test mode), so
// the dry run lists its content too; the real run lists the directory only.
func recurseCleanPlan(env *state.Env, c lowstate.Chunk, dir string, keep map[string]bool, nested bool) []string {
	var out []string
	hroot := state.HostPath(env, dir)
	excl := c["exclude_pat"]
	_ = filepath.Walk(hroot, func(hp string, fi os.FileInfo, err error) error {
		if err != nil || hp == hroot {
			return nil
		}
		rel, _ := filepath.Rel(hroot, hp)
		tp := filepath.Join(dir, rel)
		if keep[tp] || !fnmatch.IncludeExclude(rel, nil, excl) {
			return nil
		}
		out = append(out, tp)
		if fi.IsDir() && !nested {
			return filepath.SkipDir
		}
		return nil
	})
	sort.Strings(out)
	return out
}
