// Package archive implements Salt's archive.extracted in Go (archive/tar,
// compress/gzip, compress/bzip2, archive/zip): every member stays inside the
// destination, and a second run that finds every member in place changes
// nothing.
package archive

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"brine/provision/host/state"
	"brine/provision/host/state/fetch"
	"brine/provision/wire/lowstate"
)

// Module returns the archive state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(), Funcs: map[string]state.Func{"extracted": extracted}}
}

// owner resolves user/group to ids (-1 when unset).
func owner(env *state.Env, c lowstate.Chunk) (int, int, error) {
	uid, gid := -1, -1
	if u := c.Str("user"); u != "" {
		usr, err := state.LookupUser(env, u)
		if err != nil {
			return 0, 0, fmt.Errorf("user %s does not exist", u)
		}
		uid = usr.UID
	}
	if g := c.Str("group"); g != "" {
		grp, err := state.LookupGroup(env, g)
		if err != nil {
			return 0, 0, fmt.Errorf("group %s does not exist", g)
		}
		gid = grp.GID
	}
	return uid, gid, nil
}

// noSymlinkParents rejects a member whose parent directories inside dest
// are symlinks (extracting through them could write outside dest).
func noSymlinkParents(destHost, name string) error {
	parts := strings.Split(name, "/")
	p := destHost
	for _, d := range parts[:len(parts)-1] {
		p = filepath.Join(p, d)
		if fi, err := os.Lstat(p); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("archive member %s would be written through the symlink %s", name, p)
		}
	}
	return nil
}

// pending reports whether member m differs from what is on disk.
func pending(destHost string, m Member, byName map[string]Member, uid, gid int) (content, own bool) {
	p := filepath.Join(destHost, filepath.FromSlash(m.Name))
	fi, err := os.Lstat(p)
	if err != nil {
		return true, false
	}
	switch m.Kind {
	case Dir:
		if !fi.IsDir() {
			return true, false
		}
	case Symlink:
		l, err := os.Readlink(p)
		if err != nil || l != m.Link {
			return true, false
		}
		return false, false
	case File, Hardlink:
		data := m.Data
		if m.Kind == Hardlink {
			data = byName[m.Link].Data
		}
		if !fi.Mode().IsRegular() || fi.Size() != int64(len(data)) {
			return true, false
		}
		b, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(b, data) {
			return true, false
		}
	}
	ou, og := state.FileOwner(fi)
	return false, (uid >= 0 && ou != uid) || (gid >= 0 && og != gid)
}

