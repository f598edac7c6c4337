package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"brine/provision/host/state"
	"brine/provision/wire/lowstate"
)

// copyFn is Salt's file.copy: copy the file or directory source on the host
// to name. An existing target stays unless force is set (then it is
// replaced even when identical, as in Salt). Without preserve the copy gets
// user (default: the executor's user), group (default: user's group) and
// mode (default: the source's); with preserve Salt only copies the mode
// bits, and so does brine.
func copyFn(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name, src, fail := absNameAndArg(c, "source", "copy")
	if fail != nil {
		return fail
	}
	hsrc := state.HostPath(env, src)
	sfi, err := os.Stat(hsrc)
	if err != nil {
		return state.Failed(fmt.Sprintf(`Source file "%s" is not present`, src))
	}
	preserve := state.ArgBool(c, "preserve", false)
	var p perms
	if !preserve {
		if p, fail = copyPerms(env, c, sfi); fail != nil {
			return fail
		}
	}
	if fi, err := os.Stat(state.HostPath(env, name)); err == nil && fi.IsDir() && state.ArgBool(c, "subdir", false) {
		name = filepath.Join(name, filepath.Base(src))
	}
	hdst := state.HostPath(env, name)
	comment := fmt.Sprintf(`Copied "%s" to "%s"`, src, name)
	force := state.ArgBool(c, "force", false)
	dfi, err := os.Lstat(hdst)
	exists := err == nil
	if exists && force && dfi.Mode().IsRegular() && sameContent(hsrc, hdst) {
		comment += " - files are identical but force flag is set"
	}
	if exists && !force {
		return state.OK(fmt.Sprintf(`The target file "%s" exists and will not be overwritten`, name))
	}
	if env.Test {
		return state.Pending(fmt.Sprintf(`File "%s" is set to be copied to "%s"`, src, name), nil)
	}
	if exists {
		if err := os.RemoveAll(hdst); err != nil {
			return state.Failed(fmt.Sprintf(`Failed to delete "%s" in preparation for forced move`, name))
		}
	}
	if parents := missingParents(env, name); len(parents) > 0 {
		if !state.ArgBool(c, "makedirs", false) {
			return state.Failed(fmt.Sprintf("The target directory %s is not present", filepath.Dir(name)))
		}
		dm, _, err := state.ArgMode(c, "dir_mode")
		if err != nil {
			return state.Failed(err.Error())
		}
		if dm == 0 && p.modeStr != "" {
			dm = dirModeFor(p.mode)
		}
		if err := makeDirs(env, parents, perms{user: p.user, group: p.group, uid: p.uid, gid: p.gid}, dm); err != nil {
			return state.Failed(err.Error())
		}
	}
	if err := copyTree(hsrc, hdst, sfi, p.uid, p.gid); err != nil {
		return state.Failed(fmt.Sprintf(`Failed to copy "%s" to "%s"`, src, name))
	}
	ch := map[string]any{name: src}
	if !preserve {
		fi, err := os.Lstat(hdst)
		if err != nil {
			return state.Failed(fmt.Sprintf(`Failed to copy "%s" to "%s"`, src, name))
		}
		merge(ch, p.changes(fi))
		if err := p.apply(hdst); err != nil {
			return state.Failed(err.Error())
		}
	}
	return state.Changed(comment, ch)
}

// copyPerms is the owner and mode file.copy gives the copy without
// preserve: user (the executor's user by default), group (the user's
// primary group by default) and mode (the source's by default).
func copyPerms(env *state.Env, c lowstate.Chunk, sfi os.FileInfo) (perms, *lowstate.Result) {
	cc := lowstate.Chunk{"mode": c["mode"], "user": c["user"], "group": c["group"]}
	if state.ArgStr(c, "user") == "" {
		cc["user"] = state.UserName(env, os.Geteuid())
	}
	if state.ArgStr(c, "group") == "" {
		if u, err := state.LookupUser(env, state.ArgStr(cc, "user")); err == nil && u.GID >= 0 {
			cc["group"] = state.GroupName(env, u.GID)
		}
	}
	if !state.HasArg(c, "mode") {
		cc["mode"] = state.FormatMode(sfi.Mode())
	}
	return getPerms(env, cc, "mode")
}

