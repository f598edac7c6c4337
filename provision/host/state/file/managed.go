package file

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"brine/provision/host/state"
	"brine/provision/lib/sourcehash"
	"brine/provision/wire/lowstate"
)

// wantedContent returns the content file.managed should write, and false
// when the state manages no content (no source, no contents*).
func wantedContent(env *state.Env, c lowstate.Chunk) ([]byte, bool, *lowstate.Result) {
	n := 0
	for _, k := range []string{"contents", "contents_pillar", "contents_grains"} {
		if state.HasArg(c, k) {
			n++
		}
	}
	if n > 1 {
		return nil, false, state.Failed("Only one of 'contents', 'contents_pillar', and 'contents_grains' is permitted")
	}
	if n == 1 && (state.HasArg(c, "source") || c.Str(lowstate.KeyFile) != "") {
		return nil, false, state.Failed("'source' cannot be used in combination with 'contents', 'contents_pillar', or 'contents_grains'")
	}
	if h := c.Str(lowstate.KeyFile); h != "" {
		if env.File == nil {
			return nil, false, state.Failed("No bundle to read the source file from")
		}
		b, err := env.File(h)
		if err != nil {
			return nil, false, state.Failed(fmt.Sprintf("Source file %s could not be read from the bundle: %v", c.Str("source"), err))
		}
		return b, true, nil
	}
	if u := c.Str(lowstate.KeyUnfetched); u != "" {
		return nil, false, unfetchedContent(env, u)
	}
	if state.HasArg(c, "source") {
		return nil, false, state.Failed(fmt.Sprintf("Source file %s not found (the compiler did not resolve it into the bundle)", strings.Join(state.ArgList(c, "source"), ", ")))
	}
	var text string
	var have bool
	switch {
	case state.HasArg(c, "contents"):
		text, have = joinContents(c["contents"]), true
	case state.HasArg(c, "contents_pillar"):
		key := state.ArgStr(c, "contents_pillar")
		v, ok := lookupPath(env.Pillar, key)
		if !ok {
			return nil, false, state.Failed(fmt.Sprintf("Pillar %s does not exist", key))
		}
		text, have = joinContents(v), true
	case state.HasArg(c, "contents_grains"):
		key := state.ArgStr(c, "contents_grains")
		v, ok := lookupPath(env.Grains, key)
		if !ok {
			return nil, false, state.Failed(fmt.Sprintf("Grain %s does not exist", key))
		}
		text, have = joinContents(v), true
	}
	if !have {
		return nil, false, nil
	}
	if state.ArgBool(c, "contents_newline", true) && text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	return []byte(text), true, nil
}

// joinContents turns contents (string or list of lines) into text.
func joinContents(v any) string {
	if l, ok := v.([]any); ok {
		return strings.Join(state.ToStrings(l), "\n")
	}
	return state.Scalar(v)
}

// target resolves the host path of name, following symlinks (under
// env.Root: absolute link targets are mapped through HostPath) unless
// follow_symlinks is False. fi is nil when the final path does not exist.
func target(env *state.Env, c lowstate.Chunk, name string) (string, os.FileInfo) {
	hp := state.HostPath(env, name)
	fi, err := os.Lstat(hp)
	if err != nil {
		return hp, nil
	}
	if fi.Mode()&os.ModeSymlink == 0 || !state.ArgBool(c, "follow_symlinks", true) {
		return hp, fi
	}
	for i := 0; i < 40; i++ {
		l, err := os.Readlink(hp)
		if err != nil {
			break
		}
		if filepath.IsAbs(l) {
			hp = state.HostPath(env, l)
		} else {
			hp = filepath.Join(filepath.Dir(hp), l)
		}
		fi, err = os.Lstat(hp)
		if err != nil {
			return hp, nil
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			return hp, fi
		}
	}
	return hp, fi
}

