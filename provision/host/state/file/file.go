// Package file implements Salt's file state module: managed, directory,
// absent, symlink, recurse, replace, append, line, blockreplace, comment,
// uncomment, touch, copy, rename and serialize. Every function computes its
// changes first and then either reports them (test=True, Result nil) or
// applies them, so a dry run predicts exactly what the real run does.
package file

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pmezard/go-difflib/difflib"

	"brine/provision/host/state"
	"brine/provision/wire/lowstate"
)

// Module returns the file state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(),
		Funcs: map[string]state.Func{
			"managed":      managed,
			"directory":    directory,
			"absent":       absent,
			"symlink":      symlink,
			"recurse":      recurse,
			"replace":      replace,
			"append":       appendFn,
			"line":         line,
			"blockreplace": blockreplace,
			"comment":      comment,
			"uncomment":    uncomment,
			"touch":        touch,
			"copy":         copyFn,
			"rename":       rename,
			"serialize":    serialize,
			"exists":       exists,
			"missing":      missing,
			"accumulated":  accumulated,
		},
		ModWatch:    nil,
		OwnKeywords: []string{"check_cmd"},
	}
}

// perms is the wanted ownership and mode of a path; uid/gid -1 and modeStr
// "" mean unmanaged.
// notYet is the uid or gid of a user or group a dry run does not find on
// the host (an earlier state may create it): always a change, never applied.
const notYet = -2

type perms struct {
	user, group string
	uid, gid    int
	mode        os.FileMode
	modeStr     string
}

// getPerms reads user/group and the mode argument modeKey from c.
func getPerms(env *state.Env, c lowstate.Chunk, modeKey string) (perms, *lowstate.Result) {
	p := perms{uid: -1, gid: -1}
	// Salt's _check_user: a user or group that does not exist fails the
	// state, except in test mode, where an earlier state may create it
	// (Salt logs a warning and predicts the ownership change).
	var missing string
	owner := func(arg, msg string, find func(string) (string, int, error)) (string, int) {
		v := state.ArgStr(c, arg)
		if v == "" {
			return "", -1
		}
		name, id, err := find(v)
		switch {
		case err == nil:
			return name, id
		case env.Test:
			return v, notYet
		}
		missing += fmt.Sprintf(msg, v)
		return "", -1
	}
	p.user, p.uid = owner("user", "User %s is not available ", func(v string) (string, int, error) {
		u, err := state.LookupUser(env, v)
		return u.Name, u.UID, err
	})
	p.group, p.gid = owner("group", "Group %s is not available", func(v string) (string, int, error) {
		g, err := state.LookupGroup(env, v)
		return g.Name, g.GID, err
	})
	if missing != "" {
		return p, state.Failed(missing)
	}
	if modeKey != "" {
		m, s, err := state.ArgMode(c, modeKey)
		if err != nil {
			return p, state.Failed(fmt.Sprintf("%s: %v", modeKey, err))
		}
		p.mode, p.modeStr = m, s
	}
	return p, nil
}

// changes compares the perms with fi (nil: a path about to be created with
// the process's owner) and returns Salt's user/group/mode change keys.
func (p perms) changes(fi os.FileInfo) map[string]any {
	ch := map[string]any{}
	uid, gid := os.Geteuid(), os.Getegid()
	var mode os.FileMode
	if fi != nil {
		uid, gid = state.FileOwner(fi)
		mode = fi.Mode()
	}
	if p.uid != -1 && uid != p.uid {
		ch["user"] = p.user
	}
	if p.gid != -1 && gid != p.gid {
		ch["group"] = p.group
	}
	if p.modeStr != "" && (fi == nil || state.PermBits(mode) != state.PermBits(p.mode)) {
		ch["mode"] = p.modeStr
	}
	return ch
}

// apply sets owner and mode on host path hp (without following a symlink
// for the owner).
func (p perms) apply(hp string) error {
	if p.uid >= 0 || p.gid >= 0 {
		if err := os.Lchown(hp, p.uid, p.gid); err != nil {
			return fmt.Errorf("chown %s: %w", hp, err)
		}
	}
	if p.modeStr != "" {
		if err := os.Chmod(hp, p.mode); err != nil {
			return fmt.Errorf("chmod %s: %w", hp, err)
		}
	}
	return nil
}

