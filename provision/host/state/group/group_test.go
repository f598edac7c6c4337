package group

import (
	"reflect"
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/internal/shadowfake"
	"brine/provision/host/state/statetest"
	"brine/provision/wire/lowstate"
)

func TestPresentNewWithMembers(t *testing.T) {
	env, fx := shadowfake.Env(t)
	c := lowstate.Chunk{"name": "web", "members": []any{"daemon", "root"}}
	env.Test = true
	pred := statetest.Call(env, Module(), "group.present", c)
	env.Test = false
	// Salt's test mode: a comment, no changes (salt/states/group.py).
	if pred.Result != nil || pred.Comment != "Group web set to be added" || len(pred.Changes) != 0 || len(fx.Lines()) != 0 {
		t.Fatalf("test mode %s %q %v %v", statetest.Result(pred), pred.Comment, pred.Changes, fx.Lines())
	}
	r := statetest.Call(env, Module(), "group.present", c)
	want := map[string]any{"name": "web", "gid": 1000, "passwd": "x", "members": []any{"daemon", "root"}}
	if statetest.Result(r) != "true" || !reflect.DeepEqual(r.Changes, want) {
		t.Fatalf("%s %v", statetest.Result(r), r.Changes)
	}
	if got := fx.Lines(); !reflect.DeepEqual(got, []string{"groupadd web", "gpasswd -M daemon,root web"}) {
		t.Errorf("commands %v", got)
	}
	if r := statetest.Call(env, Module(), "group.present", c); statetest.Result(r) != "true" || len(r.Changes) != 0 {
		t.Errorf("second %v", r.Changes)
	}
}

func TestPresentSystemGIDAndUsers(t *testing.T) {
	env, fx := shadowfake.Env(t)
	r := statetest.Call(env, Module(), "group.present", lowstate.Chunk{"name": "svc", "system": true})
	if r.Changes["gid"] != 999 || fx.Lines()[0] != "groupadd -r svc" {
		t.Errorf("system: %v %v", r.Changes, fx.Lines())
	}
	fx.Reset()
	env.Test = true
	r = statetest.Call(env, Module(), "group.present", lowstate.Chunk{"name": "adm", "gid": 44, "addusers": []any{"root"}, "delusers": []any{"daemon"}})
	if r.Result != nil || r.Comment != "The following group attributes are set to be changed:\ngid: 44\nmembers: ['root']\n" || len(r.Changes) != 0 {
		t.Errorf("test: %s %q %v", statetest.Result(r), r.Comment, r.Changes)
	}
	env.Test = false
	r = statetest.Call(env, Module(), "group.present", lowstate.Chunk{"name": "adm", "gid": 44, "addusers": []any{"root"}, "delusers": []any{"daemon"}})
	// Salt checks again and reports the outcome
	want := map[string]any{"Final": "All changes applied successfully"}
	if statetest.Result(r) != "true" || !reflect.DeepEqual(r.Changes, want) {
		t.Fatalf("%v %q", r.Changes, r.Comment)
	}
	if got := fx.Lines(); !reflect.DeepEqual(got, []string{"groupmod -g 44 adm", "gpasswd -M root adm"}) {
		t.Errorf("commands %v", got)
	}
	g, _ := state.LookupGroup(env, "adm")
	if g.GID != 44 || !reflect.DeepEqual(g.Members, []string{"root"}) {
		t.Errorf("group file: %+v", g)
	}
}

func TestAbsent(t *testing.T) {
	env, fx := shadowfake.Env(t)
	r := statetest.Call(env, Module(), "group.absent", lowstate.Chunk{"name": "sudo"})
	if statetest.Result(r) != "true" || !reflect.DeepEqual(r.Changes, map[string]any{"sudo": ""}) || fx.Lines()[0] != "groupdel sudo" {
		t.Fatalf("%v %v", r.Changes, fx.Lines())
	}
	if r := statetest.Call(env, Module(), "group.absent", lowstate.Chunk{"name": "sudo"}); statetest.Result(r) != "true" || len(r.Changes) != 0 || r.Comment != "Group not present" {
		t.Errorf("second %v %q", r.Changes, r.Comment)
	}
}
