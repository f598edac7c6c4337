package state_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"brine/provision/host/state"
	"brine/provision/wire/lowstate"
)

func TestArgHelpers(t *testing.T) {
	c := lowstate.Chunk{
		"s": "x", "n": float64(3), "b": "yes", "bf": false, "l": []any{"a", float64(2)}, "one": "solo",
		"m": map[string]any{"A": "1"}, "lm": []any{map[string]any{"A": "1"}, map[string]any{"B": float64(2)}},
	}
	if state.ArgStr(c, "s") != "x" || state.ArgStr(c, "n") != "3" || state.ArgStr(c, "missing") != "" {
		t.Error("ArgStr")
	}
	if !state.ArgBool(c, "b", false) || state.ArgBool(c, "bf", true) || !state.ArgBool(c, "missing", true) {
		t.Error("ArgBool")
	}
	if state.ArgInt(c, "n", 0) != 3 || state.ArgInt(c, "s", 7) != 7 {
		t.Error("ArgInt")
	}
	if l := state.ArgList(c, "l"); len(l) != 2 || l[1] != "2" {
		t.Errorf("ArgList %v", l)
	}
	if l := state.ArgList(c, "one"); len(l) != 1 || l[0] != "solo" {
		t.Errorf("ArgList scalar %v", l)
	}
	if m := state.ArgStrMap(c, "lm"); m["A"] != "1" || m["B"] != "2" {
		t.Errorf("ArgStrMap list form %v", m)
	}
	if m := state.ArgMap(c, "m"); m["A"] != "1" {
		t.Errorf("ArgMap %v", m)
	}
}

func TestArgMode(t *testing.T) {
	for _, tc := range []struct {
		in   any
		mode os.FileMode
		norm string
		bad  bool
	}{
		{"0644", 0o644, "0644", false},
		{"644", 0o644, "0644", false},
		{float64(644), 0o644, "0644", false},
		{"0o600", 0o600, "0600", false},
		{"2755", 0o755 | os.ModeSetgid, "2755", false},
		{"1777", 0o777 | os.ModeSticky, "1777", false},
		{"0988", 0, "", true},
		{"77777", 0, "", true},
	} {
		m, n, err := state.ArgMode(lowstate.Chunk{"mode": tc.in}, "mode")
		if (err != nil) != tc.bad || m != tc.mode || n != tc.norm {
			t.Errorf("ArgMode(%v) = %v %q %v", tc.in, m, n, err)
		}
	}
	if m, n, err := state.ArgMode(lowstate.Chunk{}, "mode"); m != 0 || n != "" || err != nil {
		t.Error("absent mode")
	}
}

func writeIDFiles(t *testing.T, root string) {
	t.Helper()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/bash\nweb:x:1500:1600:Web:/srv/web:/bin/sh\n"), 0o644)
	os.WriteFile(filepath.Join(root, "etc/group"), []byte("root:x:0:\nwebgrp:x:1600:\nadm:x:4:web,root\n"), 0o644)
}

func TestLookupUserGroup(t *testing.T) {
	root := t.TempDir()
	writeIDFiles(t, root)
	env := &state.Env{Root: root}
	u, err := state.LookupUser(env, "web")
	if err != nil || u.UID != 1500 || u.GID != 1600 || u.Home != "/srv/web" {
		t.Errorf("LookupUser web = %+v, %v", u, err)
	}
	if u, err := state.LookupUser(env, "1500"); err != nil || u.Name != "web" {
		t.Errorf("by uid: %+v %v", u, err)
	}
	if _, err := state.LookupUser(env, "ghost"); err == nil {
		t.Error("missing user must fail")
	}
	g, err := state.LookupGroup(env, "webgrp")
	if err != nil || g.GID != 1600 {
		t.Errorf("LookupGroup = %+v %v", g, err)
	}
	if _, err := state.LookupGroup(env, "nogroup-x"); err == nil {
		t.Error("missing group must fail")
	}
	if s := state.SupplementaryGIDs(env, "web"); len(s) != 1 || s[0] != 4 {
		t.Errorf("SupplementaryGIDs = %v", s)
	}
	if state.UserName(env, 1500) != "web" || state.GroupName(env, 1600) != "webgrp" || state.UserName(env, 42) != "42" {
		t.Error("UserName/GroupName")
	}
}

func TestFindUserGroupByNameOnly(t *testing.T) {
	root := t.TempDir()
	writeIDFiles(t, root)
	env := &state.Env{Root: root}
	if u, err := state.FindUser(env, "web"); err != nil || u == nil || u.UID != 1500 {
		t.Errorf("FindUser web = %+v, %v", u, err)
	}
	if u, err := state.FindUser(env, "1500"); err != nil || u != nil {
		t.Errorf("FindUser must not read a number as a uid: %+v, %v", u, err)
	}
	if g, err := state.FindGroup(env, "adm"); err != nil || g == nil || g.GID != 4 {
		t.Errorf("FindGroup adm = %+v, %v", g, err)
	}
	if g, err := state.FindGroup(env, "ghost"); err != nil || g != nil {
		t.Errorf("FindGroup ghost = %+v, %v", g, err)
	}
	if _, err := state.FindGroup(&state.Env{Root: t.TempDir()}, "adm"); err == nil {
		t.Error("an unreadable /etc/group must be an error")
	}
	if gs := state.MemberGroups(env, "root"); len(gs) != 1 || gs[0].Name != "adm" {
		t.Errorf("MemberGroups root = %+v", gs)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	root := t.TempDir()
	env := &state.Env{Root: root}
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	if err := state.WriteFile(env, "/etc/app.conf", []byte("one"), 0o640, -1, -1); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(root, "etc/app.conf")
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %o", fi.Mode().Perm())
	}
	if os.Geteuid() == 0 {
		if err := os.Chown(p, 1234, 2345); err != nil {
			t.Fatal(err)
		}
	}
	// mode 0 and uid/gid -1 keep the existing file's mode and owner
	if err := state.WriteFile(env, "/etc/app.conf", []byte("two"), 0, -1, -1); err != nil {
		t.Fatal(err)
	}
	fi, _ = os.Stat(p)
	b, _ := os.ReadFile(p)
	if string(b) != "two" || fi.Mode().Perm() != 0o640 {
		t.Errorf("content %q mode %o", b, fi.Mode().Perm())
	}
	if os.Geteuid() == 0 {
		st := fi.Sys().(*syscall.Stat_t)
		if st.Uid != 1234 || st.Gid != 2345 {
			t.Errorf("owner %d:%d, want kept 1234:2345", st.Uid, st.Gid)
		}
	}
	ents, _ := os.ReadDir(filepath.Join(root, "etc"))
	if len(ents) != 1 {
		t.Errorf("temp files left behind: %v", ents)
	}
	if err := state.WriteFile(env, "/missing/dir/x", []byte("x"), 0, -1, -1); err == nil {
		t.Error("writing into a missing directory must fail")
	}
}

func TestHostPath(t *testing.T) {
	if got := state.HostPath(&state.Env{}, "/etc//x/"); got != "/etc/x" {
		t.Errorf("no root: %q", got)
	}
	env := &state.Env{Root: "/tmp/r"}
	for in, want := range map[string]string{"/etc/x": "/tmp/r/etc/x", "/../../etc/x": "/tmp/r/etc/x", "/a/../b": "/tmp/r/b"} {
		if got := state.HostPath(env, in); got != want {
			t.Errorf("HostPath(%q) = %q, want %q", in, got, want)
		}
	}
}
