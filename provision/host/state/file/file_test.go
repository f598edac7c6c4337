package file_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/file"
	"brine/provision/host/state/statetest"
	"brine/provision/wire/lowstate"
)

// bundle is a content-addressed file store like the real bundle.
type bundle map[string][]byte

func (b bundle) add(data string) string {
	h := sha256.Sum256([]byte(data))
	k := hex.EncodeToString(h[:])
	b[k] = []byte(data)
	return k
}

func (b bundle) get(h string) ([]byte, error) {
	d, ok := b[h]
	if !ok {
		return nil, fmt.Errorf("no file %s in bundle", h)
	}
	return d, nil
}

// newRoot makes a temp root with /etc/passwd, /etc/group and /srv.
func newRoot(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"etc", "srv"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/bash\nweb:x:1500:1600:Web:/srv/web:/bin/sh\n"), 0o644)
	os.WriteFile(filepath.Join(root, "etc/group"), []byte("root:x:0:\nwebgrp:x:1600:\n"), 0o644)
	return root
}

func newEnv(root string, b bundle, test bool) *state.Env {
	return &state.Env{
		Root: root, Test: test, File: b.get, Exec: state.NewHostExecutor(),
		Pillar: map[string]any{"app": map[string]any{"motd": "hello from pillar"}, "data": map[string]any{"k": "v"}},
		Grains: map[string]any{"os": "Debian"},
	}
}

func mk(fun, name string, kv ...any) lowstate.Chunk {
	c := lowstate.Chunk{"state": "file", "fun": fun, "name": name, "__id__": name, "__sls__": "t"}
	for i := 0; i+1 < len(kv); i += 2 {
		c[kv[i].(string)] = kv[i+1]
	}
	return c
}

func rd(t testing.TB, root, p string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, p))
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	return string(b)
}

