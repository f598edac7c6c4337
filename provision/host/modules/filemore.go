package modules

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"brine/provision/host/state"
	"brine/provision/lib/fnmatch"
	"brine/provision/wire/funcs"
)

// fileMoreFuncs are the rest of salt/modules/file.py: files and
// directories made, copied, moved, removed, owners and modes, hashes,
// find, seek_read, truncate, diskusage, and the path helpers.
func fileMoreFuncs() map[string]fn {
	return map[string]fn{
		"file.touch":          {run: fileTouch},
		"file.remove":         {run: fileRemove},
		"file.mkdir":          {run: fileMkdir},
		"file.makedirs":       {run: fileMakedirs},
		"file.makedirs_perms": {run: func(c *call) (any, error) { return nil, c.makedirsPerms(c.expandUser(c.str("name"))) }},
		"file.copy":           {run: fileCopy},
		"file.move":           {run: fileMove},
		"file.rename":         {run: fileRename},
		"file.symlink":        {run: fileSymlink},
		"file.chown":          {run: func(c *call) (any, error) { return c.chown(c.str("path"), c.a["user"], c.a["group"]) }},
		"file.chgrp": {run: func(c *call) (any, error) {
			st, err := c.fileStats(c.str("path"), "", true)
			if err != nil {
				return nil, err
			}
			return c.chown(c.str("path"), st["user"], c.a["group"])
		}},
		"file.set_mode":   {run: fileSetMode},
		"file.check_hash": {run: fileCheckHash},
		"file.find":       {run: fileFind},
		"file.seek_read": {run: func(c *call) (any, error) {
			size, err := pyInt(c.a["size"])
			if err != nil {
				return nil, err
			}
			off, err := pyInt(c.a["offset"])
			if err != nil {
				return nil, err
			}
			p := c.expandUser(c.str("path"))
			f, err := os.Open(c.host(p))
			if err != nil {
				return nil, pyOSError(err, p)
			}
			defer f.Close()
			buf := make([]byte, max(size, 0))
			n, err := f.ReadAt(buf, int64(off))
			if err != nil && n == 0 && !errors.Is(err, fs.ErrClosed) && err.Error() != "EOF" {
				return nil, pyOSError(err, p)
			}
			// Python's bytes: salt-ssh's JSON prints their repr ("b'wi'")
			return pyBytesRepr(buf[:n]), nil
		}},
		"file.truncate": {run: func(c *call) (any, error) {
			n, err := pyInt(c.a["length"])
			if err != nil {
				return nil, err
			}
			p := c.expandUser(c.str("path"))
			if err := os.Truncate(c.host(p), int64(n)); err != nil {
				return nil, pyOSError(err, p)
			}
			return nil, nil
		}},
		"file.diskusage": {run: fileDiskusage},
		"file.join": {run: func(c *call) (any, error) {
			out := ""
			for _, a := range c.rest {
				s := pyStr(a)
				switch {
				case strings.HasPrefix(s, "/") || out == "":
					out = s
				case strings.HasSuffix(out, "/"):
					out += s
				default:
					out += "/" + s
				}
			}
			return out, nil
		}},
		"file.dirname":  {run: func(c *call) (any, error) { return pyDirname(c.str("path")), nil }},
		"file.basename": {run: func(c *call) (any, error) { return c.str("path")[strings.LastIndex(c.str("path"), "/")+1:], nil }},
		"file.normpath": {run: func(c *call) (any, error) { return pyNormpath(c.str("path")), nil }},
		"file.user_to_uid": {run: func(c *call) (any, error) {
			return c.userToUID(c.a["user"]), nil
		}},
		"file.group_to_gid": {run: func(c *call) (any, error) {
			return c.groupToGID(c.a["group"]), nil
		}},
		"file.uid_to_user": {run: func(c *call) (any, error) {
			n, err := pyInt(c.a["uid"])
			if err != nil {
				return c.a["uid"], nil
			}
			return nameOrID(state.UserName(c.env.stateEnv(), n), n), nil
		}},
		"file.gid_to_group": {run: func(c *call) (any, error) {
			n, err := pyInt(c.a["gid"])
			if err != nil {
				return c.a["gid"], nil
			}
			return nameOrID(state.GroupName(c.env.stateEnv(), n), n), nil
		}},
	}
}

// pyDirname is os.path.dirname.
func pyDirname(p string) string {
	i := strings.LastIndex(p, "/") + 1
	head := p[:i]
	if head != "" && strings.Trim(head, "/") != "" {
		head = strings.TrimRight(head, "/")
	}
	return head
}