// managed is Salt's file.managed (states/file.py, modules/file.py
// check_managed_changes, check_file_meta, manage_file and check_perms at
// 3007.1), with their change shapes and words:
//
//   - test=True: a new file predicts {"newfile": NAME}; an existing one
//     the diff and the user/group/mode it would change.
//   - a new file reports {"diff": "New file"} (source or contents) or
//     {"new": "file NAME created"} (neither; comment "Empty file"), and the
//     owner and mode check_perms changes from what Salt's writing left:
//     0600 for a source (a temp file moved into place), 0600 or the umask
//     mode for contents and empty files (created under umask 077 when a
//     mode is given); a file without `mode:` gets 0666 &^ umask.
//   - replace: False on an existing file, or a remote source whose
//     source_hash the file already has: only the owner and mode are
//     managed ("File NAME exists with proper permissions. No changes
//     made.").
func managed(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	if r := checkAbs(name); r != nil {
		return r
	}
	pc, modes := keptModes(c, "mode")
	p, fail := getPerms(env, pc, "mode")
	if fail != nil {
		return fail
	}
	if p, fail = withMode(p, modes, ""); fail != nil {
		return fail
	}
	want, have, fail := wantedContent(env, c)
	if fail != nil {
		return fail
	}
	hasSource := c.Str(lowstate.KeyFile) != "" || c.Str(lowstate.KeyUnfetched) != "" || state.HasArg(c, "source")
	replace := state.ArgBool(c, "replace", true) && (have || hasSource)
	hp, fi := target(env, c, name)
	if fi == nil && !state.ArgBool(c, "create", true) {
		return state.OK(fmt.Sprintf("File %s is not present and is not set for creation", name))
	}
	if fi != nil && fi.IsDir() {
		return state.Failed(fmt.Sprintf("Specified target %s is a directory", name))
	}
	var old []byte
	if fi != nil && fi.Mode().IsRegular() {
		var err error
		if old, err = os.ReadFile(hp); err != nil {
			return state.Failed(fmt.Sprintf("Unable to read %s: %v", name, err))
		}
		if replace && remoteHashMatches(c, old, want, have) {
			replace = false
		}
	}
	if !replace && fi != nil {
		return keepContent(env, c, name, hp, fi, p)
	}
	if env.Test {
		ch := map[string]any{}
		if fi == nil {
			ch["newfile"] = name
		} else {
			if fi.Mode()&os.ModeSymlink == 0 {
				if have && !bytes.Equal(old, want) {
					ch["diff"] = diffOrHidden(c, old, want)
				} else if d := unfetchedDiff(c, old); d != "" {
					ch["diff"] = d
				}
			}
			merge(ch, p.changes(fi))
		}
		if len(ch) == 0 {
			return state.OK(fmt.Sprintf("The file %s is in the correct state", name))
		}
		return state.Pending(fmt.Sprintf("The file %s is set to be changed\nNote: No changes made, actual changes may\nbe different due to other states.", name), ch)
	}
	if fi == nil {
		return newFile(ctx, env, c, name, hp, p, want, have)
	}
	ch := map[string]any{}
	write := false
	if fi.Mode()&os.ModeSymlink != 0 {
		// follow_symlinks False: the link itself becomes the managed file
		ch["diff"] = "Replace symbolic link with regular file"
		write = true
	} else if have && !bytes.Equal(old, want) {
		ch["diff"] = diffOrHidden(c, old, want)
		write = true
	}
	if write && state.HasArg(c, "check_cmd") {
		if r := fileCheckCmd(ctx, env, c, want); r != nil {
			return r
		}
	}
	merge(ch, p.changes(fi))
	if write {
		if fi.Mode()&os.ModeSymlink == 0 {
			if err := backup(env, c, name, hp); err != nil {
				return state.Failed(err.Error())
			}
		} else {
			fi = nil
		}
		if !have {
			want = old
		}
		if err := state.WriteHostFile(hp, want, p.mode, p.uid, p.gid); err != nil {
			return state.Failed(fmt.Sprintf("Unable to manage file: %v", err))
		}
	} else if err := p.apply(hp); err != nil {
		return state.Failed(fmt.Sprintf("Unable to manage file: %v", err))
	}
	if len(ch) == 0 {
		return state.OK(fmt.Sprintf("File %s is in the correct state", name))
	}
	return state.Changed(fmt.Sprintf("File %s updated", name), ch)
}