// merge copies src into dst.
func merge(dst, src map[string]any) map[string]any {
	for k, v := range src {
		dst[k] = v
	}
	return dst
}

// UnifiedDiff returns Salt's diff of two contents ("Replace binary file"
// for binary data).
func UnifiedDiff(old, new []byte) string {
	if bytes.IndexByte(old, 0) >= 0 || bytes.IndexByte(new, 0) >= 0 {
		return "Replace binary file"
	}
	d := difflib.UnifiedDiff{
		A:       diffLines(string(old)),
		B:       diffLines(string(new)),
		Context: 3,
	}
	s, err := difflib.GetUnifiedDiffString(d)
	if err != nil {
		return "Replace file"
	}
	return "--- \n+++ \n" + stripHeader(s)
}

// stripHeader removes difflib's own ---/+++ lines (printed only when file
// names are set; kept defensive).
func stripHeader(s string) string {
	for strings.HasPrefix(s, "--- ") || strings.HasPrefix(s, "+++ ") {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return ""
		}
		s = s[i+1:]
	}
	return s
}

// diffLines splits s for the diff; a last line without a newline is marked
// the way diff(1) does.
func diffLines(s string) []string {
	lines := splitLinesKeep(s)
	if n := len(lines); n > 0 && !strings.HasSuffix(lines[n-1], "\n") {
		lines[n-1] += "\n\\ No newline at end of file\n"
	}
	return lines
}

// splitLinesKeep splits s into lines keeping the newline (difflib style).
func splitLinesKeep(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// diffOrHidden returns the diff, or Salt's placeholder when show_changes is
// off.
func diffOrHidden(c lowstate.Chunk, old, new []byte) string {
	if !state.ArgBool(c, "show_changes", true) {
		return "<show_changes=False>"
	}
	return UnifiedDiff(old, new)
}

// backup copies the file at host path hp to the minion-style backup dir
// <Root>/var/cache/brine/file_backup/<path>_<timestamp> when backup is
// "minion".
func backup(env *state.Env, c lowstate.Chunk, name, hp string) error {
	if state.ArgStr(c, "backup") != "minion" {
		return nil
	}
	ts := time.Now().UTC().Format("Mon_Jan_02_15:04:05.000000_2006")
	dst := state.HostPath(env, filepath.Join("/var/cache/brine/file_backup", filepath.Dir(name), filepath.Base(name)+"_"+ts))
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return fmt.Errorf("backup %s: %w", name, err)
	}
	return copyFile(hp, dst)
}

// copyFile copies a regular file with its mode.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, fi.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// checkAbs fails a state whose name is not an absolute path.
func checkAbs(name string) *lowstate.Result {
	if !filepath.IsAbs(name) {
		return state.Failed(fmt.Sprintf("Specified file %s is not an absolute path", name))
	}
	return nil
}

// absNameAndArg returns the chunk's name, which must be an absolute path,
// and its required argument k of state function file.<fun>, or the failure.
func absNameAndArg(c lowstate.Chunk, k, fun string) (name, arg string, fail *lowstate.Result) {
	name = c.Name()
	if r := checkAbs(name); r != nil {
		return name, "", r
	}
	arg = state.ArgStr(c, k)
	if arg == "" {
		return name, "", state.Failed(fmt.Sprintf("Missing parameter %s for state file.%s", k, fun))
	}
	return name, arg, nil
}

// cannotMakeParents reports that the missing parent directories of a path
// may not be created: makedirs is off and this is not a dry run (a dry run
// predicts them).
func cannotMakeParents(env *state.Env, c lowstate.Chunk, parents []string) bool {
	return len(parents) > 0 && !state.ArgBool(c, "makedirs", false) && !env.Test
}

// mkParents creates the parent directories of target path name (with
// dir_mode and the state's user/group) or fails when makedirs is off.
// It returns the list of directories it would create.
func missingParents(env *state.Env, name string) []string {
	var out []string
	d := filepath.Dir(name)
	for d != "/" && d != "." {
		if _, err := os.Stat(state.HostPath(env, d)); err == nil {
			break
		}
		out = append([]string{d}, out...)
		d = filepath.Dir(d)
	}
	return out
}