// pyNormpath is os.path.normpath ("." for "", a leading "//" kept).
func pyNormpath(p string) string {
	if p == "" {
		return "."
	}
	out := path.Clean(p)
	if strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "///") {
		out = "/" + out
	}
	return out
}

func fileTouch(c *call) (any, error) {
	p := c.expandUser(c.str("name"))
	hp := c.host(p)
	times := func(k string) (time.Time, bool, error) {
		v := c.a[k]
		if !truthy(v) {
			return time.Time{}, false, nil
		}
		n, err := pyInt(v)
		if err != nil {
			return time.Time{}, false, funcs.Raise("SaltInvocationError", "atime and mtime must be integers")
		}
		return time.Unix(int64(n), 0), true, nil
	}
	at, aok, err := times("atime")
	if err != nil {
		return nil, err
	}
	mt, mok, err := times("mtime")
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(hp); errors.Is(err, fs.ErrNotExist) {
		f, err := os.OpenFile(hp, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o666)
		if err != nil {
			return nil, funcs.Raise("CommandExecutionError", "%s", strerror(err))
		}
		f.Close()
	}
	now := time.Now()
	if !aok {
		at = now
	}
	if !mok {
		mt = now
	}
	if err := os.Chtimes(hp, at, mt); err != nil {
		return nil, funcs.Raise("CommandExecutionError", "%s", strerror(err))
	}
	_, err = os.Stat(hp)
	return err == nil, nil
}

// strerror is an OSError's strerror: "No such file or directory".
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		if s != "" {
			return strings.ToUpper(s[:1]) + s[1:]
		}
	}
	return err.Error()
}

func fileRemove(c *call) (any, error) {
	p := c.expandUser(c.str("path"))
	if !strings.HasPrefix(p, "/") {
		return nil, funcs.Raise("SaltInvocationError", "File path must be absolute: %s", p)
	}
	if filepath.Clean(p) == "/" {
		// brine's guard: Salt would shutil.rmtree("/")
		return nil, funcs.Raise("CommandExecutionError", "Could not remove '/': brine refuses to remove the root directory")
	}
	hp := c.host(p)
	fi, err := os.Lstat(hp)
	if err != nil {
		return false, nil
	}
	if fi.IsDir() {
		err = os.RemoveAll(hp)
	} else {
		err = os.Remove(hp)
	}
	if err != nil {
		return nil, funcs.Raise("CommandExecutionError", "Could not remove '%s': %v", p, pyOSError(err, p))
	}
	return true, nil
}

func fileMkdir(c *call) (any, error) {
	p := pyNormpath(c.expandUser(c.str("dir_path")))
	if fi, err := os.Stat(c.host(p)); err == nil && fi.IsDir() {
		return true, nil
	}
	return true, c.makedirsPermsMode(p, c.a["user"], c.a["group"], c.a["mode"])
}

// makedirsPerms is file.makedirs_perms with its parameters.
func (c *call) makedirsPerms(p string) error {
	return c.makedirsPermsMode(p, c.a["user"], c.a["group"], c.a["mode"])
}

// makedirsPermsMode is file.makedirs_perms: the missing parents and the
// directory made, each given the owner and mode (check_perms).
func (c *call) makedirsPermsMode(p string, user, group, mode any) error {
	head, tail := path.Split(p)
	head = strings.TrimSuffix(head, "/")
	if tail == "" {
		head, tail = path.Split(head)
		head = strings.TrimSuffix(head, "/")
	}
	if head != "" && tail != "" {
		if _, err := os.Stat(c.host(head)); errors.Is(err, fs.ErrNotExist) {
			if err := c.makedirsPermsMode(head, user, group, mode); err != nil {
				return err
			}
		}
	}
	if err := os.Mkdir(c.host(p), 0o777); err != nil {
		return pyOSError(err, p)
	}
	return c.checkPerms(p, user, group, mode)
}