// newFile writes a file that does not exist yet (manage_file's "target
// file does not exist" branch).
func newFile(ctx context.Context, env *state.Env, c lowstate.Chunk, name, hp string, p perms, want []byte, have bool) *lowstate.Result {
	parents := missingParents(env, name)
	if len(parents) > 0 && !state.ArgBool(c, "makedirs", false) {
		return state.Failed("Parent directory not present")
	}
	if have && state.HasArg(c, "check_cmd") {
		if r := fileCheckCmd(ctx, env, c, want); r != nil {
			return r
		}
	}
	umask := state.Umask()
	source := c.Str(lowstate.KeyFile) != ""
	ch, p := newFileChanges(p, source, have, name, umask)
	comment := fmt.Sprintf("File %s updated", name)
	if !have && !source {
		comment = "Empty file"
		want = nil
	}
	dm, err := newDirMode(c, p, umask)
	if err != nil {
		return state.Failed(err.Error())
	}
	if err := makeDirs(env, parents, p, dm); err != nil {
		return state.Failed(err.Error())
	}
	if err := state.WriteHostFile(hp, want, p.mode, p.uid, p.gid); err != nil {
		return state.Failed(fmt.Sprintf("Unable to manage file: %v", err))
	}
	return state.Changed(comment, ch)
}

// newFileChanges is what manage_file reports for a file it creates, and
// the perms to write it with: {"diff": "New file"} (source or contents)
// or {"new": "file NAME created"} (neither), and the owner and mode
// check_perms changes from what Salt's writing left: 0600 for a source (a
// temp file moved into place), 0600 or the umask mode for contents and
// empty files (touched under umask 077 when a mode is given); a file
// without `mode:` gets 0666 &^ umask.
func newFileChanges(p perms, source, have bool, name string, umask os.FileMode) (map[string]any, perms) {
	created := 0o666 &^ umask
	if source || p.modeStr != "" {
		created = 0o600
	}
	if p.modeStr == "" {
		p.mode = 0o666 &^ umask
		p.modeStr = state.FormatMode(p.mode)
	}
	ch := map[string]any{}
	if have || source {
		ch["diff"] = "New file"
	} else {
		ch["new"] = fmt.Sprintf("file %s created", name)
	}
	if p.uid >= 0 && p.uid != os.Geteuid() {
		ch["user"] = p.user
	}
	if p.gid >= 0 && p.gid != os.Getegid() {
		ch["group"] = p.group
	}
	if state.PermBits(p.mode) != state.PermBits(created) {
		ch["mode"] = p.modeStr
	}
	return ch, p
}

// newDirMode is the mode of the parents file.managed creates: dir_mode, or
// the file's mode with each non-zero digit made searchable (Salt's
// _set_mode_and_make_dirs: 0640 makes 0750), or 0777 &^ umask.
func newDirMode(c lowstate.Chunk, p perms, umask os.FileMode) (os.FileMode, error) {
	m, _, err := state.ArgMode(c, "dir_mode")
	if err != nil || m != 0 {
		return m, err
	}
	if state.HasArg(c, "mode") && p.modeStr != "" {
		return dirModeFor(p.mode), nil
	}
	return 0o777 &^ umask, nil
}

