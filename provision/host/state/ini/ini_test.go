package ini

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/statetest"
	"brine/provision/wire/lowstate"
)

// TestOptionsPresent follows salt/states/ini_manage.py options_present over
// salt/modules/ini_manage.py's parser: comments stay, an option replaces its
// commented-out line, new ones go last, values are written "key = value".
func TestOptionsPresent(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	p := filepath.Join(root, "etc/app.ini")
	os.WriteFile(p, []byte("# top comment\ntop = 1\n\n[main]\n# a comment\n#port = 80\nhost = a\n;debug = 1\n"), 0o644)
	c := lowstate.Chunk{"name": "/etc/app.ini", "sections": map[string]any{
		"extra": "x",
		"main":  map[string]any{"host": "a", "port": float64(8080), "debug": true},
	}}
	env := &state.Env{Root: root, Test: true}
	r := statetest.Call(env, Module(), "ini.options_present", c)
	wantComment := "Changed key extra.\nChanged key debug in section main.\nUnchanged key host in section main.\nChanged key port in section main.\n"
	if statetest.Result(r) != "None" || r.Comment != wantComment || len(r.Changes) != 0 {
		t.Errorf("test: %s %q %v", statetest.Result(r), r.Comment, r.Changes)
	}
	env.Test = false
	r = statetest.Call(env, Module(), "ini.options_present", c)
	want := map[string]any{
		"extra": map[string]any{"before": nil, "after": "x"},
		"main": map[string]any{
			"port":  map[string]any{"before": nil, "after": "8080"},
			"debug": map[string]any{"before": nil, "after": "True"},
		},
	}
	if statetest.Result(r) != "true" || r.Comment != "Changes take effect" || !reflect.DeepEqual(r.Changes, want) {
		t.Errorf("run: %q %v", r.Comment, r.Changes)
	}
	b, _ := os.ReadFile(p)
	if string(b) != "# top comment\ntop = 1\nextra = x\n\n[main]\n# a comment\nport = 8080\nhost = a\n;debug = 1\ndebug = True\n" {
		t.Errorf("file %q", b)
	}
	if r := statetest.Call(env, Module(), "ini.options_present", c); r.Comment != "No anomaly detected" || len(r.Changes) != 0 {
		t.Errorf("again: %q %v", r.Comment, r.Changes)
	}
	env.Test = true
	if r := statetest.Call(env, Module(), "ini.options_present", c); statetest.Result(r) != "true" {
		t.Errorf("test after: %s %q", statetest.Result(r), r.Comment)
	}
	env.Test = false
	strict := lowstate.Chunk{"name": "/etc/app.ini", "strict": true, "sections": map[string]any{"main": map[string]any{"host": "b"}}}
	r = statetest.Call(env, Module(), "ini.options_present", strict)
	// strict also drops the top-level options sections does not list (Salt)
	want = map[string]any{
		"top":   map[string]any{"before": "1", "after": nil},
		"extra": map[string]any{"before": "x", "after": nil},
		"main": map[string]any{
			"host":  map[string]any{"before": "a", "after": "b"},
			"port":  map[string]any{"before": "8080", "after": nil},
			"debug": map[string]any{"before": "True", "after": nil},
		},
	}
	if !reflect.DeepEqual(r.Changes, want) {
		t.Errorf("strict: %v", r.Changes)
	}
	b, _ = os.ReadFile(p)
	if string(b) != "# top comment\n\n[main]\n# a comment\nhost = b\n;debug = 1\n" {
		t.Errorf("strict file %q", b)
	}
	missing := statetest.Call(env, Module(), "ini.options_present", lowstate.Chunk{"name": "/nodir/x.ini", "sections": map[string]any{"a": map[string]any{"b": "c"}}})
	if statetest.Result(missing) != "false" {
		t.Errorf("missing dir: %q", missing.Comment)
	}
}