// checkPerms sets a path's owner and mode as file.check_perms does for
// the functions here (None leaves each alone); an unknown user or group
// is Salt's error.
func (c *call) checkPerms(p string, user, group, mode any) error {
	hp := c.host(p)
	uid, gid := -1, -1
	if user != nil && pyStr(user) != "" {
		u := c.userToUID(user)
		n, ok := u.(int)
		if !ok {
			return funcs.Raise("CommandExecutionError", "User %s is not available", pyStr(user))
		}
		uid = n
	}
	if group != nil && pyStr(group) != "" {
		g := c.groupToGID(group)
		n, ok := g.(int)
		if !ok {
			return funcs.Raise("CommandExecutionError", "Group %s is not available", pyStr(group))
		}
		gid = n
	}
	if uid >= 0 || gid >= 0 {
		if err := os.Lchown(hp, uid, gid); err != nil {
			return pyOSError(err, p)
		}
	}
	if mode != nil && pyStr(mode) != "" {
		digits := strings.TrimLeft(strings.ReplaceAll(pyStr(mode), "0o", ""), "0")
		if digits == "" {
			digits = "0"
		}
		m, err := strconv.ParseUint(digits, 8, 32)
		if err != nil {
			return funcs.Raise("CommandExecutionError", "Invalid mode %s", pyStr(mode))
		}
		if err := os.Chmod(hp, os.FileMode(m)&os.ModePerm|modeBits(uint32(m))); err != nil {
			return pyOSError(err, p)
		}
	}
	return nil
}

// modeBits are the setuid, setgid and sticky bits of an octal mode.
func modeBits(m uint32) os.FileMode {
	var out os.FileMode
	if m&0o4000 != 0 {
		out |= os.ModeSetuid
	}
	if m&0o2000 != 0 {
		out |= os.ModeSetgid
	}
	if m&0o1000 != 0 {
		out |= os.ModeSticky
	}
	return out
}

// userToUID is file.user_to_uid: the uid, the number given, or "" for an
// unknown user (the executor's uid for None).
func (c *call) userToUID(user any) any {
	if user == nil || pyStr(user) == "" {
		return os.Geteuid()
	}
	if n, ok := user.(int); ok {
		return n
	}
	u, err := state.FindUser(c.env.stateEnv(), pyStr(user))
	if err != nil || u == nil {
		if n, err := strconv.Atoi(pyStr(user)); err == nil {
			return n
		}
		return ""
	}
	return u.UID
}

// groupToGID is file.group_to_gid.
func (c *call) groupToGID(group any) any {
	if group == nil || pyStr(group) == "" {
		return os.Getegid()
	}
	if n, ok := group.(int); ok {
		return n
	}
	g, err := state.FindGroup(c.env.stateEnv(), pyStr(group))
	if err != nil || g == nil {
		if n, err := strconv.Atoi(pyStr(group)); err == nil {
			return n
		}
		return ""
	}
	return g.GID
}

// fileMakedirs is file.makedirs: the parents of path made (not path
// itself, unless it ends in "/"); a message when they exist.
func fileMakedirs(c *call) (any, error) {
	p := c.expandUser(c.str("path"))
	var mode any
	if !c.isNone("mode") {
		m, _ := configManageModeStr(pyStr(c.a["mode"]))
		mode = m
	}
	dir := pyNormpath(pyDirname(p))
	if fi, err := os.Stat(c.host(dir)); err == nil {
		if fi.IsDir() {
			return fmt.Sprintf("Directory '%s' already exists", dir), nil
		}
		return fmt.Sprintf("The path '%s' already exists and is not a directory", dir), nil
	}
	var todo []string
	for {
		if fi, err := os.Stat(c.host(dir)); err == nil && fi.IsDir() {
			break
		}
		todo = append(todo, dir)
		next := pyDirname(dir)
		if next == dir {
			return nil, funcs.Raise("SaltInvocationError", "Recursive creation for path '%s' would result in an infinite loop. Please use an absolute path.", next)
		}
		dir = next
	}
	for i := len(todo) - 1; i >= 0; i-- {
		if fi, err := os.Stat(c.host(todo[i])); err == nil && fi.IsDir() {
			continue
		}
		if err := c.makedirsPermsMode(todo[i], c.a["user"], c.a["group"], mode); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// configManageModeStr is salt.utils.files.normalize_mode.
func configManageModeStr(m string) (string, bool) {
	s := strings.TrimLeft(strings.Trim(strings.Trim(strings.ReplaceAll(m, "0o", "0"), `"`), "'"), "0")
	for len(s) < 4 {
		s = "0" + s
	}
	return s, true
}

func fileCopy(c *call) (any, error) {
	src, dst := c.expandUser(c.str("src")), c.expandUser(c.str("dst"))
	if !strings.HasPrefix(src, "/") {
		return nil, funcs.Raise("SaltInvocationError", "File path must be absolute.")
	}
	sfi, err := os.Stat(c.host(src))
	if err != nil {
		return nil, funcs.Raise("CommandExecutionError", "No such file or directory '%s'", src)
	}
	st, _ := c.fileStats(src, "", true)
	dfi, derr := os.Stat(c.host(dst))
	if derr == nil && dfi.IsDir() || sfi.IsDir() {
		if !c.truth("recurse") {
			return nil, funcs.Raise("SaltInvocationError", "Cannot copy overwriting a directory without recurse flag set to true!")
		}
		if c.truth("remove_existing") {
			os.RemoveAll(c.host(dst))
		}
		if err := copyTree(c.host(src), c.host(dst)); err != nil {
			return nil, funcs.Raise("CommandExecutionError", "Could not copy '%s' to '%s'", src, dst)
		}
	} else {
		data, err := os.ReadFile(c.host(src))
		if err == nil {
			err = c.writeKeep(dst, data)
		}
		if err != nil {
			return nil, funcs.Raise("CommandExecutionError", "Could not copy '%s' to '%s'", src, dst)
		}
	}
	if err := c.checkPerms(dst, st["user"], st["group"], st["mode"]); err != nil {
		return nil, err
	}
	return true, nil
}

// copyTree is salt.utils.files.recursive_copy: src's tree merged into dst
// (files replaced through temp files and renames).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, info.Mode().Perm())
		case info.Mode()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			os.Remove(target)
			return os.Symlink(l, target)
		case info.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return state.WriteHostFile(target, data, info.Mode().Perm(), -1, -1)
		}
		return nil
	})
}

