package module_test

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/module"
	"brine/provision/host/state/statetest"
	"brine/provision/wire/lowstate"
)

// recorder is an Executor that records argv and runs nothing: it stands for
// the host's `service` command, which the test machine does not have.
type recorder struct {
	mu    sync.Mutex
	calls [][]string
	rc    int
}

func (r *recorder) Run(_ context.Context, c state.Cmd) state.CmdResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, c.Argv)
	return state.CmdResult{Retcode: r.rc}
}

func mk(fun string, kv ...any) lowstate.Chunk {
	c := lowstate.Chunk{"state": "module", "fun": fun, "name": "id1", "__id__": "id1", "__sls__": "t"}
	for i := 0; i+1 < len(kv); i += 2 {
		c[kv[i].(string)] = kv[i+1]
	}
	return c
}

func TestNewStyle(t *testing.T) {
	env := &state.Env{Exec: state.NewHostExecutor()}
	r := statetest.Call(env, module.Module(), "", mk("run", "test.true", []any{}, "cmd.run", []any{map[string]any{"cmd": "echo hi"}}))
	if r.Result == nil || !*r.Result || r.Changes["test.true"] != true || r.Changes["cmd.run"] != "hi" {
		t.Errorf("%+v", r)
	}
	// salt/states/module.py _run: "FUNC: RETURN" (a mapping's comment or
	// "Success"), in the order written (sorted here: a chunk is a map).
	if r.Comment != "cmd.run: hi, test.true: True" {
		t.Errorf("comment %q", r.Comment)
	}
	r = statetest.Call(env, module.Module(), "", mk("run", "test.false", []any{}))
	if r.Result == nil || *r.Result {
		t.Errorf("test.false must fail: %+v", r)
	}
	r = statetest.Call(env, module.Module(), "", mk("run", "nosuch.func", []any{}, "test.true", []any{}))
	if r.Result == nil || *r.Result || r.Comment != "Unavailable function: nosuch.func." || len(r.Changes) != 0 {
		t.Errorf("unsupported: %+v", r)
	}
	// every host function is reachable, with Salt's argument binding
	// (one-key mappings are keywords) and its return in changes
	r = statetest.Call(env, module.Module(), "", mk("run", "test.arg", []any{"one", map[string]any{"two": 2}}))
	want := map[string]any{"test.arg": map[string]any{"args": []any{"one"}, "kwargs": map[string]any{"two": 2}}}
	if r.Result == nil || !*r.Result || r.Comment != "test.arg: Success" || !reflect.DeepEqual(r.Changes, want) {
		t.Errorf("test.arg: %+v", r)
	}
	r = statetest.Call(env, module.Module(), "", mk("run", "file.get_hash", []any{}))
	if r.Result == nil || *r.Result || r.Comment != "'file.get_hash' failed: Missing arguments: path" {
		t.Errorf("missing argument: %+v", r)
	}
	r = statetest.Call(env, module.Module(), "", mk("run", "test.arg:again", []any{"x"}))
	if r.Result == nil || !*r.Result || r.Comment != "test.arg:again: Success" {
		t.Errorf("aliased call: %+v", r)
	}
	r = statetest.Call(env, module.Module(), "", mk("run", "test.false", []any{}, "test.true", []any{}))
	if r.Result == nil || *r.Result || r.Comment != "'test.false': False, test.true: True" || len(r.Changes) != 1 {
		t.Errorf("a failed function: %+v", r)
	}
}

func TestServiceViaExec(t *testing.T) {
	rec := &recorder{}
	env := &state.Env{Exec: rec}
	r := statetest.Call(env, module.Module(), "", mk("run", "service.restart", []any{map[string]any{"name": "nginx"}}))
	if r.Result == nil || !*r.Result || r.Changes["service.restart"] != true {
		t.Errorf("%+v", r)
	}
	// old style
	r = statetest.Call(env, module.Module(), "", lowstate.Chunk{"state": "module", "fun": "run", "name": "service.reload", "__id__": "x", "m_name": "nginx"})
	if r.Result == nil || !*r.Result || r.Comment != "Module function service.reload executed" || r.Changes["ret"] != true {
		t.Errorf("old style %+v", r)
	}
	want := [][]string{{"service", "nginx", "restart"}, {"service", "nginx", "reload"}}
	if len(rec.calls) != 2 || strings.Join(rec.calls[0], " ") != strings.Join(want[0], " ") || strings.Join(rec.calls[1], " ") != strings.Join(want[1], " ") {
		t.Errorf("calls %v", rec.calls)
	}
	rec.rc = 1
	r = statetest.Call(env, module.Module(), "", mk("run", "service.restart", []any{map[string]any{"name": "nginx"}}))
	if r.Result == nil || *r.Result {
		t.Errorf("failed restart must fail: %+v", r)
	}
}

func TestTestModeAndWait(t *testing.T) {
	rec := &recorder{}
	env := &state.Env{Exec: rec, Test: true}
	r := statetest.Call(env, module.Module(), "", mk("run", "service.restart", []any{map[string]any{"name": "nginx"}}))
	if r.Result != nil || r.Comment != "Function service.restart to be executed." {
		t.Errorf("%+v", r)
	}
	r = statetest.Call(env, module.Module(), "", lowstate.Chunk{"state": "module", "fun": "run", "name": "test.true", "__id__": "x"})
	if r.Result != nil || r.Comment != "Module function test.true is set to execute" {
		t.Errorf("%+v", r)
	}
	if len(rec.calls) != 0 {
		t.Error("test mode executed something")
	}
	env.Test = false
	r = statetest.Call(env, module.Module(), "", mk("wait", "service.restart", []any{map[string]any{"name": "nginx"}}))
	if len(rec.calls) != 0 || r.Result == nil || !*r.Result {
		t.Errorf("module.wait must not run by itself: %+v", r)
	}
	r = module.Module().ModWatch(context.Background(), env, mk("wait", "service.restart", []any{map[string]any{"name": "nginx"}}))
	if len(rec.calls) != 1 || r.Result == nil || !*r.Result {
		t.Errorf("mod_watch must run: %+v %v", r, rec.calls)
	}
}