// makeDirs creates dirs (outermost first) with mode and perms.
func makeDirs(env *state.Env, dirs []string, p perms, mode os.FileMode) error {
	for _, d := range dirs {
		hp := state.HostPath(env, d)
		if err := os.Mkdir(hp, 0o755); err != nil && !os.IsExist(err) {
			return fmt.Errorf("create directory %s: %w", d, err)
		}
		dp := perms{user: p.user, group: p.group, uid: p.uid, gid: p.gid}
		if mode != 0 {
			dp.mode, dp.modeStr = mode, state.FormatMode(mode)
		}
		if err := dp.apply(hp); err != nil {
			return err
		}
	}
	return nil
}

// dirMode returns the dir_mode argument for created parents (0755 default).
func dirMode(c lowstate.Chunk) (os.FileMode, error) {
	m, _, err := state.ArgMode(c, "dir_mode")
	if err != nil {
		return 0, err
	}
	if m == 0 {
		m = 0o755
	}
	return m, nil
}

// lookupPath reads a colon path ("a:b:c") in a nested map.
func lookupPath(m map[string]any, path string) (any, bool) {
	var cur any = m
	for _, k := range strings.Split(path, ":") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = mm[k]
		if !ok {
			return nil, false
		}
	}
	return cur, true
}

// keptModes is the chunk without its modeKey argument when that asks to
// keep the source's mode, and the source modes the compiler packed
// (lowstate.KeyModes, by relative path; "" for a single source).
func keptModes(c lowstate.Chunk, modeKey string) (lowstate.Chunk, map[string]string) {
	if !lowstate.KeepMode(c[modeKey]) {
		return c, nil
	}
	cc := make(lowstate.Chunk, len(c))
	for k, v := range c {
		cc[k] = v
	}
	delete(cc, modeKey)
	modes := map[string]string{}
	for k, v := range state.ArgStrMap(c, lowstate.KeyModes) {
		modes[k] = v
	}
	return cc, modes
}

// withMode is p with the mode of modes[rel] when there is one.
func withMode(p perms, modes map[string]string, rel string) (perms, *lowstate.Result) {
	m, ok := modes[rel]
	if !ok {
		return p, nil
	}
	fm, s, err := state.ParseMode(m)
	if err != nil {
		return p, state.Failed(fmt.Sprintf("source mode %q: %v", m, err))
	}
	p.mode, p.modeStr = fm, s
	return p, nil
}

// pyDiffLines is Python's difflib.unified_diff(a, b) of lines without
// their newlines, as a list (headers and hunk ranges end in "\n", content
// lines do not): what Salt joins with "\n" in file.append's diff.
func pyDiffLines(a, b []string) []string {
	m := difflib.NewMatcher(a, b)
	groups := m.GetGroupedOpCodes(3)
	if len(groups) == 0 {
		return nil
	}
	out := []string{"--- \n", "+++ \n"}
	rng := func(start, stop int) string {
		beginning := start + 1
		length := stop - start
		if length == 1 {
			return fmt.Sprint(beginning)
		}
		if length == 0 {
			beginning--
		}
		return fmt.Sprintf("%d,%d", beginning, length)
	}
	for _, g := range groups {
		first, last := g[0], g[len(g)-1]
		out = append(out, fmt.Sprintf("@@ -%s +%s @@\n", rng(first.I1, last.I2), rng(first.J1, last.J2)))
		for _, op := range g {
			switch op.Tag {
			case 'e':
				for _, l := range a[op.I1:op.I2] {
					out = append(out, " "+l)
				}
				continue
			case 'r', 'd':
				for _, l := range a[op.I1:op.I2] {
					out = append(out, "-"+l)
				}
			}
			if op.Tag == 'r' || op.Tag == 'i' {
				for _, l := range b[op.J1:op.J2] {
					out = append(out, "+"+l)
				}
			}
		}
	}
	return out
}

// pySplitLines is Python's str.splitlines() for \n, \r\n and \r.
func pySplitLines(s string) []string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}