func fileMove(c *call) (any, error) {
	if c.truth("disallow_copy_and_unlink") {
		return fileRename(c)
	}
	src, dst := c.expandUser(c.str("src")), c.expandUser(c.str("dst"))
	if !strings.HasPrefix(src, "/") {
		return nil, funcs.Raise("SaltInvocationError", "Source path must be absolute.")
	}
	if !strings.HasPrefix(dst, "/") {
		return nil, funcs.Raise("SaltInvocationError", "Destination path must be absolute.")
	}
	target := c.host(dst)
	if fi, err := os.Stat(target); err == nil && fi.IsDir() {
		target = filepath.Join(target, filepath.Base(src))
	}
	if err := os.Rename(c.host(src), target); err != nil {
		return nil, funcs.Raise("CommandExecutionError", "Unable to move '%s' to '%s': %v", src, dst, pyOSError(err, src))
	}
	return map[string]any{"result": true, "comment": fmt.Sprintf("'%s' moved to '%s'", src, dst)}, nil
}

func fileRename(c *call) (any, error) {
	src, dst := c.expandUser(c.str("src")), c.expandUser(c.str("dst"))
	if !strings.HasPrefix(src, "/") {
		return nil, funcs.Raise("SaltInvocationError", "File path must be absolute.")
	}
	if err := os.Rename(c.host(src), c.host(dst)); err != nil {
		return nil, funcs.Raise("CommandExecutionError", "Could not rename '%s' to '%s'", src, dst)
	}
	return true, nil
}

func fileSymlink(c *call) (any, error) {
	src, p := c.str("src"), c.expandUser(c.str("path"))
	if !strings.HasPrefix(p, "/") {
		return nil, funcs.Raise("SaltInvocationError", "Link path must be absolute: %s", p)
	}
	hp := c.host(p)
	force, atomic := c.truth("force"), c.truth("atomic")
	fi, lerr := os.Lstat(hp)
	isLink := lerr == nil && fi.Mode()&fs.ModeSymlink != 0
	if isLink {
		if l, err := os.Readlink(hp); err == nil && pyNormpath(l) == pyNormpath(src) {
			return true, nil
		}
		if !force && !atomic {
			return nil, funcs.Raise("CommandExecutionError", "Found existing symlink: %s", p)
		}
	}
	exists := lerr == nil
	if c.truth("follow_symlinks") {
		_, err := os.Stat(hp)
		exists = err == nil
	}
	if exists && !force && !atomic {
		return nil, funcs.Raise("CommandExecutionError", "Existing path is not a symlink: %s", p)
	}
	if (isLink || exists) && force && !atomic {
		os.Remove(hp)
	}
	// always through a temp link and a rename: the path is never missing
	tmp := filepath.Join(filepath.Dir(hp), fmt.Sprintf(".%s.brine-%d", filepath.Base(hp), os.Getpid()))
	os.Remove(tmp)
	if err := os.Symlink(src, tmp); err != nil {
		return nil, funcs.Raise("CommandExecutionError", "Could not create '%s'", p)
	}
	if err := os.Rename(tmp, hp); err != nil {
		os.Remove(tmp)
		return nil, funcs.Raise("CommandExecutionError", "Could not create '%s'", p)
	}
	return true, nil
}