func put(t testing.TB, root, p, content string) {
	t.Helper()
	hp := filepath.Join(root, p)
	os.MkdirAll(filepath.Dir(hp), 0o755)
	if err := os.WriteFile(hp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func isResult(r *lowstate.Result, want *bool) bool {
	if r.Result == nil || want == nil {
		return r.Result == nil && want == nil
	}
	return *r.Result == *want
}

func expect(t testing.TB, r *lowstate.Result, want *bool, comment string) {
	t.Helper()
	if !isResult(r, want) || !strings.Contains(r.Comment, comment) {
		t.Errorf("got result=%v comment=%q changes=%v; want result=%v comment containing %q", show(r.Result), r.Comment, r.Changes, show(want), comment)
	}
}

func show(b *bool) string {
	if b == nil {
		return "None"
	}
	return fmt.Sprint(*b)
}

var (
	T = lowstate.Bool(true)
	F = lowstate.Bool(false)
)

func mode(t testing.TB, root, p string) os.FileMode {
	t.Helper()
	fi, err := os.Lstat(filepath.Join(root, p))
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode()
}

func owner(t testing.TB, root, p string) (uint32, uint32) {
	t.Helper()
	fi, err := os.Lstat(filepath.Join(root, p))
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return st.Uid, st.Gid
}

func TestManagedNewFileThenIdempotent(t *testing.T) {
	root := newRoot(t)
	c := mk("managed", "/etc/app.conf", "contents", "key = 1", "mode", "0640")
	r := statetest.Call(newEnv(root, nil, false), file.Module(), "", c)
	expect(t, r, T, "File /etc/app.conf updated")
	if !reflect.DeepEqual(r.Changes, map[string]any{"diff": "New file", "mode": "0640"}) {
		t.Errorf("changes = %v", r.Changes)
	}
	if got := rd(t, root, "etc/app.conf"); got != "key = 1\n" {
		t.Errorf("content %q (contents_newline adds the final newline)", got)
	}
	if mode(t, root, "etc/app.conf").Perm() != 0o640 {
		t.Errorf("mode %v", mode(t, root, "etc/app.conf"))
	}
	r = statetest.Call(newEnv(root, nil, false), file.Module(), "", c)
	expect(t, r, T, "File /etc/app.conf is in the correct state")
	if len(r.Changes) != 0 {
		t.Errorf("second run changed: %v", r.Changes)
	}
}

func TestManagedDiffAndSource(t *testing.T) {
	root := newRoot(t)
	put(t, root, "etc/motd", "line1\nold\nline3\n")
	b := bundle{}
	h := b.add("line1\nnew\nline3\n")
	c := mk("managed", "/etc/motd", lowstate.KeyFile, h, "source", "salt://motd")
	r := statetest.Call(newEnv(root, b, false), file.Module(), "", c)
	expect(t, r, T, "updated")
	want := "--- \n+++ \n@@ -1,3 +1,3 @@\n line1\n-old\n+new\n line3\n"
	if r.Changes["diff"] != want {
		t.Errorf("diff = %q, want %q", r.Changes["diff"], want)
	}
	if rd(t, root, "etc/motd") != "line1\nnew\nline3\n" {
		t.Error("content not written")
	}
	// source that did not resolve into the bundle
	r = statetest.Call(newEnv(root, b, false), file.Module(), "", mk("managed", "/etc/x", "source", "salt://nope"))
	expect(t, r, F, "Source file salt://nope not found")
}

func TestManagedContentsVariants(t *testing.T) {
	root := newRoot(t)
	env := newEnv(root, nil, false)
	expect(t, statetest.Call(env, file.Module(), "", mk("managed", "/etc/p", "contents_pillar", "app:motd")), T, "updated")
	if rd(t, root, "etc/p") != "hello from pillar\n" {
		t.Errorf("pillar content %q", rd(t, root, "etc/p"))
	}
	expect(t, statetest.Call(env, file.Module(), "", mk("managed", "/etc/g", "contents_grains", "os")), T, "updated")
	if rd(t, root, "etc/g") != "Debian\n" {
		t.Errorf("grains content %q", rd(t, root, "etc/g"))
	}
	expect(t, statetest.Call(env, file.Module(), "", mk("managed", "/etc/l", "contents", []any{"a", "b"})), T, "updated")
	if rd(t, root, "etc/l") != "a\nb\n" {
		t.Errorf("list content %q", rd(t, root, "etc/l"))
	}
	expect(t, statetest.Call(env, file.Module(), "", mk("managed", "/etc/n", "contents", "x", "contents_newline", false)), T, "updated")
	if rd(t, root, "etc/n") != "x" {
		t.Errorf("contents_newline false %q", rd(t, root, "etc/n"))
	}
	expect(t, statetest.Call(env, file.Module(), "", mk("managed", "/etc/q", "contents_pillar", "app:nope")), F, "Pillar app:nope does not exist")
	expect(t, statetest.Call(env, file.Module(), "", mk("managed", "/etc/q", "contents", "a", "contents_pillar", "app:motd")), F, "Only one of 'contents', 'contents_pillar', and 'contents_grains' is permitted")
	expect(t, statetest.Call(env, file.Module(), "", mk("managed", "/etc/q", "contents", "a", "source", "salt://x")), F, "'source' cannot be used in combination")
	// no source, no contents: an empty file (Salt's "Empty file"), then
	// only perms are managed
	r0 := statetest.Call(env, file.Module(), "", mk("managed", "/etc/empty"))
	expect(t, r0, T, "Empty file")
	if !reflect.DeepEqual(r0.Changes, map[string]any{"new": "file /etc/empty created"}) {
		t.Errorf("empty file changes %v", r0.Changes)
	}
	put(t, root, "etc/keep", "mine\n")
	r := statetest.Call(env, file.Module(), "", mk("managed", "/etc/keep", "mode", "0600"))
	if !reflect.DeepEqual(r.Changes, map[string]any{"mode": "0600"}) || rd(t, root, "etc/keep") != "mine\n" {
		t.Errorf("perms only: changes %v content %q", r.Changes, rd(t, root, "etc/keep"))
	}
}

func TestManagedOwnerModeAndOptions(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chown needs root")
	}
	root := newRoot(t)
	env := newEnv(root, nil, false)
	c := mk("managed", "/etc/o", "contents", "x", "user", "web", "group", "webgrp")
	r := statetest.Call(env, file.Module(), "", c)
	if r.Changes["user"] != "web" || r.Changes["group"] != "webgrp" {
		t.Errorf("changes %v", r.Changes)
	}
	if u, g := owner(t, root, "etc/o"); u != 1500 || g != 1600 {
		t.Errorf("owner %d:%d", u, g)
	}
	if r := statetest.Call(env, file.Module(), "", c); len(r.Changes) != 0 {
		t.Errorf("second run: %v", r.Changes)
	}
	os.Chown(filepath.Join(root, "etc/o"), 0, 0)
	r = statetest.Call(env, file.Module(), "", c)
	if !reflect.DeepEqual(r.Changes, map[string]any{"user": "web", "group": "webgrp"}) {
		t.Errorf("owner drift changes %v", r.Changes)
	}
	expect(t, statetest.Call(env, file.Module(), "", mk("managed", "/etc/u", "user", "ghost")), F, "User ghost is not available")
	expect(t, statetest.Call(env, file.Module(), "", mk("managed", "/etc/u", "group", "ghosts")), F, "Group ghosts is not available")
}

func TestManagedMakedirsReplaceShowChangesBackup(t *testing.T) {
	root := newRoot(t)
	env := newEnv(root, nil, false)
	expect(t, statetest.Call(env, file.Module(), "", mk("managed", "/opt/app/conf/a", "contents", "x")), F, "Parent directory not present")
	expect(t, statetest.Call(env, file.Module(), "", mk("managed", "/opt/app/conf/a", "contents", "x", "makedirs", true, "dir_mode", "0700")), T, "updated")
	if mode(t, root, "opt/app/conf").Perm() != 0o700 || mode(t, root, "opt/app").Perm() != 0o700 {
		t.Errorf("dir_mode not applied: %v", mode(t, root, "opt/app/conf"))
	}
	put(t, root, "etc/r", "orig\n")
	r := statetest.Call(env, file.Module(), "", mk("managed", "/etc/r", "contents", "new", "replace", false))
	expect(t, r, T, "File /etc/r exists with proper permissions. No changes made.")
	if rd(t, root, "etc/r") != "orig\n" {
		t.Error("replace: False must keep the content")
	}
	r = statetest.Call(env, file.Module(), "", mk("managed", "/etc/r", "contents", "new", "show_changes", false))
	if r.Changes["diff"] != "<show_changes=False>" {
		t.Errorf("show_changes: %v", r.Changes)
	}
	// backup off by default, minion-style when asked
	statetest.Call(env, file.Module(), "", mk("managed", "/etc/r", "contents", "newer"))
	if _, err := os.Stat(filepath.Join(root, "var/cache/brine/file_backup")); err == nil {
		t.Error("backup must be off by default")
	}
	statetest.Call(env, file.Module(), "", mk("managed", "/etc/r", "contents", "newest", "backup", "minion"))
	m, _ := filepath.Glob(filepath.Join(root, "var/cache/brine/file_backup/etc/r_*"))
	if len(m) != 1 {
		t.Fatalf("backups: %v", m)
	}
	if b, _ := os.ReadFile(m[0]); string(b) != "newer\n" {
		t.Errorf("backup content %q", b)
	}
	expect(t, statetest.Call(env, file.Module(), "", mk("managed", "/etc/bin", "contents", "a\x00b")), T, "")
	put(t, root, "etc/bin2", "a\x00b")
	r = statetest.Call(env, file.Module(), "", mk("managed", "/etc/bin2", "contents", "c\x00d", "contents_newline", false))
	if r.Changes["diff"] != "Replace binary file" {
		t.Errorf("binary diff %v", r.Changes)
	}
	expect(t, statetest.Call(env, file.Module(), "", mk("managed", "/srv", "contents", "x")), F, "is a directory")
	expect(t, statetest.Call(env, file.Module(), "", mk("managed", "relative/path", "contents", "x")), F, "is not an absolute path")
}

func TestManagedCheckCmd(t *testing.T) {
	root := newRoot(t)
	env := newEnv(root, nil, false)
	put(t, root, "etc/c", "good\n")
	r := statetest.Call(env, file.Module(), "", mk("managed", "/etc/c", "contents", "bad", "check_cmd", "grep -q good"))
	expect(t, r, F, "check_cmd execution failed")
	if rd(t, root, "etc/c") != "good\n" {
		t.Error("a failed check_cmd must keep the old file")
	}
	r = statetest.Call(env, file.Module(), "", mk("managed", "/etc/c", "contents", "still good", "check_cmd", "grep -q good"))
	expect(t, r, T, "updated")
	if rd(t, root, "etc/c") != "still good\n" {
		t.Error("check_cmd ok: file must be written")
	}
}

func TestManagedTestMode(t *testing.T) {
	root := newRoot(t)
	put(t, root, "etc/t", "a\n")
	r := statetest.Call(newEnv(root, nil, true), file.Module(), "", mk("managed", "/etc/t", "contents", "b", "mode", "0600"))
	expect(t, r, nil, "The file /etc/t is set to be changed")
	if r.Changes["mode"] != "0600" || !strings.Contains(r.Changes["diff"].(string), "+b") {
		t.Errorf("predicted %v", r.Changes)
	}
	if rd(t, root, "etc/t") != "a\n" || mode(t, root, "etc/t").Perm() != 0o644 {
		t.Error("test mode changed the file")
	}
	r = statetest.Call(newEnv(root, nil, true), file.Module(), "", mk("managed", "/etc/t", "contents", "a"))
	expect(t, r, T, "correct state")
}

func TestDirectory(t *testing.T) {
	root := newRoot(t)
	env := newEnv(root, nil, false)
	expect(t, statetest.Call(env, file.Module(), "", mk("directory", "/a/b/c")), F, "No directory to create /a/b/c in")
	c := mk("directory", "/a/b/c", "makedirs", true, "mode", "0750")
	r := statetest.Call(env, file.Module(), "", c)
	// Salt 3007.1 returns as soon as it made the directory: no comment
	expect(t, r, T, "")
	if r.Comment != "" || !reflect.DeepEqual(r.Changes, map[string]any{"/a/b/c": map[string]any{"directory": "new"}}) {
		t.Errorf("changes %v", r.Changes)
	}
	if mode(t, root, "a/b/c").Perm() != 0o750 {
		t.Errorf("mode %v", mode(t, root, "a/b/c"))
	}
	expect(t, statetest.Call(env, file.Module(), "", c), T, "The directory /a/b/c is in the correct state")
	os.Chmod(filepath.Join(root, "a/b/c"), 0o755)
	r = statetest.Call(env, file.Module(), "", c)
	// Salt: _check_directory's per-path change and check_perms' own
	if !reflect.DeepEqual(r.Changes, map[string]any{"/a/b/c": map[string]any{"mode": "0750"}, "mode": "0750"}) {
		t.Errorf("mode drift %v", r.Changes)
	}
	put(t, root, "etc/file", "x")
	expect(t, statetest.Call(env, file.Module(), "", mk("directory", "/etc/file")), F, "exists and is a file")
}

func TestDirectoryRecurseAndClean(t *testing.T) {
	root := newRoot(t)
	env := newEnv(root, nil, false)
	put(t, root, "srv/www/index.html", "x")
	put(t, root, "srv/www/sub/page.html", "y")
	os.Chmod(filepath.Join(root, "srv/www/index.html"), 0o600)
	c := mk("directory", "/srv/www", "dir_mode", "0755", "file_mode", "0644", "recurse", []any{"mode"})
	r := statetest.Call(env, file.Module(), "", c)
	if !reflect.DeepEqual(r.Changes, map[string]any{"/srv/www/index.html": map[string]any{"mode": "0644"}, "mode": "0644"}) {
		t.Errorf("recurse changes %v", r.Changes)
	}
	if mode(t, root, "srv/www/index.html").Perm() != 0o644 {
		t.Error("recurse mode not applied")
	}
	expect(t, statetest.Call(env, file.Module(), "", c), T, "correct state")
	// clean keeps what the state requires, removes the rest
	put(t, root, "srv/www/stale.txt", "z")
	cl := mk("directory", "/srv/www", "clean", true, "require", []any{map[string]any{"file": "/srv/www/index.html"}}, "exclude_pat", "*.keep")
	put(t, root, "srv/www/data.keep", "k")
	index := mk("exists", "/srv/www/index.html")
	r = statetest.Call(env, file.Module(), "", cl, index)
	if !reflect.DeepEqual(r.Changes["removed"], []any{"/srv/www/stale.txt", "/srv/www/sub"}) {
		t.Errorf("clean removed %v", r.Changes)
	}
	for _, p := range []string{"srv/www/index.html", "srv/www/data.keep"} {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Errorf("%s must be kept", p)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "srv/www/stale.txt")); err == nil {
		t.Error("stale file not cleaned")
	}
	expect(t, statetest.Call(env, file.Module(), "", cl, index), T, "correct state")
}

func TestDirectoryRecurseOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chown needs root")
	}
	root := newRoot(t)
	env := newEnv(root, nil, false)
	put(t, root, "srv/d/f", "x")
	c := mk("directory", "/srv/d", "user", "web", "group", "webgrp", "recurse", []any{"user", "group"})
	r := statetest.Call(env, file.Module(), "", c)
	if r.Changes["user"] != "web" || !reflect.DeepEqual(r.Changes["/srv/d/f"], map[string]any{"user": "web", "group": "webgrp"}) {
		t.Errorf("changes %v", r.Changes)
	}
	if u, g := owner(t, root, "srv/d/f"); u != 1500 || g != 1600 {
		t.Errorf("owner %d:%d", u, g)
	}
	expect(t, statetest.Call(env, file.Module(), "", c), T, "correct state")
}

func TestAbsent(t *testing.T) {
	root := newRoot(t)
	env := newEnv(root, nil, false)
	put(t, root, "etc/gone", "x")
	put(t, root, "srv/dir/f", "x")
	r := statetest.Call(env, file.Module(), "", mk("absent", "/etc/gone"))
	expect(t, r, T, "Removed file /etc/gone")
	if !reflect.DeepEqual(r.Changes, map[string]any{"removed": "/etc/gone"}) {
		t.Errorf("changes %v", r.Changes)
	}
	expect(t, statetest.Call(env, file.Module(), "", mk("absent", "/srv/dir")), T, "Removed directory /srv/dir")
	expect(t, statetest.Call(env, file.Module(), "", mk("absent", "/etc/gone")), T, "File /etc/gone is not present")
	expect(t, statetest.Call(env, file.Module(), "", mk("absent", "/")), F, `Refusing to make "/" absent`)
}

func TestSymlink(t *testing.T) {
	root := newRoot(t)
	env := newEnv(root, nil, false)
	c := mk("symlink", "/etc/link", "target", "/etc/real")
	r := statetest.Call(env, file.Module(), "", c)
	expect(t, r, T, "Created new symlink /etc/link -> /etc/real")
	if l, _ := os.Readlink(filepath.Join(root, "etc/link")); l != "/etc/real" {
		t.Errorf("link -> %q", l)
	}
	expect(t, statetest.Call(env, file.Module(), "", c), T, "Symlink /etc/link is present")
	r = statetest.Call(env, file.Module(), "", mk("symlink", "/etc/link", "target", "/etc/other"))
	if r.Changes["new"] != "/etc/link" {
		t.Errorf("repoint changes %v", r.Changes)
	}
	if l, _ := os.Readlink(filepath.Join(root, "etc/link")); l != "/etc/other" {
		t.Errorf("link -> %q", l)
	}
	put(t, root, "etc/plain", "x")
	expect(t, statetest.Call(env, file.Module(), "", mk("symlink", "/etc/plain", "target", "/x")), F, "File exists where the symlink /etc/plain should be")
	r = statetest.Call(env, file.Module(), "", mk("symlink", "/etc/plain", "target", "/x", "force", true))
	if !reflect.DeepEqual(r.Changes, map[string]any{"new": "/etc/plain"}) || mode(t, root, "etc/plain")&os.ModeSymlink == 0 {
		t.Errorf("force: %v", r.Changes)
	}
	expect(t, statetest.Call(env, file.Module(), "", mk("symlink", "/nodir/l", "target", "/x")), F, "is not present")
	expect(t, statetest.Call(env, file.Module(), "", mk("symlink", "/nodir/l", "target", "/x", "makedirs", true)), T, "Created new symlink")
}