// dirModeFor is Salt's dir_mode for parents created by makedirs when only
// mode is given: the execute bit added to each non-zero digit.
func dirModeFor(m os.FileMode) os.FileMode {
	s := []byte(fmt.Sprintf("%03o", state.PermBits(m)&0o777))
	for i, d := range s {
		if d != '0' {
			s[i] = d | 1
		}
	}
	n, _ := strconv.ParseUint(string(s), 8, 32)
	return state.ModeFromPerm(uint32(n))
}

func sameContent(a, b string) bool {
	x, err1 := os.ReadFile(a)
	y, err2 := os.ReadFile(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// copyTree copies a file (with its mode bits, like shutil.copy) or a
// directory tree (symlinks kept as links, like shutil.copytree), chowning
// what is below a copied directory to uid/gid (-1: unchanged).
func copyTree(src, dst string, fi os.FileInfo, uid, gid int) error {
	if !fi.IsDir() {
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		return state.WriteHostFile(dst, data, fi.Mode()&(os.ModePerm|os.ModeSetuid|os.ModeSetgid|os.ModeSticky), -1, -1)
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if err := os.Symlink(l, out); err != nil {
				return err
			}
		case d.IsDir():
			if err := os.Mkdir(out, info.Mode().Perm()); err != nil && !errors.Is(err, fs.ErrExist) {
				return err
			}
			if err := os.Chmod(out, info.Mode()&(os.ModePerm|os.ModeSetuid|os.ModeSetgid|os.ModeSticky)); err != nil {
				return err
			}
		case d.Type().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if err := os.WriteFile(out, data, info.Mode().Perm()); err != nil {
				return err
			}
		default:
			return nil
		}
		if rel != "." && (uid >= 0 || gid >= 0) {
			if err := os.Lchown(out, uid, gid); err != nil && !errors.Is(err, syscall.EPERM) {
				return err
			}
		}
		return nil
	})
}

// rename is Salt's file.rename: move source to name (a symlink is moved as
// a link). Nothing to do when source is gone; an existing target is only
// replaced with force.
func rename(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name, src, fail := absNameAndArg(c, "source", "rename")
	if fail != nil {
		return fail
	}
	hsrc, hdst := state.HostPath(env, src), state.HostPath(env, name)
	if _, err := os.Lstat(hsrc); err != nil {
		return state.OK(fmt.Sprintf(`Source file "%s" has already been moved out of place`, src))
	}
	if _, err := os.Lstat(hdst); err == nil {
		if !state.ArgBool(c, "force", false) {
			return state.OK(fmt.Sprintf(`The target file "%s" exists and will not be overwritten`, name))
		}
		if !env.Test {
			if err := os.RemoveAll(hdst); err != nil {
				return state.Failed(fmt.Sprintf(`Failed to delete "%s" in preparation for forced move`, name))
			}
		}
	}
	if env.Test {
		return state.Pending(fmt.Sprintf(`File "%s" is set to be moved to "%s"`, src, name), nil)
	}
	if parents := missingParents(env, name); len(parents) > 0 {
		if !state.ArgBool(c, "makedirs", false) {
			return state.Failed(fmt.Sprintf("The target directory %s is not present", filepath.Dir(name)))
		}
		if err := makeDirs(env, parents, perms{uid: -1, gid: -1}, 0o755); err != nil {
			return state.Failed(err.Error())
		}
	}
	if err := move(hsrc, hdst); err != nil {
		return state.Failed(fmt.Sprintf(`Failed to move "%s" to "%s"`, src, name))
	}
	return state.Changed(fmt.Sprintf(`Moved "%s" to "%s"`, src, name), map[string]any{name: src})
}

// move renames src to dst, copying and removing across file systems as
// shutil.move does.
func move(src, dst string) error {
	err := os.Rename(src, dst)
	if err == nil || !errors.Is(err, syscall.EXDEV) {
		return err
	}
	fi, err := os.Lstat(src)
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		l, err := os.Readlink(src)
		if err != nil {
			return err
		}
		if err := os.Symlink(l, dst); err != nil {
			return err
		}
		return os.Remove(src)
	}
	if err := copyTree(src, dst, fi, -1, -1); err != nil {
		return err
	}
	uid, gid := state.FileOwner(fi)
	_ = os.Lchown(dst, uid, gid)
	return os.RemoveAll(src)
}
