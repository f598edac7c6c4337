package user

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"brine/provision/host/state/internal/shadowfake"
	"brine/provision/host/state/statetest"
	"brine/provision/wire/lowstate"
)

func TestPresentCreatesAndPredicts(t *testing.T) {
	env, fx := shadowfake.Env(t)
	c := lowstate.Chunk{"name": "deploy", "groups": []any{"sudo"}, "optional_groups": []any{"adm", "nosuch"},
		"shell": "/bin/bash", "fullname": "Deploy User", "password": "$6$salt$hash"}
	env.Test = true
	pred := statetest.Call(env, Module(), "user.present", c)
	// Salt's test mode: a comment, no changes (salt/states/user.py).
	if pred.Result != nil || pred.Comment != "User deploy set to be added" || len(pred.Changes) != 0 || len(fx.Lines()) != 0 {
		t.Fatalf("test mode: %s %q %v, ran %v", statetest.Result(pred), pred.Comment, pred.Changes, fx.Lines())
	}
	env.Test = false
	r := statetest.Call(env, Module(), "user.present", c)
	if statetest.Result(r) != "true" || r.Comment != "New user deploy created" {
		t.Fatalf("%s %q", statetest.Result(r), r.Comment)
	}
	// Salt reports user.info: the whole passwd entry, the GECOS fields and
	// every group, the user's own included
	want := map[string]any{"name": "deploy", "uid": 1000, "gid": 1000, "home": "/home/deploy", "shell": "/bin/bash", "passwd": "x",
		"fullname": "Deploy User", "roomnumber": "", "workphone": "", "homephone": "", "other": "",
		"groups": []any{"adm", "deploy", "sudo"}, "password": redacted}
	if !reflect.DeepEqual(r.Changes, want) {
		t.Errorf("changes %v\nwant %v", r.Changes, want)
	}
	wantCmds := []string{"useradd -G adm,sudo -m -s /bin/bash -c 'Deploy User' deploy", "chpasswd -e"}
	if !reflect.DeepEqual(fx.Lines(), wantCmds) {
		t.Errorf("commands %v", fx.Lines())
	}
	if string(fx.Cmds[1].Stdin) != "deploy:$6$salt$hash\n" {
		t.Errorf("chpasswd stdin %q", fx.Cmds[1].Stdin)
	}
	if _, err := os.Stat(filepath.Join(env.Root, "home/deploy")); err != nil {
		t.Error("home not created")
	}
	fx.Reset()
	r = statetest.Call(env, Module(), "user.present", c)
	if statetest.Result(r) != "true" || len(r.Changes) != 0 || len(fx.Lines()) != 0 {
		t.Errorf("second run: %v %q %v", r.Changes, r.Comment, fx.Lines())
	}
}

func TestPresentUpdates(t *testing.T) {
	env, fx := shadowfake.Env(t)
	statetest.Call(env, Module(), "user.present", lowstate.Chunk{"name": "app", "groups": []any{"sudo", "adm"}})
	fx.Reset()
	c := lowstate.Chunk{"name": "app", "shell": "/bin/zsh", "home": "/srv/app", "groups": []any{"users"}, "uid": 2001}
	env.Test = true
	pred := statetest.Call(env, Module(), "user.present", c)
	if pred.Result != nil || len(pred.Changes) != 0 ||
		pred.Comment != "The following user attributes are set to be changed:\nuid: 2001\ngroups: ['users']\nhome: /srv/app\nhomeDoesNotExist: /srv/app\nshell: /bin/zsh\n" {
		t.Fatalf("test: %s %q %v", statetest.Result(pred), pred.Comment, pred.Changes)
	}
	env.Test = false
	r := statetest.Call(env, Module(), "user.present", c)
	// the user.info fields that changed (groups: every group, the
	// user's own included)
	want := map[string]any{"uid": 2001, "home": "/srv/app", "shell": "/bin/zsh", "groups": []any{"app", "users"}}
	if statetest.Result(r) != "true" || !reflect.DeepEqual(r.Changes, want) {
		t.Fatalf("%s %v %q", statetest.Result(r), r.Changes, r.Comment)
	}
	if got := fx.Lines(); len(got) != 1 || got[0] != "usermod -u 2001 -G users -d /srv/app -s /bin/zsh app" {
		t.Errorf("commands %v", got)
	}
	if got := memberOf(env, "app"); !reflect.DeepEqual(got, []string{"users"}) {
		t.Errorf("member of %v", got)
	}
	// remove_groups: False only adds
	fx.Reset()
	r = statetest.Call(env, Module(), "user.present", lowstate.Chunk{"name": "app", "groups": []any{"sudo"}, "remove_groups": false})
	if !reflect.DeepEqual(r.Changes["groups"], []any{"app", "sudo", "users"}) || fx.Lines()[0] != "usermod -a -G sudo app" {
		t.Errorf("append: %v %v", r.Changes, fx.Lines())
	}
}