// TestRecurse follows salt/states/file.py recurse: the target is created
// with its parents, source files are managed like file.managed, their
// directories like file.directory, empty source directories only with
// include_empty; clean removes the rest.
func TestRecurse(t *testing.T) {
	root := newRoot(t)
	b := bundle{}
	files := map[string]any{"index.html": b.add("<h1>hi</h1>\n"), "css/site.css": b.add("body{}\n")}
	c := mk("recurse", "/srv/www/site", lowstate.KeyFiles, files, lowstate.KeyDirs, []any{"css", "empty"}, "file_mode", "0640", "source", "salt://site")
	test, env := newEnv(root, b, true), newEnv(root, b, false)
	r := statetest.Call(test, file.Module(), "", c)
	want := "#### /srv/www/site/css ####\nThe following files will be changed:\n/srv/www/site/css: directory - new\n\n\n" +
		"#### /srv/www/site/css/site.css ####\nThe file /srv/www/site/css/site.css is set to be changed\nNote: No changes made, actual changes may\nbe different due to other states.\n\n" +
		"#### /srv/www/site/index.html ####\nThe file /srv/www/site/index.html is set to be changed\nNote: No changes made, actual changes may\nbe different due to other states."
	if r.Result != nil || r.Comment != want {
		t.Errorf("test mode: %s %q", show(r.Result), r.Comment)
	}
	r = statetest.Call(env, file.Module(), "", c)
	expect(t, r, T, "Recursively updated /srv/www/site")
	keys := make([]string, 0, len(r.Changes))
	for k := range r.Changes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if !reflect.DeepEqual(keys, []string{"/srv/www/site/css", "/srv/www/site/css/site.css", "/srv/www/site/index.html"}) {
		t.Errorf("changed paths %v", keys)
	}
	if !reflect.DeepEqual(r.Changes["/srv/www/site/index.html"], map[string]any{"diff": "New file", "mode": "0640"}) {
		t.Errorf("file change %v", r.Changes["/srv/www/site/index.html"])
	}
	if rd(t, root, "srv/www/site/css/site.css") != "body{}\n" || mode(t, root, "srv/www/site/index.html").Perm() != 0o640 {
		t.Error("files not written")
	}
	if _, err := os.Stat(filepath.Join(root, "srv/www/site/empty")); err == nil {
		t.Error("empty source dir created without include_empty")
	}
	expect(t, statetest.Call(env, file.Module(), "", c), T, "The directory /srv/www/site is in the correct state")
	c["include_empty"] = true
	expect(t, statetest.Call(env, file.Module(), "", c), T, "Recursively updated")
	if fi, err := os.Stat(filepath.Join(root, "srv/www/site/empty")); err != nil || !fi.IsDir() {
		t.Error("include_empty did not create the empty dir")
	}
	put(t, root, "srv/www/site/index.html", "changed")
	put(t, root, "srv/www/site/stale/deep", "x")
	put(t, root, "srv/www/site/keep.log", "x")
	c["clean"] = true
	c["exclude_pat"] = "*.log"
	r = statetest.Call(test, file.Module(), "", c)
	if !strings.HasSuffix(r.Comment, "#### removed ####\n/srv/www/site/stale\n/srv/www/site/stale/deep") || r.Changes["removed"] != nil {
		t.Errorf("test-mode clean: %q %v", r.Comment, r.Changes)
	}
	r = statetest.Call(env, file.Module(), "", c)
	if !strings.Contains(fmt.Sprint(r.Changes["/srv/www/site/index.html"]), "+<h1>hi</h1>") || !reflect.DeepEqual(r.Changes["removed"], []any{"/srv/www/site/stale"}) {
		t.Errorf("changes %v", r.Changes)
	}
	if _, err := os.Stat(filepath.Join(root, "srv/www/site/keep.log")); err != nil {
		t.Error("exclude_pat path removed")
	}
	expect(t, statetest.Call(env, file.Module(), "", c), T, "The directory /srv/www/site is in the correct state")
	expect(t, statetest.Call(env, file.Module(), "", mk("recurse", "/srv/x", "source", "salt://missing")), F, "was not resolved")
	expect(t, statetest.Call(env, file.Module(), "", mk("recurse", "/srv/x", "source", "salt://x", lowstate.KeyFiles, files, "mode", "0644")), F, "'mode' is not allowed in 'file.recurse'")
	bad := mk("recurse", "/srv/evil", "source", "salt://evil", lowstate.KeyFiles, map[string]any{"../../etc/passwd": b.add("x")})
	expect(t, statetest.Call(env, file.Module(), "", bad), F, "Bad path")
}

func TestReplace(t *testing.T) {
	root := newRoot(t)
	env := newEnv(root, nil, false)
	put(t, root, "etc/r", "port=80\nhost=a\nport=81\n")
	r := statetest.Call(env, file.Module(), "", mk("replace", "/etc/r", "pattern", `^port=(\d+)$`, "repl", `port=\g<1>0`, "count", float64(1)))
	expect(t, r, T, "Changes were made")
	if rd(t, root, "etc/r") != "port=800\nhost=a\nport=81\n" {
		t.Errorf("content %q", rd(t, root, "etc/r"))
	}
	if !strings.Contains(r.Changes["diff"].(string), "+port=800") {
		t.Errorf("diff %v", r.Changes)
	}
	c := mk("replace", "/etc/r", "pattern", `^host=.*$`, "repl", `host=b`)
	statetest.Call(env, file.Module(), "", c)
	expect(t, statetest.Call(env, file.Module(), "", c), T, "No changes needed to be made")
	ap := mk("replace", "/etc/r", "pattern", `^debug=.*$`, "repl", "debug=1", "append_if_not_found", true)
	expect(t, statetest.Call(env, file.Module(), "", ap), T, "Changes were made")
	expect(t, statetest.Call(env, file.Module(), "", ap), T, "No changes needed to be made")
	pp := mk("replace", "/etc/r", "pattern", `^first=.*$`, "repl", "first=1", "prepend_if_not_found", true)
	statetest.Call(env, file.Module(), "", pp)
	if got := rd(t, root, "etc/r"); !strings.HasPrefix(got, "first=1\n") || !strings.HasSuffix(got, "debug=1\n") {
		t.Errorf("content %q", got)
	}
	expect(t, statetest.Call(env, file.Module(), "", mk("replace", "/etc/none", "pattern", "x", "repl", "y")), F, "/etc/none: file not found")
	expect(t, statetest.Call(env, file.Module(), "", mk("replace", "/etc/none", "pattern", "x", "repl", "y", "ignore_if_missing", true)), T, "No changes")
	expect(t, statetest.Call(env, file.Module(), "", mk("replace", "/etc/r", "pattern", "(", "repl", "y")), F, "Invalid pattern")
}

func TestAppend(t *testing.T) {
	root := newRoot(t)
	env := newEnv(root, nil, false)
	put(t, root, "etc/a", "one\ntwo   words")
	c := mk("append", "/etc/a", "text", []any{"two words", "three"})
	r := statetest.Call(env, file.Module(), "", c)
	expect(t, r, T, "Appended 1 lines")
	if rd(t, root, "etc/a") != "one\ntwo   words\nthree\n" {
		t.Errorf("content %q", rd(t, root, "etc/a"))
	}
	expect(t, statetest.Call(env, file.Module(), "", c), T, "File /etc/a is in correct state")
	r = statetest.Call(env, file.Module(), "", mk("append", "/etc/new", "text", "hello"))
	if r.Changes["diff"] != "New file" || rd(t, root, "etc/new") != "hello\n" {
		t.Errorf("append to a new file: %v %q", r.Changes, rd(t, root, "etc/new"))
	}
}

