package host

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/statetest"
	"brine/provision/wire/lowstate"
)

func TestPresentAbsent(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	hosts := filepath.Join(root, "etc/hosts")
	orig := "127.0.0.1\tlocalhost\n# keep me\n10.0.0.5 db1 db1.lan # database\n"
	os.WriteFile(hosts, []byte(orig), 0o644)
	env := &state.Env{Root: root}
	c := lowstate.Chunk{"name": "api", "ip": []any{"10.0.0.5", "10.0.0.6"}}
	env.Test = true
	pred := statetest.Call(env, Module(), "host.present", c)
	if b, _ := os.ReadFile(hosts); string(b) != orig || pred.Result != nil {
		t.Fatal("test mode wrote the file")
	}
	env.Test = false
	r := statetest.Call(env, Module(), "host.present", c)
	want := map[string]any{"added": map[string]any{"10.0.0.5": []any{"api"}, "10.0.0.6": []any{"api"}}}
	if !reflect.DeepEqual(r.Changes, want) || !reflect.DeepEqual(pred.Changes, want) || r.Comment != "Added host api (10.0.0.5)\nAdded host api (10.0.0.6)" {
		t.Fatalf("%v %q", r.Changes, r.Comment)
	}
	b, _ := os.ReadFile(hosts)
	if got := string(b); got != "127.0.0.1\tlocalhost\n# keep me\n10.0.0.5\tdb1 db1.lan api # database\n10.0.0.6\tapi\n" {
		t.Errorf("hosts:\n%s", got)
	}
	if r := statetest.Call(env, Module(), "host.present", c); len(r.Changes) != 0 || *r.Result != true {
		t.Errorf("second: %v", r.Changes)
	}
	// host.absent: salt/states/host.py words and shapes.
	env.Test = true
	r = statetest.Call(env, Module(), "host.absent", lowstate.Chunk{"name": "api", "ip": "10.0.0.6"})
	if r.Result != nil || len(r.Changes) != 0 || r.Comment != "Host api (10.0.0.6) needs to be removed" {
		t.Errorf("absent, test: %v %v %q", r.Result, r.Changes, r.Comment)
	}
	env.Test = false
	r = statetest.Call(env, Module(), "host.absent", lowstate.Chunk{"name": "api", "ip": "10.0.0.6"})
	if !reflect.DeepEqual(r.Changes, map[string]any{"host": "api"}) || *r.Result != true || r.Comment != "Removed host api (10.0.0.6)" {
		t.Errorf("absent %v %q", r.Changes, r.Comment)
	}
	b, _ = os.ReadFile(hosts)
	if got := string(b); got != "127.0.0.1\tlocalhost\n# keep me\n10.0.0.5\tdb1 db1.lan api # database\n" {
		t.Errorf("after absent:\n%s", got)
	}
	if r := statetest.Call(env, Module(), "host.absent", lowstate.Chunk{"name": "api", "ip": "10.0.0.6"}); len(r.Changes) != 0 || r.Comment != "Host api (10.0.0.6) already absent" {
		t.Errorf("second absent %v %q", r.Changes, r.Comment)
	}
	if r := statetest.Call(env, Module(), "host.present", lowstate.Chunk{"name": "x"}); *r.Result != false {
		t.Error("missing ip should fail")
	}
}
