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
	// salt/states/ssh_auth.py _present_test: a comment naming the key
	// parsed out of the line, no changes.
	if len(pred.Changes) != 0 || pred.Comment != "Key "+edKey+" for user deploy is set to be added" {
		t.Errorf("test: %q %v", pred.Comment, pred.Changes)
	}
	env.Test = false
	r := statetest.Call(env, Module(), "ssh_auth.present", c)
	if *r.Result != true || !reflect.DeepEqual(r.Changes, map[string]any{edKey: "New"}) {
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
	if r := statetest.Call(env, Module(), "ssh_auth.present", lowstate.Chunk{"name": edKey, "user": "ghost"}); *r.Result != false ||
		r.Comment != "Failed to add the ssh key. Is the home directory available, and/or does the key file exist?" {
		t.Errorf("ghost %q", r.Comment)
	}
}

// TestInvalidKeys: Salt's set_auth_key refuses a key with spaces and one
// that is not base64 ("Invalid public ssh key..."); the dry run cannot
// tell and predicts the addition.
func TestInvalidKeys(t *testing.T) {
	env := setup(t)
	for _, name := range []string{"not-a-real-key", "ssh-ed25519 AAAA!!notbase64 someone"} {
		c := lowstate.Chunk{"name": name, "user": "deploy"}
		env.Test = true
		if r := statetest.Call(env, Module(), "ssh_auth.present", c); r.Result != nil || !strings.HasSuffix(r.Comment, "for user deploy is set to be added") {
			t.Errorf("%s test: %v %q", name, r.Result, r.Comment)
		}
		env.Test = false
		r := statetest.Call(env, Module(), "ssh_auth.present", c)
		if r.Result == nil || *r.Result || r.Comment != "Invalid public ssh key, most likely has spaces or invalid syntax" || len(r.Changes) != 0 {
			t.Errorf("%s: %v %q %v", name, r.Result, r.Comment, r.Changes)
		}
	}
	if _, err := os.Stat(filepath.Join(env.Root, "home/deploy/.ssh/authorized_keys")); err == nil {
		t.Error("an invalid key was written")
	}
}

// TestSource: keys read from the bundled source file; a missing source
// fails the real run ("Source file ... is missing") and the dry run says
// they are present (Salt's check_key_file finds no file, no keys, no
// error); absent with a source removes the file's keys.
func TestSource(t *testing.T) {
	env := setup(t)
	k2 := "AAAAC3NzaC1lZDI1NTE5AAAAIOMn/EXdxnXQO7kRSbZ8KCzxxZygii+O73aGVv9WAx05"
	file := "# team\nssh-ed25519 " + edKey + " a@x\nssh-ed25519 " + k2 + " b@y\n"
	env.File = func(string) ([]byte, error) { return []byte(file), nil }
	c := lowstate.Chunk{"name": "team", "user": "deploy", "source": "salt://keys/team.pub", lowstate.KeyFile: "h"}
	env.Test = true
	r := statetest.Call(env, Module(), "ssh_auth.present", c)
	if r.Result != nil || r.Comment != "Set to add: "+edKey+"\nSet to add: "+k2+"\n" {
		t.Errorf("test: %v %q", r.Result, r.Comment)
	}
	env.Test = false
	r = statetest.Call(env, Module(), "ssh_auth.present", c)
	// Salt reads the file line by line: the comment line adds every key of
	// the file, each key line then finds its key present; the state says
	// what the last line did (recorded from salt-ssh 3007.1,
	// e2e/testdata/trees/fn-user sshauth-source)
	if r.Result == nil || !*r.Result || len(r.Changes) != 0 || r.Comment != "The authorized host key team is already present for user deploy" {
		t.Fatalf("present: %v %q %v", r.Result, r.Comment, r.Changes)
	}
	b, _ := os.ReadFile(filepath.Join(env.Root, "home/deploy/.ssh/authorized_keys"))
	if string(b) != "ssh-ed25519 "+edKey+" a@x\nssh-ed25519 "+k2+" b@y\n" || strings.Contains(string(b), "team") {
		t.Errorf("file %q", b)
	}
	env.Test = true
	if r := statetest.Call(env, Module(), "ssh_auth.present", c); r.Result == nil || !*r.Result || r.Comment != "All host keys in file salt://keys/team.pub are already present" {
		t.Errorf("test again: %v %q", r.Result, r.Comment)
	}
	env.Test = false
	// likewise absent: the comment line removes the keys, the key lines
	// find them gone ("Key not present", no changes)
	r = statetest.Call(env, Module(), "ssh_auth.absent", c)
	if r.Result == nil || !*r.Result || len(r.Changes) != 0 || r.Comment != "Key not present" {
		t.Errorf("absent: %v %q %v", r.Result, r.Comment, r.Changes)
	}
	if b, _ := os.ReadFile(filepath.Join(env.Root, "home/deploy/.ssh/authorized_keys")); len(b) != 0 {
		t.Errorf("after absent %q", b)
	}
	// a file of key lines only says what it did
	file = "ssh-ed25519 " + edKey + " a@x\n"
	if r := statetest.Call(env, Module(), "ssh_auth.present", c); !reflect.DeepEqual(r.Changes, map[string]any{"team": "New"}) {
		t.Errorf("key lines only: %v %q", r.Changes, r.Comment)
	}
	missing := lowstate.Chunk{"name": "gone", "user": "deploy", "source": "salt://keys/nope.pub"}
	if r := statetest.Call(env, Module(), "ssh_auth.present", missing); r.Result == nil || *r.Result || r.Comment != "Failed to add the ssh key. Source file salt://keys/nope.pub is missing" {
		t.Errorf("missing: %v %q", r.Result, r.Comment)
	}
	env.Test = true
	if r := statetest.Call(env, Module(), "ssh_auth.present", missing); r.Result == nil || !*r.Result || r.Comment != "All host keys in file salt://keys/nope.pub are already present" {
		t.Errorf("missing, test: %v %q", r.Result, r.Comment)
	}
}