type aptUpdate struct{ argv []string }

func (a *aptUpdate) Run(_ context.Context, c state.Cmd) state.CmdResult {
	a.argv = c.Argv
	return state.CmdResult{Stdout: "Hit:1 http://deb.debian.org/debian bookworm InRelease\n" +
		"Get:2 http://deb.debian.org/debian bookworm-updates InRelease [55.4 kB]\n" +
		"Ign:3 http://example.org/repo stable InRelease\nReading package lists...\n"}
}

// TestRefreshDB: pkg.refresh_db as salt/modules/aptpkg.py keys apt-get
// update's lines (Get True without the size, Hit None, Ign False), and a
// legacy module.run's test mode in salt/states/module.py _legacy_run words.
func TestRefreshDB(t *testing.T) {
	a := &aptUpdate{}
	c := lowstate.Chunk{"state": "module", "fun": "run", "name": "pkg.refresh_db", "__id__": "apt.refresh_db"}
	r := statetest.Call(&state.Env{Exec: a, Test: true}, module.Module(), "", c)
	if r.Result != nil || r.Comment != "Module function pkg.refresh_db is set to execute" || a.argv != nil {
		t.Errorf("test mode: %+v %v", r, a.argv)
	}
	r = statetest.Call(&state.Env{Exec: a}, module.Module(), "", c)
	want := map[string]any{"ret": map[string]any{"http://deb.debian.org/debian bookworm InRelease": nil,
		"http://deb.debian.org/debian bookworm-updates InRelease": true, "http://example.org/repo stable InRelease": false}}
	if r.Result == nil || !*r.Result || r.Comment != "Module function pkg.refresh_db executed" || !reflect.DeepEqual(r.Changes, want) {
		t.Errorf("real run: %+v", r)
	}
	if strings.Join(a.argv, " ") != "apt-get -q update" {
		t.Errorf("ran %v", a.argv)
	}
	r = statetest.Call(&state.Env{Exec: a, Test: true}, module.Module(), "", lowstate.Chunk{"state": "module", "fun": "run", "name": "nosuch.func", "__id__": "x"})
	if r.Result == nil || *r.Result || r.Comment != "Module function nosuch.func is not available" {
		t.Errorf("unsupported in test mode: %+v", r)
	}
}

// TestLegacyArgs: the legacy style's *args and **kwargs come from the keys
// the function names them (test.arg(*args, **kwargs)), its return under
// changes.ret, and a mapping's "result" deciding the state's.
func TestLegacyArgs(t *testing.T) {
	env := &state.Env{Exec: state.NewHostExecutor()}
	c := lowstate.Chunk{"state": "module", "fun": "run", "name": "test.arg", "__id__": "x",
		"args": []any{"a", "b"}, "kwargs": map[string]any{"k": "v"}, "require": []any{}}
	r := statetest.Call(env, module.Module(), "", c)
	want := map[string]any{"ret": map[string]any{"args": []any{"a", "b"}, "kwargs": map[string]any{"k": "v"}}}
	if r.Result == nil || !*r.Result || r.Comment != "Module function test.arg executed" || !reflect.DeepEqual(r.Changes, want) {
		t.Errorf("%+v", r)
	}
	c = lowstate.Chunk{"state": "module", "fun": "run", "name": "test.arg", "__id__": "x", "args": "a"}
	if r := statetest.Call(env, module.Module(), "", c); r.Result == nil || *r.Result || r.Comment != "'args' must be a list." {
		t.Errorf("%+v", r)
	}
	c = lowstate.Chunk{"state": "module", "fun": "run", "name": "file.get_hash", "__id__": "x"}
	if r := statetest.Call(env, module.Module(), "", c); r.Result == nil || *r.Result || r.Comment != "The following arguments are missing: path" {
		t.Errorf("%+v", r)
	}
}

// TestGrainsChangedReachesTheRun: grains.setval through module.run marks
// the run, so the executor sends the grains as they are now.
func TestGrainsChangedReachesTheRun(t *testing.T) {
	memo := &state.Memo{}
	root := t.TempDir()
	env := &state.Env{Root: root, Exec: state.NewHostExecutor(), Memo: memo, Grains: map[string]any{"id": "h1"}}
	r := statetest.Call(env, module.Module(), "", mk("run", "grains.setval", []any{"role", "web"}))
	if r.Result == nil || !*r.Result {
		t.Fatalf("%+v", r)
	}
	if !state.GrainsWereChanged(memo) {
		t.Error("the run was not told that the grains changed")
	}
	if state.GrainsWereChanged(&state.Memo{}) {
		t.Error("a fresh run says its grains changed")
	}
}

// TestFunctionsRunInSLSOrder: several functions under one module.run run,
// and are reported, in the order the SLS wrote them (the compiler's
// lowstate.KeyArgOrder), as Salt runs them.
func TestFunctionsRunInSLSOrder(t *testing.T) {
	env := &state.Env{Exec: state.NewHostExecutor()}
	c := mk("run", "test.true", []any{}, "cmd.run", []any{map[string]any{"cmd": "echo hi"}})
	c[lowstate.KeyArgOrder] = []any{"test.true", "cmd.run"}
	if r := statetest.Call(env, module.Module(), "", c); r.Comment != "test.true: True, cmd.run: hi" {
		t.Errorf("comment %q", r.Comment)
	}
}