func extracted(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	dest := c.Name()
	src := c.Str("source")
	if dest == "" || !path.IsAbs(dest) || src == "" {
		return state.Failed("archive.extracted needs name (an absolute destination directory) and source")
	}
	if im := c.Str("if_missing"); im != "" {
		if _, err := os.Lstat(state.HostPath(env, im)); err == nil {
			return state.OK(fmt.Sprintf("Path %s exists", im))
		}
	}
	uid, gid, err := owner(env, c)
	if err != nil {
		return state.Failed(err.Error())
	}
	// A remote source was downloaded and hash-checked on the controller
	// (provision/controller/download); a dry run downloads nothing and, as Salt's,
	// predicts before caching the archive.
	remote := strings.Contains(src, "://") && !strings.HasPrefix(src, "salt://") && !strings.HasPrefix(src, "file://")
	// Salt predicts before it caches any source that is not a local path
	// (a salt:// one too), without looking at the destination
	if env.Test && strings.Contains(src, "://") && !strings.HasPrefix(src, "file://") {
		return state.Pending(fmt.Sprintf("Archive %s would be cached (if necessary) and checked to discover if extraction is needed", src), nil)
	}
	data, err := fetch.Source(ctx, env, c, src)
	if err != nil {
		return state.Failedf("Unable to fetch %s: %v", src, err)
	}
	if sh := c.Str("source_hash"); sh != "" && !remote && !state.ArgBool(c, "skip_verify", false) {
		if err := fetch.Verify(src, data, sh); err != nil {
			return state.Failed(err.Error())
		}
	}
	members, err := Read(data)
	if err != nil {
		return state.Failedf("Unable to read archive %s: %v", src, err)
	}
	if state.ArgBool(c, "enforce_toplevel", false) && topLevel(members) == "" {
		return state.Failedf("Archive %s does not have a single top-level directory. To allow this archive to be extracted, set enforce_toplevel to False.", src)
	}
	destHost := state.HostPath(env, dest)
	byName := map[string]Member{}
	for _, m := range members {
		byName[m.Name] = m
	}
	var todo []Member
	ownTodo := false
	for _, m := range members {
		if err := noSymlinkParents(destHost, m.Name); err != nil {
			return state.Failed(err.Error())
		}
		content, own := pending(destHost, m, byName, uid, gid)
		if content || state.ArgBool(c, "overwrite", false) {
			todo = append(todo, m)
		} else if own {
			ownTodo = true
		}
	}
	if len(todo) == 0 && !ownTodo {
		return state.OK(fmt.Sprintf("All files in archive %s are already present in %s", src, dest))
	}
	ch := map[string]any{}
	if len(todo) > 0 {
		names := make([]string, 0, len(todo))
		for _, m := range todo {
			names = append(names, m.Name)
		}
		sort.Strings(names)
		l := make([]any, len(names))
		for i, n := range names {
			l[i] = n
		}
		ch["extracted_files"] = l
	}
	if ownTodo || (len(todo) > 0 && (uid >= 0 || gid >= 0)) {
		ch["updated ownership"] = true
	}
	if env.Test {
		return state.Pending(fmt.Sprintf("Archive %s would be extracted to %s", src, dest), ch)
	}
	if fi, err := os.Stat(destHost); err != nil || !fi.IsDir() {
		// Salt names the directory it made with a trailing slash
		ch["directories_created"] = []any{strings.TrimSuffix(dest, "/") + "/"}
	}
	if err := os.MkdirAll(destHost, 0o755); err != nil {
		return state.Failedf("Unable to create %s: %v", dest, err)
	}
	for _, m := range todo {
		if err := write(env, dest, m, byName, uid, gid); err != nil {
			return state.Failedf("Unable to extract %s to %s: %v", src, dest, err)
		}
	}
	if uid >= 0 || gid >= 0 {
		for _, m := range members {
			p := filepath.Join(destHost, filepath.FromSlash(m.Name))
			if err := os.Lchown(p, uid, gid); err != nil {
				return state.Failedf("Unable to set ownership of %s: %v", p, err)
			}
		}
		if err := os.Lchown(destHost, uid, gid); err != nil {
			return state.Failedf("Unable to set ownership of %s: %v", dest, err)
		}
	}
	comment := fmt.Sprintf("%s extracted to %s/", src, strings.TrimSuffix(dest, "/"))
	if len(todo) > 0 {
		comment += ", due to absence of one or more files/dirs"
	}
	// trim_output's default (False) as Salt words it
	return state.Changed(comment+". Output was trimmed to False number of lines", ch)
}

// write creates one member under dest (a target path; HostPath applied).
func write(env *state.Env, dest string, m Member, byName map[string]Member, uid, gid int) error {
	target := path.Join(dest, m.Name)
	host := state.HostPath(env, target)
	if err := os.MkdirAll(filepath.Dir(host), 0o755); err != nil {
		return err
	}
	if fi, err := os.Lstat(host); err == nil && (m.Kind != Dir || !fi.IsDir()) {
		if fi.IsDir() && m.Kind != Dir {
			if err := os.RemoveAll(host); err != nil {
				return err
			}
		} else if m.Kind == Symlink || !fi.Mode().IsRegular() {
			if err := os.Remove(host); err != nil {
				return err
			}
		}
	}
	switch m.Kind {
	case Dir:
		mode := m.Mode
		if mode == 0 {
			mode = 0o755
		}
		if err := os.MkdirAll(host, mode); err != nil {
			return err
		}
		return os.Chmod(host, mode)
	case Symlink:
		return os.Symlink(m.Link, host)
	case Hardlink:
		data := byName[m.Link].Data
		return state.WriteFile(env, target, data, orDefault(byName[m.Link].Mode), uid, gid)
	}
	return state.WriteFile(env, target, m.Data, orDefault(m.Mode), uid, gid)
}

func orDefault(m fs.FileMode) fs.FileMode {
	if m == 0 {
		return 0o644
	}
	return m
}