func TestLine(t *testing.T) {
	base := "[main]\nkey=1\n# end\n"
	for _, tc := range []struct {
		name string
		args []any
		want string
	}{
		{"ensure after", []any{"mode", "ensure", "content", "new=2", "after", `^key=`}, "[main]\nkey=1\nnew=2\n# end\n"},
		{"ensure after replaces match", []any{"mode", "ensure", "content", "# end!", "match", "^# end", "after", `^key=`}, "[main]\nkey=1\n# end!\n"},
		{"ensure before", []any{"mode", "ensure", "content", "x=0", "before", `^key=`}, "[main]\nx=0\nkey=1\n# end\n"},
		{"ensure between", []any{"mode", "ensure", "content", "mid", "after", `^\[main\]`, "before", `^key=`}, "[main]\nmid\nkey=1\n# end\n"},
		{"replace", []any{"mode", "replace", "content", "key=2", "match", `^key=`}, "[main]\nkey=2\n# end\n"},
		{"delete", []any{"mode", "delete", "match", `^key=`}, "[main]\n# end\n"},
		{"insert start", []any{"mode", "insert", "content", "# top", "location", "start"}, "# top\n[main]\nkey=1\n# end\n"},
		{"insert end", []any{"mode", "insert", "content", "last=1", "location", "end"}, "[main]\nkey=1\n# end\nlast=1\n"},
		{"insert after", []any{"mode", "insert", "content", "a=1", "after", `^\[main\]`}, "[main]\na=1\nkey=1\n# end\n"},
		{"insert before", []any{"mode", "insert", "content", "b=1", "before", `^# end`}, "[main]\nkey=1\nb=1\n# end\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := newRoot(t)
			env := newEnv(root, nil, false)
			put(t, root, "etc/l", base)
			c := mk("line", "/etc/l", tc.args...)
			expect(t, statetest.Call(env, file.Module(), "", c), T, "Changes were made")
			if got := rd(t, root, "etc/l"); got != tc.want {
				t.Errorf("content %q, want %q", got, tc.want)
			}
			expect(t, statetest.Call(env, file.Module(), "", c), T, "No changes needed to be made")
		})
	}
	root := newRoot(t)
	put(t, root, "etc/l", base)
	expect(t, statetest.Call(newEnv(root, nil, false), file.Module(), "", mk("line", "/etc/l", "content", "x")), F, "Mode was not defined")
	expect(t, statetest.Call(newEnv(root, nil, false), file.Module(), "", mk("line", "/etc/l", "mode", "insert", "content", "x", "after", "^nomatch")), F, "Unable to find")
}

func TestBlockreplace(t *testing.T) {
	root := newRoot(t)
	env := newEnv(root, nil, false)
	put(t, root, "etc/b", "top\n# BEGIN\nold\n# END\nbottom\n")
	c := mk("blockreplace", "/etc/b", "marker_start", "# BEGIN", "marker_end", "# END", "content", "new1\nnew2")
	r := statetest.Call(env, file.Module(), "", c)
	expect(t, r, T, "Changes were made")
	if rd(t, root, "etc/b") != "top\n# BEGIN\nnew1\nnew2\n# END\nbottom\n" {
		t.Errorf("content %q", rd(t, root, "etc/b"))
	}
	expect(t, statetest.Call(env, file.Module(), "", c), T, "No changes needed to be made")
	put(t, root, "etc/b2", "x\n")
	c2 := mk("blockreplace", "/etc/b2", "content", "managed", "append_if_not_found", true)
	statetest.Call(env, file.Module(), "", c2)
	if rd(t, root, "etc/b2") != "x\n#-- start managed zone --\nmanaged\n#-- end managed zone --\n" {
		t.Errorf("append %q", rd(t, root, "etc/b2"))
	}
	expect(t, statetest.Call(env, file.Module(), "", c2), T, "No changes")
	expect(t, statetest.Call(env, file.Module(), "", mk("blockreplace", "/etc/b2", "marker_start", "#S", "marker_end", "#E", "content", "x")), F, "Unable to find the block markers")
}

func TestCommentUncomment(t *testing.T) {
	root := newRoot(t)
	env := newEnv(root, nil, false)
	put(t, root, "etc/c", "PermitRootLogin yes\nPort 22\n")
	c := mk("comment", "/etc/c", "regex", "^PermitRootLogin")
	expect(t, statetest.Call(env, file.Module(), "", c), T, "Commented lines successfully")
	if rd(t, root, "etc/c") != "#PermitRootLogin yes\nPort 22\n" {
		t.Errorf("content %q", rd(t, root, "etc/c"))
	}
	expect(t, statetest.Call(env, file.Module(), "", c), T, "Pattern already commented")
	// Salt names the pattern without its anchors
	expect(t, statetest.Call(env, file.Module(), "", mk("comment", "/etc/c", "regex", "^Nothing")), F, "Nothing: Pattern not found")
	u := mk("uncomment", "/etc/c", "regex", "PermitRootLogin")
	expect(t, statetest.Call(env, file.Module(), "", u), T, "Uncommented lines successfully")
	if rd(t, root, "etc/c") != "PermitRootLogin yes\nPort 22\n" {
		t.Errorf("content %q", rd(t, root, "etc/c"))
	}
	expect(t, statetest.Call(env, file.Module(), "", u), T, "Pattern already uncommented")
}

func TestTouchCopyRename(t *testing.T) {
	root := newRoot(t)
	env := newEnv(root, nil, false)
	r := statetest.Call(env, file.Module(), "", mk("touch", "/etc/t"))
	expect(t, r, T, "Created empty file /etc/t")
	if !reflect.DeepEqual(r.Changes, map[string]any{"new": "/etc/t"}) {
		t.Errorf("changes %v", r.Changes)
	}
	r = statetest.Call(env, file.Module(), "", mk("touch", "/etc/t", "mtime", float64(1000000000)))
	expect(t, r, T, "Updated times on file /etc/t")
	if fi, _ := os.Stat(filepath.Join(root, "etc/t")); fi.ModTime().Unix() != 1000000000 {
		t.Errorf("mtime %v", fi.ModTime())
	}
	put(t, root, "etc/src", "data")
	os.Chmod(filepath.Join(root, "etc/src"), 0o600)
	r = statetest.Call(env, file.Module(), "", mk("copy", "/etc/dst", "source", "/etc/src"))
	expect(t, r, T, `Copied "/etc/src" to "/etc/dst"`)
	if rd(t, root, "etc/dst") != "data" || mode(t, root, "etc/dst").Perm() != 0o600 {
		t.Error("copy content/mode")
	}
	put(t, root, "etc/src", "data2")
	expect(t, statetest.Call(env, file.Module(), "", mk("copy", "/etc/dst", "source", "/etc/src")), T, `The target file "/etc/dst" exists and will not be overwritten`)
	expect(t, statetest.Call(env, file.Module(), "", mk("copy", "/etc/dst", "source", "/etc/src", "force", true)), T, "Copied")
	if rd(t, root, "etc/dst") != "data2" {
		t.Error("force copy")
	}
	expect(t, statetest.Call(env, file.Module(), "", mk("copy", "/etc/dst", "source", "/etc/nope")), F, `Source file "/etc/nope" is not present`)
	r = statetest.Call(env, file.Module(), "", mk("rename", "/etc/moved", "source", "/etc/src"))
	expect(t, r, T, `Moved "/etc/src" to "/etc/moved"`)
	if !reflect.DeepEqual(r.Changes, map[string]any{"/etc/moved": "/etc/src"}) || rd(t, root, "etc/moved") != "data2" {
		t.Errorf("rename %v", r.Changes)
	}
	expect(t, statetest.Call(env, file.Module(), "", mk("rename", "/etc/moved", "source", "/etc/src")), T, "has already been moved out of place")
}