// chown is file.chown: "User does not exist\n", "Group does not exist\n"
// and "File not found" are its answers, None when it changed the owner.
func (c *call) chown(p string, user, group any) (any, error) {
	p = c.expandUser(p)
	uid, gid := c.userToUID(user), c.groupToGID(group)
	msg := ""
	if uid == "" {
		if pyStr(user) != "" && user != nil {
			msg += "User does not exist\n"
		} else {
			uid = -1
		}
	}
	if gid == "" {
		if pyStr(group) != "" && group != nil {
			msg += "Group does not exist\n"
		} else {
			gid = -1
		}
	}
	hp := c.host(p)
	if _, err := os.Stat(hp); err != nil {
		if u, ok := uid.(int); ok {
			if g, ok := gid.(int); ok && os.Lchown(hp, u, g) == nil {
				return nil, nil
			}
		}
		msg += "File not found"
	}
	if msg != "" {
		return msg, nil
	}
	if err := os.Chown(hp, uid.(int), gid.(int)); err != nil {
		return nil, pyOSError(err, p)
	}
	return nil, nil
}

func fileSetMode(c *call) (any, error) {
	p := c.expandUser(c.str("path"))
	mode := strings.TrimLeft(pyStr(c.a["mode"]), "0Oo")
	if mode == "" {
		mode = "0"
	}
	hp := c.host(p)
	if _, err := os.Stat(hp); err != nil {
		return nil, funcs.Raise("CommandExecutionError", "%s: File not found", p)
	}
	m, err := strconv.ParseUint(mode, 8, 32)
	if err != nil {
		return "Invalid Mode " + mode, nil
	}
	if err := os.Chmod(hp, os.FileMode(m)&os.ModePerm|modeBits(uint32(m))); err != nil {
		return "Invalid Mode " + mode, nil
	}
	st, err := c.fileStats(p, "", true)
	if err != nil {
		return nil, err
	}
	return st["mode"], nil
}

// hashTypes are salt.utils.files' HASHES by digest length.
func hashTypes() map[int]string {
	return map[int]string{32: "md5", 40: "sha1", 56: "sha224", 64: "sha256", 96: "sha384", 128: "sha512"}
}

func fileCheckHash(c *call) (any, error) {
	p := c.expandUser(c.str("path"))
	fh, ok := c.a["file_hash"].(string)
	if !ok {
		return nil, funcs.Raise("SaltInvocationError", "hash must be a string")
	}
	var typ, val string
	if i := strings.IndexAny(fh, ":="); i >= 0 {
		typ, val = fh[:i], fh[i+1:]
	} else {
		val = fh
		typ = hashTypes()[len(fh)]
		if typ == "" {
			var parts []string
			for _, n := range []int{32, 40, 56, 64, 96, 128} {
				parts = append(parts, fmt.Sprintf("%s (%d)", hashTypes()[n], n))
			}
			return nil, funcs.Raise("SaltInvocationError", "Hash %s (length: %d) could not be matched to a supported hash type. The supported hash types and lengths are: %s", fh, len(fh), strings.Join(parts, ", "))
		}
	}
	hp, _, _ := c.resolve(p)
	got, err := hashFile(hp, p, typ)
	if err != nil {
		return nil, err
	}
	return got == val, nil
}

