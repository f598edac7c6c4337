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
	hp, fi := target(env, c, name)
	if fi != nil && fi.IsDir() {
		return state.Failed(fmt.Sprintf("Specified target %s is a directory", name))
	}
	if fi == nil && !state.ArgBool(c, "create", true) {
		return state.OK(fmt.Sprintf("File %s is not present and is not set for creation", name))
	}
	parents := missingParents(env, name)
	if fi == nil && cannotMakeParents(env, c, parents) {
		return state.Failed(fmt.Sprintf("Parent directory not present: %s (set makedirs: True to create it)", filepath.Dir(name)))
	}
	ch := map[string]any{}
	write := false
	var old []byte
	if fi == nil {
		ch["diff"] = "New file"
		write = true
		merge(ch, p.changes(nil))
	} else if fi.Mode()&os.ModeSymlink != 0 {
		// follow_symlinks False: the link itself becomes the managed file
		ch["diff"] = "Replace symbolic link with regular file"
		write = true
		fi = nil
		merge(ch, p.changes(nil))
	} else {
		var err error
		if old, err = os.ReadFile(hp); err != nil {
			return state.Failed(fmt.Sprintf("Unable to read %s: %v", name, err))
		}
		if have && state.ArgBool(c, "replace", true) && !bytes.Equal(old, want) {
			ch["diff"] = diffOrHidden(c, old, want)
			write = true
		} else if d := unfetchedDiff(c, old); d != "" {
			ch["diff"] = d
		}
		merge(ch, p.changes(fi))
	}
	if len(ch) == 0 {
		return state.OK(fmt.Sprintf("File %s is in the correct state", name))
	}
	if env.Test {
		return state.Pending(fmt.Sprintf("The file %s is set to be changed\nNote: No changes made, actual changes may\nbe different due to other states.", name), ch)
	}
	if write && state.HasArg(c, "check_cmd") {
		if r := fileCheckCmd(ctx, env, c, want); r != nil {
			return r
		}
	}
	dm, err := dirMode(c)
	if err != nil {
		return state.Failed(err.Error())
	}
	if err := makeDirs(env, parents, p, dm); err != nil {
		return state.Failed(err.Error())
	}
	if write {
		if fi != nil {
			if err := backup(env, c, name, hp); err != nil {
				return state.Failed(err.Error())
			}
		}
		if !have {
			want = nil
		}
		if fi != nil && !have {
			want = old
		}
		if err := state.WriteHostFile(hp, want, p.mode, p.uid, p.gid); err != nil {
			return state.Failed(fmt.Sprintf("Unable to manage file: %v", err))
		}
	} else if err := p.apply(hp); err != nil {
		return state.Failed(fmt.Sprintf("Unable to manage file: %v", err))
	}
	return state.Changed(fmt.Sprintf("File %s updated", name), ch)
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

func symlink(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name, tgt, fail := absNameAndArg(c, "target", "symlink")
	if fail != nil {
		return fail
	}
	p, fail := getPerms(env, c, "")
	if fail != nil {
		return fail
	}
	hp := state.HostPath(env, name)
	fi, err := os.Lstat(hp)
	ch := map[string]any{}
	force := state.ArgBool(c, "force", false)
	parents := missingParents(env, name)
	if fi == nil && cannotMakeParents(env, c, parents) {
		return state.Failed(fmt.Sprintf("Directory %s for symlink is not present", filepath.Dir(name)))
	}
	create := false
	remove := false
	switch {
	case err != nil:
		create = true
	case fi.Mode()&os.ModeSymlink != 0:
		cur, _ := os.Readlink(hp)
		if cur != tgt {
			create, remove = true, true
		} else {
			merge(ch, p.changes(fi))
		}
	default:
		if !force {
			kind := "File"
			if fi.IsDir() {
				kind = "Directory"
			}
			return state.Failed(fmt.Sprintf("%s exists where the symlink %s should be", kind, name))
		}
		create, remove = true, true
		ch["forced"] = "Symlink was forcibly replaced"
	}
	if create {
		ch["new"] = name
		merge(ch, p.changes(nil))
	}
	if len(ch) == 0 {
		return state.OK(fmt.Sprintf("Symlink %s is present", name))
	}
	if env.Test {
		return state.Pending(fmt.Sprintf("Symlink %s to %s is set for creation", name, tgt), ch)
	}
	if err := makeDirs(env, parents, perms{uid: -1, gid: -1}, 0o755); err != nil {
		return state.Failed(err.Error())
	}
	if remove {
		if err := os.RemoveAll(hp); err != nil {
			return state.Failed(fmt.Sprintf("Unable to remove %s: %v", name, err))
		}
	}
	if create {
		if err := os.Symlink(tgt, hp); err != nil {
			return state.Failed(fmt.Sprintf("Unable to create new symlink %s -> %s: %v", name, tgt, err))
		}
	}
	p.modeStr = ""
	if err := p.apply(hp); err != nil {
		return state.Failed(err.Error())
	}
	if create {
		return state.Changed(fmt.Sprintf("Created new symlink %s -> %s", name, tgt), ch)
	}
	return state.Changed(fmt.Sprintf("Set ownership of symlink %s", name), ch)
}