func TestSerialize(t *testing.T) {
	root := newRoot(t)
	env := newEnv(root, nil, false)
	ds := map[string]any{"b": []any{float64(1), "two"}, "a": map[string]any{"x": true}}
	c := mk("serialize", "/etc/s.json", "dataset", ds, "formatter", "json")
	expect(t, statetest.Call(env, file.Module(), "", c), T, "updated")
	want := "{\n  \"a\": {\n    \"x\": true\n  },\n  \"b\": [\n    1,\n    \"two\"\n  ]\n}\n"
	if got := rd(t, root, "etc/s.json"); got != want {
		t.Errorf("json %q", got)
	}
	var back map[string]any
	if err := json.Unmarshal([]byte(rd(t, root, "etc/s.json")), &back); err != nil || !reflect.DeepEqual(back, ds) {
		t.Errorf("round trip %v %v", back, err)
	}
	expect(t, statetest.Call(env, file.Module(), "", c), T, "correct state")
	y := mk("serialize", "/etc/s.yaml", "dataset", ds, "formatter", "yaml")
	statetest.Call(env, file.Module(), "", y)
	// PyYAML's default_flow_style=False layout: lists not indented
	if got := rd(t, root, "etc/s.yaml"); got != "a:\n  x: true\nb:\n- 1\n- two\n" {
		t.Errorf("yaml %q", got)
	}
	expect(t, statetest.Call(env, file.Module(), "", mk("serialize", "/etc/p.json", "dataset_pillar", "data")), T, "updated")
	expect(t, statetest.Call(env, file.Module(), "", mk("serialize", "/etc/s.x", "dataset", ds, "formatter", "yamlex")), F, "yamlex serializer is not supported by brine")
	expect(t, statetest.Call(env, file.Module(), "", mk("serialize", "/etc/s.x", "dataset", ds, "serializer", "nope")), F,
		"The nope serializer could not be found. It either does not exist or its prerequisites are not installed.")
	expect(t, statetest.Call(env, file.Module(), "", mk("serialize", "/etc/s.x", "dataset", ds, "serializer", "json", "formatter", "yaml")), F,
		"Only one of serializer and formatter are allowed")
}

// TestSerializeFormats checks each format against what Salt's serializer
// (and the Python library behind it) writes for the same data, plus the
// newline file.serialize appends to text formats.
func TestSerializeFormats(t *testing.T) {
	cases := []struct {
		ser  string
		data any
		want string
	}{
		{"yaml", map[string]any{"b": []any{float64(1), "two"}, "a": map[string]any{"x": true, "y": nil}}, "a:\n  x: true\n  y: null\nb:\n- 1\n- two\n"},
		{"json", map[string]any{"k": "v<é", "n": float64(8080), "f": 0.5}, "{\n  \"f\": 0.5,\n  \"k\": \"v<\\u00e9\",\n  \"n\": 8080\n}\n"},
		{"toml", map[string]any{"a": float64(1), "s": map[string]any{"k": "v", "n": []any{float64(1), float64(2)}}, "t": []any{map[string]any{"x": float64(1)}, map[string]any{"x": float64(2)}}},
			"a = 1\n[[t]]\nx = 1\n\n[[t]]\nx = 2\n\n[s]\nk = \"v\"\nn = [ 1, 2,]\n\n"},
		{"toml", map[string]any{"server": map[string]any{"host": "h", "tls": map[string]any{"on": true}}}, "[server]\nhost = \"h\"\n\n[server.tls]\non = true\n\n"},
		{"configparser", map[string]any{"main": map[string]any{"Key": "v", "n": float64(1), "on": true}}, "[main]\nkey = v\nn = 1\non = True\n\n\n"},
		{"keyvalue", map[string]any{"A": "1", "B": true}, "A=1\nB=True\n"},
		{"python", map[string]any{"a": float64(1), "b": []any{"x", nil}}, "{'a': 1, 'b': ['x', None]}\n"},
		{"plist", map[string]any{"a": float64(1), "b": []any{true, "x<"}, "e": map[string]any{}},
			"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n" +
				"<plist version=\"1.0\">\n<dict>\n\t<key>a</key>\n\t<integer>1</integer>\n\t<key>b</key>\n\t<array>\n\t\t<true/>\n\t\t<string>x&lt;</string>\n\t</array>\n\t<key>e</key>\n\t<dict/>\n</dict>\n</plist>\n"},
		{"msgpack", map[string]any{"a": float64(1), "b": []any{float64(-1), float64(300), 1.5, "s"}}, "\x82\xa1a\x01\xa1b\x94\xff\xcd\x01\x2c\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00\xa1s"},
	}
	for _, tc := range cases {
		root := newRoot(t)
		r := statetest.Call(newEnv(root, nil, false), file.Module(), "", mk("serialize", "/etc/out", "dataset", tc.data, "serializer", tc.ser))
		expect(t, r, T, "File /etc/out updated")
		if got := rd(t, root, "etc/out"); got != tc.want {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.ser, got, tc.want)
		}
	}
	root := newRoot(t)
	put(t, root, "etc/app.json", "{\"keep\": 1, \"nested\": {\"a\": 1}}")
	env := newEnv(root, nil, false)
	c := mk("serialize", "/etc/app.json", "dataset", map[string]any{"nested": map[string]any{"b": float64(2)}}, "serializer", "json", "merge_if_exists", true)
	expect(t, statetest.Call(newEnv(root, nil, true), file.Module(), "", c), nil, "Dataset will be serialized and stored into /etc/app.json")
	expect(t, statetest.Call(env, file.Module(), "", c), T, "updated")
	if got := rd(t, root, "etc/app.json"); got != "{\n  \"keep\": 1,\n  \"nested\": {\n    \"a\": 1,\n    \"b\": 2\n  }\n}\n" {
		t.Errorf("merged %q", got)
	}
	expect(t, statetest.Call(newEnv(root, nil, true), file.Module(), "", c), T, "The file /etc/app.json is in the correct state")
	expect(t, statetest.Call(env, file.Module(), "", mk("serialize", "/etc/app.json", "dataset", map[string]any{"x": 1}, "serializer", "toml", "merge_if_exists", true)), F,
		"merge_if_exists is not supported for the toml serializer")
}