// fileFind is file.find: salt.utils.find's Finder over the paths the glob
// matches (name, iname, regex, iregex, type, owner, group, maxdepth,
// mindepth; print=path), sorted.
func fileFind(c *call) (any, error) {
	opts := map[string]any{}
	for k, v := range c.kw {
		if !strings.HasPrefix(k, "_") {
			opts[k] = v
		}
	}
	for _, a := range c.rest {
		if pyStr(a) == "print" {
			opts["print"] = "path"
		}
	}
	mindepth, maxdepth := 0, -1
	if v, ok := opts["mindepth"]; ok {
		mindepth, _ = pyInt(v)
		delete(opts, "mindepth")
	}
	if v, ok := opts["maxdepth"]; ok {
		maxdepth, _ = pyInt(v)
		delete(opts, "maxdepth")
	}
	var match []func(p string, fi os.FileInfo) bool
	for _, k := range sortedKeysAny(opts) {
		v := opts[k]
		if !truthy(v) {
			return fmt.Sprintf("error: missing value for \"%s\" option", k), nil
		}
		s := pyStr(v)
		switch k {
		case "print":
		case "name", "iname":
			pat := s
			match = append(match, func(p string, _ os.FileInfo) bool {
				n := filepath.Base(p)
				if k == "iname" {
					return fnmatch.Match(strings.ToLower(pat), strings.ToLower(n))
				}
				return fnmatch.Match(pat, n)
			})
		case "regex", "iregex":
			prefix := ""
			if k == "iregex" {
				prefix = "(?i)"
			}
			re, err := regexp.Compile(prefix + `\A(?:` + s + `)`)
			if err != nil {
				return fmt.Sprintf("error: invalid regular expression: \"%s\"", s), nil
			}
			match = append(match, func(p string, _ os.FileInfo) bool { return re.MatchString(filepath.Base(p)) })
		case "type":
			types := strings.ReplaceAll(s, " ", "")
			match = append(match, func(_ string, fi os.FileInfo) bool {
				t := map[string]string{"file": "f", "dir": "d", "link": "l", "block": "b", "char": "c", "pipe": "p", "socket": "s"}[fileType(fi.Mode())]
				return strings.Contains(types, t)
			})
		case "owner", "group":
			want := s
			match = append(match, func(_ string, fi os.FileInfo) bool {
				st, ok := fi.Sys().(*syscall.Stat_t)
				if !ok {
					return false
				}
				if k == "owner" {
					return state.UserName(c.env.stateEnv(), int(st.Uid)) == want || strconv.Itoa(int(st.Uid)) == want
				}
				return state.GroupName(c.env.stateEnv(), int(st.Gid)) == want || strconv.Itoa(int(st.Gid)) == want
			})
		default:
			return fmt.Sprintf("error: invalid option \"%s\"", k), nil
		}
	}
	ok := func(p string, fi os.FileInfo) bool {
		for _, m := range match {
			if !m(p, fi) {
				return false
			}
		}
		return true
	}
	roots, _ := filepath.Glob(c.host(c.expandUser(c.str("path"))))
	out := []string{}
	for _, root := range roots {
		filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
			if err != nil {
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			depth := 0
			if rel != "." {
				depth = strings.Count(rel, "/") + 1
			}
			if depth >= mindepth && (maxdepth < 0 || depth <= maxdepth) && ok(p, fi) {
				out = append(out, c.unroot(p))
			}
			if fi.IsDir() && maxdepth >= 0 && depth >= maxdepth && p != root {
				return filepath.SkipDir
			}
			return nil
		})
	}
	sort.Strings(out)
	return anyList(out), nil
}

func sortedKeysAny(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// fileDiskusage is file.diskusage: a file's size, or the total size of
// the files under a directory (hard links once).
func fileDiskusage(c *call) (any, error) {
	hp := c.host(c.str("path"))
	fi, err := os.Stat(hp)
	if err == nil && fi.Mode().IsRegular() {
		return int(fi.Size()), nil
	}
	total := 0
	seen := map[uint64]bool{}
	filepath.Walk(hp, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return nil
		}
		st, serr := os.Stat(p)
		if serr != nil {
			return nil
		}
		if s, ok := st.Sys().(*syscall.Stat_t); ok {
			if seen[s.Ino] {
				return nil
			}
			seen[s.Ino] = true
		}
		total += int(st.Size())
		return nil
	})
	return total, nil
}

// pyBytesRepr is Python's repr() of bytes: b'...' (b"..." when the bytes
// hold a single quote and no double quote), with \\, \t, \n, \r and \xNN
// escapes.
func pyBytesRepr(b []byte) string {
	q := byte('\'')
	if bytes.IndexByte(b, '\'') >= 0 && bytes.IndexByte(b, '"') < 0 {
		q = '"'
	}
	var sb strings.Builder
	sb.WriteString("b")
	sb.WriteByte(q)
	for _, c := range b {
		switch {
		case c == '\\' || c == q:
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c == '\t':
			sb.WriteString(`\t`)
		case c == '\n':
			sb.WriteString(`\n`)
		case c == '\r':
			sb.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&sb, `\x%02x`, c)
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte(q)
	return sb.String()
}