// keepContent manages only the owner and mode of an existing file whose
// content is not to be replaced (Salt's `not replace` branch).
func keepContent(env *state.Env, c lowstate.Chunk, name, hp string, fi os.FileInfo, p perms) *lowstate.Result {
	if fi.Mode()&os.ModeSymlink != 0 && !state.ArgBool(c, "follow_symlinks", true) {
		p.modeStr = ""
	}
	ch := p.changes(fi)
	if env.Test {
		cur := state.FormatMode(fi.Mode())
		comment := fmt.Sprintf("File %s not updated", name)
		if p.modeStr != "" && p.modeStr != cur {
			comment = fmt.Sprintf("File %s will be updated with permissions %s from its current state of %s", name, p.modeStr, cur)
		}
		if len(ch) > 0 {
			return state.Pending(comment, ch)
		}
		return state.OK(comment)
	}
	if err := p.apply(hp); err != nil {
		return state.Failed(fmt.Sprintf("Unable to manage file: %v", err))
	}
	if len(ch) == 0 {
		return state.OK(fmt.Sprintf("File %s exists with proper permissions. No changes made.", name))
	}
	return state.Changed("", ch)
}

// remoteHashMatches reports Salt's early check of file.managed: an
// untemplated http(s)/ftp source with a source_hash (skip_verify off) whose
// digest the existing file already has is not downloaded again, and the
// content is left alone.
func remoteHashMatches(c lowstate.Chunk, old, want []byte, have bool) bool {
	if state.HasArg(c, "template") && state.ArgStr(c, "template") != "" || state.ArgBool(c, "skip_verify", false) {
		return false
	}
	src := c.Str(lowstate.KeySource)
	if src == "" {
		src = c.Str(lowstate.KeyUnfetched)
	}
	scheme, _, ok := strings.Cut(src, "://")
	if !ok || scheme == "salt" || scheme == "file" || strings.TrimSpace(c.Str("source_hash")) == "" {
		return false
	}
	if sum, err := sourcehash.Parse(c.Str("source_hash")); err == nil {
		return sum.Matches(old)
	}
	// a hash file: the controller checked its download against it
	return have && bytes.Equal(old, want)
}

// fileCheckCmd runs file.managed's check_cmd against the new content in a
// temp file; a non-zero exit keeps the old file.
func fileCheckCmd(ctx context.Context, env *state.Env, c lowstate.Chunk, data []byte) *lowstate.Result {
	f, err := os.CreateTemp("", "brine-check-")
	if err != nil {
		return state.Failed(fmt.Sprintf("check_cmd: %v", err))
	}
	defer os.Remove(f.Name())
	_, err = f.Write(data)
	f.Close()
	if err != nil {
		return state.Failed(fmt.Sprintf("check_cmd: %v", err))
	}
	for _, line := range state.ArgList(c, "check_cmd") {
		res := env.Exec.Run(ctx, state.Cmd{Line: line + " " + f.Name()})
		if res.Err != nil || res.Retcode != 0 {
			msg := strings.TrimSpace(res.Stdout + "\n" + res.Stderr)
			if res.Err != nil {
				msg = res.Err.Error()
			}
			return state.Failed("check_cmd execution failed\n" + msg)
		}
	}
	return nil
}

func touch(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	if r := checkAbs(name); r != nil {
		return r
	}
	hp := state.HostPath(env, name)
	_, err := os.Stat(hp)
	exists := err == nil
	parents := missingParents(env, name)
	if !exists && cannotMakeParents(env, c, parents) {
		return state.Failed(fmt.Sprintf("Directory not present to touch file %s", name))
	}
	if env.Test {
		if exists {
			return state.Pending(fmt.Sprintf("File %s set to have atime and mtime updated", name), map[string]any{"touched": name})
		}
		return state.Pending(fmt.Sprintf("File %s is set to be created", name), map[string]any{"new": name})
	}
	if err := makeDirs(env, parents, perms{uid: -1, gid: -1}, 0o755); err != nil {
		return state.Failed(err.Error())
	}
	now := time.Now()
	at, mt := now, now
	if v := state.ArgInt(c, "atime", -1); v >= 0 {
		at = time.Unix(int64(v), 0)
	}
	if v := state.ArgInt(c, "mtime", -1); v >= 0 {
		mt = time.Unix(int64(v), 0)
	}
	if !exists {
		f, err := os.OpenFile(hp, os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return state.Failed(fmt.Sprintf("Unable to touch %s: %v", name, err))
		}
		f.Close()
	}
	if err := os.Chtimes(hp, at, mt); err != nil {
		return state.Failed(fmt.Sprintf("Unable to touch %s: %v", name, err))
	}
	if exists {
		return state.Changed(fmt.Sprintf("Updated times on file %s", name), map[string]any{"touched": name})
	}
	return state.Changed(fmt.Sprintf("Created empty file %s", name), map[string]any{"new": name})
}