// snapshot records everything observable about a tree: paths, types, modes,
// owners, contents, link targets and mtimes.
func snapshot(t testing.TB, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		st := fi.Sys().(*syscall.Stat_t)
		s := fmt.Sprintf("%v %d:%d %d", fi.Mode(), st.Uid, st.Gid, fi.ModTime().UnixNano())
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			s += " -> " + l
		case fi.Mode().IsRegular():
			b, _ := os.ReadFile(p)
			s += " " + string(b)
		}
		out[rel] = s
		return nil
	})
	return out
}

func diffSnap(a, b map[string]string) []string {
	var d []string
	for k, v := range a {
		if b[k] != v {
			d = append(d, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			d = append(d, k)
		}
	}
	sort.Strings(d)
	return d
}

// TestDryRunPredictsRealRun runs every function first with test=True (no
// change on disk allowed, Result nil when something would change) and then
// for real: the predicted changes must equal the real changes, and a second
// real run must change nothing.
func TestDryRunPredictsRealRun(t *testing.T) {
	b := bundle{}
	h := b.add("from bundle\n")
	site := map[string]any{"a.txt": b.add("a\n"), "d/b.txt": b.add("b\n")}
	setup := func(root string) {
		put(t, root, "etc/existing", "old content\nline2\n")
		put(t, root, "etc/conf", "port=80\n# BEGIN\nx\n# END\nPermitRootLogin yes\n")
		put(t, root, "srv/www/f", "x")
		put(t, root, "srv/src", "copy me")
	}
	cases := []lowstate.Chunk{
		mk("managed", "/etc/new", "contents", "hello", "mode", "0600"),
		mk("managed", "/etc/existing", "contents", "new content"),
		mk("managed", "/etc/existing", lowstate.KeyFile, h, "mode", "0640"),
		mk("managed", "/opt/deep/file", "contents", "x", "makedirs", true),
		mk("managed", "/etc/existing", "contents", "old content\nline2", "user", "web", "group", "webgrp"),
		mk("directory", "/srv/newdir/sub", "makedirs", true, "mode", "0700"),
		mk("directory", "/srv/www", "mode", "0700", "file_mode", "0600", "recurse", []any{"mode", "user"}, "user", "web"),
		mk("absent", "/etc/existing"),
		mk("absent", "/srv/www"),
		mk("symlink", "/etc/link", "target", "/etc/existing"),
		mk("symlink", "/etc/existing", "target", "/x", "force", true),
		mk("recurse", "/srv/site", "source", "salt://site", lowstate.KeyFiles, site, lowstate.KeyDirs, []any{"d", "e"}),
		mk("recurse", "/srv/www", "source", "salt://site", lowstate.KeyFiles, site, "clean", true),
		mk("replace", "/etc/conf", "pattern", "^port=.*$", "repl", "port=8080"),
		mk("replace", "/etc/conf", "pattern", "^nope=.*$", "repl", "nope=1", "append_if_not_found", true),
		mk("append", "/etc/conf", "text", []any{"added line"}),
		mk("append", "/etc/fresh", "text", "new file line"),
		mk("line", "/etc/conf", "mode", "ensure", "content", "port=9", "after", "^port="),
		mk("line", "/etc/conf", "mode", "delete", "match", "^port="),
		mk("blockreplace", "/etc/conf", "marker_start", "# BEGIN", "marker_end", "# END", "content", "y"),
		mk("comment", "/etc/conf", "regex", "^PermitRootLogin"),
		mk("uncomment", "/etc/conf", "regex", "BEGIN"),
		mk("touch", "/etc/touched"),
		mk("copy", "/srv/copied", "source", "/srv/src"),
		mk("rename", "/srv/renamed", "source", "/srv/src"),
		mk("serialize", "/etc/data.json", "dataset", map[string]any{"k": "v"}),
		mk("serialize", "/etc/existing", "dataset", map[string]any{"k": "v"}, "formatter", "yaml"),
	}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%02d_%s_%s", i, c.Fun(), c.Name()), func(t *testing.T) {
			if (state.ArgStr(c, "user") != "") && os.Geteuid() != 0 {
				t.Skip("chown needs root")
			}
			root := newRoot(t)
			setup(root)
			before := snapshot(t, root)
			pred := statetest.Call(newEnv(root, b, true), file.Module(), "", c)
			if d := diffSnap(before, snapshot(t, root)); len(d) > 0 {
				t.Fatalf("test mode touched the host: %v", d)
			}
			// Salt's file.copy and file.rename predict with the comment
			// only: their test-mode changes are empty
			// (and file.symlink with force over a file: Salt's
			// _symlink_check predicts the removal in the comment)
			noPredChanges := c.Fun() == "copy" || c.Fun() == "rename" || c.Fun() == "symlink" && state.ArgBool(c, "force", false)
			// Salt's file.comment and file.uncomment predict {NAME:
			// "updated"} and report the diff
			if c.Fun() == "comment" || c.Fun() == "uncomment" {
				if !reflect.DeepEqual(pred.Changes, map[string]any{c.Name(): "updated"}) {
					t.Errorf("prediction %v", pred.Changes)
				}
				noPredChanges = true
			}
			if len(pred.Changes) == 0 && !noPredChanges {
				t.Fatalf("case predicts no change (bad case): %q", pred.Comment)
			}
			if pred.Result != nil {
				t.Errorf("test mode result = %v, want None", *pred.Result)
			}
			real := statetest.Call(newEnv(root, b, false), file.Module(), "", c)
			if !isResult(real, T) {
				t.Fatalf("real run failed: %q", real.Comment)
			}
			realCh := real.Changes
			if c.Fun() == "recurse" {
				// Salt's dry run lists clean's removals in the comment only
				realCh = map[string]any{}
				for k, v := range real.Changes {
					if k != "removed" {
						realCh[k] = v
					}
				}
			}
			// Salt's file.directory predicts per path (_check_directory:
			// {"/srv/www": {"mode": "0700"}}) but reports a real run on an
			// existing directory as check_perms does ({"mode": "0700"}):
			// only a new directory has the same shape both ways
			if c.Fun() == "directory" && !strings.Contains(fmt.Sprint(pred.Changes), "directory:new") {
				return
			}
			if c.Fun() == "recurse" {
				// each new file: predicted {"newfile": PATH}, reported
				// {"diff": "New file", ...}
				for k, v := range pred.Changes {
					if m, ok := v.(map[string]any); ok && m["newfile"] != nil {
						if rm, _ := realCh[k].(map[string]any); rm["diff"] != "New file" {
							t.Errorf("%s: predicted %v, real %v", k, v, realCh[k])
						}
						delete(realCh, k)
						continue
					}
					if !reflect.DeepEqual(v, realCh[k]) {
						t.Errorf("%s: predicted %v, real %v", k, v, realCh[k])
					}
					delete(realCh, k)
				}
				if len(realCh) > 0 {
					t.Errorf("unpredicted %v", realCh)
				}
				noPredChanges = true
			}
			// Salt predicts a new file as {"newfile": NAME}
			// (check_file_meta), whatever the real run reports
			if nf, ok := pred.Changes["newfile"]; ok {
				if nf != c.Name() || len(pred.Changes) != 1 {
					t.Errorf("new file prediction %v", pred.Changes)
				}
			} else if !noPredChanges && !reflect.DeepEqual(pred.Changes, realCh) {
				t.Errorf("prediction differs from the real run:\npredicted %v\nreal      %v", pred.Changes, real.Changes)
			}
			if c.Fun() == "touch" {
				return // touch updates times on every run, as in Salt
			}
			again := statetest.Call(newEnv(root, b, false), file.Module(), "", c)
			if len(again.Changes) != 0 || !isResult(again, T) {
				t.Errorf("second run not idempotent: %v %q", again.Changes, again.Comment)
			}
			if tm := statetest.Call(newEnv(root, b, true), file.Module(), "", c); !isResult(tm, T) || len(tm.Changes) != 0 {
				t.Errorf("test mode after the real run must predict nothing: %v %q", tm.Changes, tm.Comment)
			}
		})
	}
}