func TestPresentErrors(t *testing.T) {
	env, fx := shadowfake.Env(t)
	r := statetest.Call(env, Module(), "user.present", lowstate.Chunk{"name": "x", "groups": []any{"wheel"}})
	if statetest.Result(r) != "false" || r.Comment != "The following group(s) are not present: wheel" || len(fx.Lines()) != 0 {
		t.Errorf("%s %q", statetest.Result(r), r.Comment)
	}
	r = statetest.Call(env, Module(), "user.present", lowstate.Chunk{"name": "x", "gid": "nogroup"})
	if statetest.Result(r) != "false" || !strings.Contains(r.Comment, "nogroup") {
		t.Errorf("gid: %q", r.Comment)
	}
	// Salt's dry run: the groups check comes first and fails in test mode
	// too; a new user's gid is not looked up, so it is predicted
	env.Test = true
	r = statetest.Call(env, Module(), "user.present", lowstate.Chunk{"name": "x", "gid": "x", "groups": []any{"x", "sudo", "wheel"}})
	if statetest.Result(r) != "false" || r.Comment != "The following group(s) are not present: x,wheel" {
		t.Errorf("dry run, missing groups: %s %q", statetest.Result(r), r.Comment)
	}
	r = statetest.Call(env, Module(), "user.present", lowstate.Chunk{"name": "x", "gid": "nogroup", "optional_groups": []any{"wheel"}})
	if statetest.Result(r) != "None" || r.Comment != "User x set to be added" {
		t.Errorf("dry run, gid made by an earlier state: %s %q", statetest.Result(r), r.Comment)
	}
}

func TestExistingUserGroupAndSystem(t *testing.T) {
	env, fx := shadowfake.Env(t)
	// a group named like the user already exists: useradd needs -g
	r := statetest.Call(env, Module(), "user.present", lowstate.Chunk{"name": "users", "createhome": false, "system": true})
	if statetest.Result(r) != "true" || fx.Lines()[0] != "useradd -g users -M -r users" {
		t.Fatalf("%s %q %v", statetest.Result(r), r.Comment, fx.Lines())
	}
	if r.Changes["gid"] != 100 || r.Changes["uid"] != 999 {
		t.Errorf("changes %v", r.Changes)
	}
}

func TestAbsent(t *testing.T) {
	env, fx := shadowfake.Env(t)
	statetest.Call(env, Module(), "user.present", lowstate.Chunk{"name": "old"})
	fx.Reset()
	env.Test = true
	pred := statetest.Call(env, Module(), "user.absent", lowstate.Chunk{"name": "old", "purge": true})
	env.Test = false
	r := statetest.Call(env, Module(), "user.absent", lowstate.Chunk{"name": "old", "purge": true})
	want := map[string]any{"old": "removed", "old group": "removed"}
	if statetest.Result(r) != "true" || !reflect.DeepEqual(r.Changes, want) {
		t.Fatalf("%s %v", statetest.Result(r), r.Changes)
	}
	if pred.Result != nil || pred.Comment != "User old set for removal" || len(pred.Changes) != 0 {
		t.Errorf("test: %s %q %v", statetest.Result(pred), pred.Comment, pred.Changes)
	}
	if fx.Lines()[0] != "userdel -r old" {
		t.Errorf("commands %v", fx.Lines())
	}
	if _, err := os.Stat(filepath.Join(env.Root, "home/old")); !os.IsNotExist(err) {
		t.Error("home not purged")
	}
	if r := statetest.Call(env, Module(), "user.absent", lowstate.Chunk{"name": "old"}); statetest.Result(r) != "true" || len(r.Changes) != 0 {
		t.Errorf("second %v", r.Changes)
	}
}