func absent(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	if r := checkAbs(name); r != nil {
		return r
	}
	if filepath.Clean(name) == "/" {
		return state.Failed(`Refusing to make "/" absent`)
	}
	hp := state.HostPath(env, name)
	fi, err := os.Lstat(hp)
	if err != nil {
		return state.OK(fmt.Sprintf("File %s is not present", name))
	}
	ch := map[string]any{"removed": name}
	kind := "file"
	if fi.IsDir() {
		kind = "directory"
	}
	if env.Test {
		return state.Pending(fmt.Sprintf("%s %s is set for removal", strings.ToUpper(kind[:1])+kind[1:], name), ch)
	}
	if fi.IsDir() {
		err = os.RemoveAll(hp)
	} else {
		err = os.Remove(hp)
	}
	if err != nil {
		return state.Failed(fmt.Sprintf("Unable to remove %s: %v", name, err))
	}
	return state.Changed(fmt.Sprintf("Removed %s %s", kind, name), ch)
}

func exists(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	if _, err := os.Lstat(state.HostPath(env, c.Name())); err != nil {
		return state.Failed(fmt.Sprintf("Specified path %s does not exist", c.Name()))
	}
	return state.OK(fmt.Sprintf("Path %s exists", c.Name()))
}

func missing(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	if _, err := os.Lstat(state.HostPath(env, c.Name())); err == nil {
		return state.Failed(fmt.Sprintf("Specified path %s exists", c.Name()))
	}
	return state.OK(fmt.Sprintf("Path %s is missing", c.Name()))
}