func TestManagedFollowsSymlinkUnderRoot(t *testing.T) {
	root := newRoot(t)
	env := newEnv(root, nil, false)
	put(t, root, "etc/real.conf", "old\n")
	os.Symlink("/etc/real.conf", filepath.Join(root, "etc/link.conf"))
	r := statetest.Call(env, file.Module(), "", mk("managed", "/etc/link.conf", "contents", "new"))
	expect(t, r, T, "updated")
	if rd(t, root, "etc/real.conf") != "new\n" {
		t.Errorf("target not written: %q", rd(t, root, "etc/real.conf"))
	}
	if mode(t, root, "etc/link.conf")&os.ModeSymlink == 0 {
		t.Error("the symlink itself must stay a symlink")
	}
	expect(t, statetest.Call(env, file.Module(), "", mk("managed", "/etc/link.conf", "contents", "new")), T, "correct state")
	r = statetest.Call(env, file.Module(), "", mk("managed", "/etc/link.conf", "contents", "mine", "follow_symlinks", false))
	if mode(t, root, "etc/link.conf")&os.ModeSymlink != 0 || rd(t, root, "etc/real.conf") != "new\n" {
		t.Errorf("follow_symlinks False must replace the link itself: %v", r.Changes)
	}
}

// TestDirectoryDryRunAsSalt: file.directory in test mode is Salt's
// _check_directory (salt/states/file.py 3007.1): one "PATH: KEY - VALUE"
// line per change under "The following files will be changed:", result
// None; a user or group not on the host yet is a predicted change, not a
// failure (_check_user only warns in test mode); clean honours exclude_pat
// lists (check_include_exclude) on the path relative to the directory.
func TestDirectoryDryRunAsSalt(t *testing.T) {
	root := newRoot(t)
	put(t, root, "srv/www/keep.list", "x")
	put(t, root, "srv/www/sub/old.list", "x")
	put(t, root, "srv/www/stale", "x")
	if err := os.Chmod(filepath.Join(root, "srv/www"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := newEnv(root, nil, true)
	cases := []struct {
		c       lowstate.Chunk
		res     *bool
		comment string
	}{
		{mk("directory", "/srv/new", "mode", 750, "user", "root"), nil, "The following files will be changed:\n/srv/new: directory - new\n"},
		{mk("directory", "/srv/new/deeper"), nil, "The following files will be changed:\n/srv/new/deeper: directory - new\n"},
		{mk("directory", "/srv/www", "mode", "0700"), nil, "The following files will be changed:\n/srv/www: mode - 0700\n"},
		{mk("directory", "/srv/www", "mode", "755"), T, "The directory /srv/www is in the correct state"},
		{mk("directory", "/srv/www", "user", "nosuchuser"), nil, "The following files will be changed:\n/srv/www: user - nosuchuser\n"},
		{mk("directory", "/srv/www", "clean", true, "exclude_pat", []any{"*.list"}), nil,
			"The following files will be changed:\n/srv/www/stale: removed - Removed due to clean\n/srv/www/sub: removed - Removed due to clean\n"},
	}
	for _, tc := range cases {
		r := statetest.Call(env, file.Module(), "", tc.c)
		if !isResult(r, tc.res) || r.Comment != tc.comment {
			t.Errorf("%v:\ngot  %v %q\nwant %v %q", tc.c, r.Result, r.Comment, tc.res, tc.comment)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "srv/new")); err == nil {
		t.Error("test mode created a directory")
	}
	// a real run still refuses a user that does not exist
	r := statetest.Call(newEnv(root, nil, false), file.Module(), "", mk("directory", "/srv/www", "user", "nosuchuser"))
	expect(t, r, F, "User nosuchuser is not available")
}

// TestKeepMode: mode: keep and file_mode: keep take the source's mode the
// compiler packed (lowstate.KeyModes), in the prediction and the real run.
func TestKeepMode(t *testing.T) {
	root := newRoot(t)
	b := bundle{}
	h := b.add("#!/bin/sh\n")
	c := mk("managed", "/usr/local/bin/run.sh", lowstate.KeyFile, h, "mode", "keep", "makedirs", true,
		lowstate.KeyModes, map[string]any{"": "0750"})
	r := statetest.Call(newEnv(root, b, true), file.Module(), "", c)
	if r.Result != nil || r.Changes["newfile"] != "/usr/local/bin/run.sh" {
		t.Errorf("test mode: %v %v", r.Result, r.Changes)
	}
	r = statetest.Call(newEnv(root, b, false), file.Module(), "", c)
	expect(t, r, T, "File /usr/local/bin/run.sh updated")
	if r.Changes["mode"] != "0750" {
		t.Errorf("real run: %v", r.Changes)
	}
	if m := mode(t, root, "usr/local/bin/run.sh").Perm(); m != 0o750 {
		t.Errorf("mode %v", m)
	}
	rc := mk("recurse", "/opt/tree", "source", "salt://tree", lowstate.KeyFiles, map[string]any{"bin/tool": b.add("x"), "etc/conf": b.add("y")},
		"file_mode", "keep", lowstate.KeyModes, map[string]any{"bin/tool": "0755", "etc/conf": "0640"})
	expect(t, statetest.Call(newEnv(root, b, false), file.Module(), "", rc), T, "Recursively updated /opt/tree")
	if m := mode(t, root, "opt/tree/bin/tool").Perm(); m != 0o755 {
		t.Errorf("bin/tool mode %v", m)
	}
	if m := mode(t, root, "opt/tree/etc/conf").Perm(); m != 0o640 {
		t.Errorf("etc/conf mode %v", m)
	}
	expect(t, statetest.Call(newEnv(root, b, false), file.Module(), "", rc), T, "The directory /opt/tree is in the correct state")
}
