package sshauth

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/statetest"
	"brine/provision/wire/lowstate"
)

const edKey = "AAAAC3NzaC1lZDI1NTE5AAAAIGJ1cm5lZC1rZXktZm9yLXRlc3Rz"

func setup(t *testing.T) *state.Env {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.MkdirAll(filepath.Join(root, "home/deploy"), 0o755)
	uid, gid := os.Getuid(), os.Getgid()
	os.WriteFile(filepath.Join(root, "etc/passwd"), []byte(fmt.Sprintf("deploy:x:%d:%d::/home/deploy:/bin/sh\n", uid, gid)), 0o644)
	return &state.Env{Root: root}
}

func TestPresentCreatesWithModes(t *testing.T) {
	env := setup(t)
	name := "ssh-ed25519 " + edKey + " ops@laptop"
	c := lowstate.Chunk{"name": name, "user": "deploy"}
	env.Test = true
	pred := statetest.Call(env, Module(), "ssh_auth.present", c)
	ak := filepath.Join(env.Root, "home/deploy/.ssh/authorized_keys")
	if _, err := os.Stat(ak); !os.IsNotExist(err) || pred.Result != nil {
		t.Fatal("test mode wrote the file")
	}
	// salt/states/ssh_auth.py _present_test: a comment, no changes.
	if len(pred.Changes) != 0 || pred.Comment != "Key "+name+" for user deploy is set to be added" {
		t.Errorf("test: %q %v", pred.Comment, pred.Changes)
	}
	env.Test = false
	r := statetest.Call(env, Module(), "ssh_auth.present", c)
	if *r.Result != true || !reflect.DeepEqual(r.Changes, map[string]any{name: "New"}) {
		t.Fatalf("%v %q", r.Changes, r.Comment)
	}
	b, _ := os.ReadFile(ak)
	if string(b) != name+"\n" {
		t.Errorf("file %q", b)
	}
	fi, _ := os.Stat(ak)
	di, _ := os.Stat(filepath.Dir(ak))
	if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
		t.Errorf("modes %v %v", fi.Mode(), di.Mode())
	}
	if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != os.Getuid() {
		t.Errorf("owner %d", st.Uid)
	}
	if r := statetest.Call(env, Module(), "ssh_auth.present", c); len(r.Changes) != 0 || *r.Result != true {
		t.Errorf("second %v", r.Changes)
	}
}

func TestUpdateOptionsAndAbsent(t *testing.T) {
	env := setup(t)
	ak := filepath.Join(env.Root, "home/deploy/.ssh/authorized_keys")
	os.MkdirAll(filepath.Dir(ak), 0o700)
	other := "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 other@host"
	os.WriteFile(ak, []byte("# managed\n"+other+"\nssh-ed25519 "+edKey+" old-comment\n"), 0o600)
	c := lowstate.Chunk{"name": edKey, "enc": "ed25519", "user": "deploy", "comment": "new", "options": []any{`command="/usr/bin/backup --x y"`, "no-pty"}}
	r := statetest.Call(env, Module(), "ssh_auth.present", c)
	if *r.Result != true || r.Changes[edKey] != "Updated" {
		t.Fatalf("%v %q", r.Changes, r.Comment)
	}
	b, _ := os.ReadFile(ak)
	want := "# managed\n" + other + "\n" + `command="/usr/bin/backup --x y",no-pty ssh-ed25519 ` + edKey + " new\n"
	if string(b) != want {
		t.Errorf("file:\n%s\nwant:\n%s", b, want)
	}
	k, ok := ParseLine(strings.TrimSpace(strings.Split(string(b), "\n")[2]))
	if !ok || len(k.Options) != 2 || k.Options[0] != `command="/usr/bin/backup --x y"` || k.Comment != "new" {
		t.Errorf("parse back %+v", k)
	}
	if r := statetest.Call(env, Module(), "ssh_auth.present", c); len(r.Changes) != 0 {
		t.Errorf("second %v", r.Changes)
	}
	r = statetest.Call(env, Module(), "ssh_auth.absent", lowstate.Chunk{"name": edKey, "user": "deploy"})
	if *r.Result != true || r.Changes[edKey] != "Removed" {
		t.Fatalf("absent %v", r.Changes)
	}
	b, _ = os.ReadFile(ak)
	if string(b) != "# managed\n"+other+"\n" {
		t.Errorf("after absent %q", b)
	}
	if r := statetest.Call(env, Module(), "ssh_auth.absent", lowstate.Chunk{"name": edKey, "user": "deploy"}); r.Comment != "Key not present" {
		t.Errorf("second absent %q", r.Comment)
	}
	if r := statetest.Call(env, Module(), "ssh_auth.present", lowstate.Chunk{"name": edKey, "user": "ghost"}); *r.Result != false || !strings.Contains(r.Comment, "ghost") {
		t.Errorf("ghost %q", r.Comment)
	}
}