// symlink is Salt's file.symlink: _symlink_check predicts (test mode),
// then the link is made (or replaced, when its target differs) and owned
// by user:group (default: the executor's user and that user's group, as
// Salt's __opts__["user"]).
func symlink(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name, tgt, fail := absNameAndArg(c, "target", "symlink")
	if fail != nil {
		return fail
	}
	user, group := state.ArgStr(c, "user"), state.ArgStr(c, "group")
	var errs []string
	var u state.User
	var uerr error
	if user == "" {
		// Salt's __opts__["user"]: the user the executor runs as
		u = state.User{Name: state.UserName(env, os.Geteuid()), UID: os.Geteuid(), GID: os.Getegid()}
		user = u.Name
	} else if u, uerr = state.LookupUser(env, user); uerr != nil {
		errs = append(errs, fmt.Sprintf("User %s does not exist", user))
	}
	var g state.Group
	if group == "" && uerr == nil {
		g = state.Group{Name: state.GroupName(env, u.GID), GID: u.GID}
		group = g.Name
	} else {
		if group == "" {
			group = user
		}
		var gerr error
		if g, gerr = state.LookupGroup(env, group); gerr != nil {
			errs = append(errs, fmt.Sprintf("Group %s does not exist", group))
		}
	}
	if len(errs) > 0 {
		msg := strings.Join(errs, ". ")
		if len(errs) > 1 {
			msg += "."
		}
		return state.Failed(msg)
	}
	hp := state.HostPath(env, name)
	fi, err := os.Lstat(hp)
	exists := err == nil
	isLink := exists && fi.Mode()&os.ModeSymlink != 0
	owned := func() (string, bool) {
		if !isLink {
			return "", true
		}
		uid, gid := state.FileOwner(fi)
		return state.UserName(env, uid) + ":" + state.GroupName(env, gid), uid == u.UID && gid == g.GID
	}
	force := state.ArgBool(c, "force", false)
	// _symlink_check
	var tres *bool
	var tcomment string
	tch := map[string]any{}
	switch {
	case !exists:
		tch["new"] = name
		tcomment = fmt.Sprintf("Symlink %s to %s is set for creation", name, tgt)
	case isLink:
		if cur, _ := os.Readlink(hp); cur != tgt {
			tch["change"] = name
			tcomment = fmt.Sprintf("Link %s target is set to be changed to %s", name, tgt)
		} else {
			tres = lowstate.Bool(true)
			tcomment = fmt.Sprintf("The symlink %s is present", name)
			if cur, ok := owned(); !ok {
				tres = nil
				tch["ownership"] = cur
				tcomment += fmt.Sprintf(", but the ownership of the symlink would be changed from %s to %s:%s", cur, user, group)
			}
		}
	case force:
		tcomment = fmt.Sprintf("The file or directory %s is set for removal to make way for a new symlink targeting %s", name, tgt)
	default:
		tres = lowstate.Bool(false)
		tcomment = fmt.Sprintf("File or directory exists where the symlink %s should be. Did you mean to use force?", name)
	}
	dir := filepath.Dir(name)
	parents := missingParents(env, name)
	if len(parents) > 0 {
		switch {
		case state.ArgBool(c, "makedirs", false) && env.Test:
			tcomment += fmt.Sprintf("\n%s will be created", dir)
		case state.ArgBool(c, "makedirs", false):
			p, fail := getPerms(env, c, "mode")
			if fail != nil {
				return fail
			}
			var m os.FileMode
			if p.modeStr != "" {
				m = p.mode
			}
			if err := makeDirs(env, parents, perms{user: user, group: group, uid: u.UID, gid: g.GID}, m); err != nil {
				return state.Failed(err.Error())
			}
		case env.Test:
			tcomment += fmt.Sprintf("\nDirectory %s for symlink is not present", dir)
		default:
			return state.Failed(fmt.Sprintf("Directory %s for symlink is not present", dir))
		}
	}
	if env.Test {
		return &lowstate.Result{Result: tres, Comment: tcomment, Changes: tch}
	}
	if isLink {
		if cur, _ := os.Readlink(hp); filepath.Clean(cur) != filepath.Clean(tgt) {
			if err := os.Remove(hp); err != nil {
				return state.Failed(fmt.Sprintf("Unable to remove %s: %v", name, err))
			}
		} else {
			if _, ok := owned(); ok {
				return state.OK(fmt.Sprintf("Symlink %s is present and owned by %s:%s", name, user, group))
			}
			if err := os.Lchown(hp, u.UID, g.GID); err != nil {
				return state.Failed(fmt.Sprintf("Failed to set ownership of symlink %s to %s:%s", name, user, group))
			}
			return state.Changed(fmt.Sprintf("Set ownership of symlink %s to %s:%s", name, user, group), map[string]any{"ownership": user + ":" + group})
		}
	} else if exists {
		if !force {
			kind := "File system entry"
			if fi.Mode().IsRegular() {
				kind = "File"
			} else if fi.IsDir() {
				kind = "Directory"
			}
			return state.Failed(fmt.Sprintf("%s exists where the symlink %s should be", kind, name))
		}
		if err := os.RemoveAll(hp); err != nil {
			return state.Failed(fmt.Sprintf("Unable to create new symlink %s -> %s: %v", name, tgt, err))
		}
	}
	if err := os.Symlink(tgt, hp); err != nil {
		return state.Failed(fmt.Sprintf("Unable to create new symlink %s -> %s: %v", name, tgt, err))
	}
	res := state.Changed(fmt.Sprintf("Created new symlink %s -> %s", name, tgt), map[string]any{"new": name})
	if err := os.Lchown(hp, u.UID, g.GID); err != nil {
		res.Result = lowstate.Bool(false)
		res.Comment += fmt.Sprintf(", but was unable to set ownership to %s:%s", user, group)
	}
	return res
}
