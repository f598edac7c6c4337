package cmd_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/cmd"
	"brine/provision/host/state/statetest"
	"brine/provision/wire/lowstate"
)

func mk(fun, name string, kv ...any) lowstate.Chunk {
	c := lowstate.Chunk{"state": "cmd", "fun": fun, "name": name, "__id__": name, "__sls__": "t"}
	for i := 0; i+1 < len(kv); i += 2 {
		c[kv[i].(string)] = kv[i+1]
	}
	return c
}

// call runs c in an env for test mode test whose bundle holds files.
func call(t *testing.T, test bool, c lowstate.Chunk, files map[string][]byte) *lowstate.Result {
	t.Helper()
	env := &state.Env{Test: test, Exec: state.NewHostExecutor(), File: func(h string) ([]byte, error) {
		b, ok := files[h]
		if !ok {
			return nil, os.ErrNotExist
		}
		return b, nil
	}}
	return statetest.Call(env, cmd.Module(), "", c)
}

func isTrue(r *lowstate.Result) bool  { return r.Result != nil && *r.Result }
func isFalse(r *lowstate.Result) bool { return r.Result != nil && !*r.Result }

func TestRun(t *testing.T) {
	r := call(t, false, mk("run", "echo hello; echo oops >&2"), nil)
	if !isTrue(r) || r.Comment != `Command "echo hello; echo oops >&2" run` {
		t.Fatalf("result %+v", r)
	}
	if r.Changes["stdout"] != "hello" || r.Changes["stderr"] != "oops" || r.Changes["retcode"] != 0 {
		t.Errorf("changes %v", r.Changes)
	}
	if pid, _ := r.Changes["pid"].(int); pid <= 0 {
		t.Errorf("pid %v", r.Changes["pid"])
	}
	// Salt puts the command in its comment as is, quotes and all.
	if r := call(t, false, mk("run", `echo "hi"`), nil); r.Comment != `Command "echo "hi"" run` {
		t.Errorf("comment %q", r.Comment)
	}
	r = call(t, false, mk("run", "exit 4"), nil)
	if !isFalse(r) || r.Changes["retcode"] != 4 {
		t.Errorf("failing command: %+v", r)
	}
	r = call(t, false, mk("run", "exit 4", "success_retcodes", []any{float64(4)}), nil)
	if !isTrue(r) {
		t.Errorf("success_retcodes: %+v", r)
	}
}

func TestRunOptions(t *testing.T) {
	dir := t.TempDir()
	r := call(t, false, mk("run", `pwd; echo "$A"; umask`, "cwd", dir, "env", []any{map[string]any{"A": "b"}}, "umask", "077"), nil)
	if r.Changes["stdout"] != dir+"\nb\n0077" {
		t.Errorf("stdout %q", r.Changes["stdout"])
	}
	r = call(t, false, mk("run", "echo $0", "shell", "/bin/bash"), nil)
	if r.Changes["stdout"] != "/bin/bash" {
		t.Errorf("shell %q", r.Changes["stdout"])
	}
	r = call(t, false, mk("run", "true", "cwd", "/does/not/exist"), nil)
	if !isFalse(r) || r.Comment != `Desired working directory "/does/not/exist" is not available` {
		t.Errorf("bad cwd: %+v", r)
	}
	if os.Geteuid() == 0 {
		r = call(t, false, mk("run", "id -un", "runas", "nobody", "cwd", "/"), nil)
		if r.Changes["stdout"] != "nobody" {
			t.Errorf("runas: %+v", r)
		}
	}
	r = call(t, false, mk("run", "true", "runas", "no-such-user-x"), nil)
	if !isFalse(r) || !strings.Contains(r.Comment, "no-such-user-x") {
		t.Errorf("unknown runas: %+v", r)
	}
}

func TestRunTestMode(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "x")
	r := call(t, true, mk("run", "touch "+f), nil)
	if r.Result != nil || r.Comment != `Command "touch `+f+`" would have been executed` {
		t.Errorf("%+v", r)
	}
	if _, err := os.Stat(f); err == nil {
		t.Error("test mode ran the command")
	}
}

func TestStateful(t *testing.T) {
	r := call(t, false, mk("run", `echo working; echo "changed=no comment='all good'"`, "stateful", true), nil)
	if !isTrue(r) || r.Comment != "all good" || len(r.Changes) != 0 {
		t.Errorf("changed=no: %+v", r)
	}
	r = call(t, false, mk("run", `echo '{"changed": true, "comment": "did it", "extra": 1}'`, "stateful", true), nil)
	if !isTrue(r) || r.Comment != "did it" || r.Changes["extra"] != float64(1) {
		t.Errorf("json: %+v", r)
	}
	r = call(t, false, mk("run", `echo "not = parsable 'x"`, "stateful", true), nil)
	if !isFalse(r) {
		t.Errorf("unparsable: %+v", r)
	}
}

func TestScript(t *testing.T) {
	files := map[string][]byte{"h1": []byte("#!/bin/sh\necho script \"$1\" \"$2\"\n")}
	r := call(t, false, mk("script", "salt://s.sh", lowstate.KeyFile, "h1", "args", "a 'b c'"), files)
	if !isTrue(r) || r.Changes["stdout"] != "script a b c" || r.Comment != "Command 'salt://s.sh' run" {
		t.Errorf("%+v", r)
	}
	r = call(t, false, mk("script", "salt://missing.sh"), files)
	if !isFalse(r) || !strings.Contains(r.Comment, "not found in the bundle") {
		t.Errorf("%+v", r)
	}
	r = call(t, true, mk("script", "salt://s.sh", lowstate.KeyFile, "h1"), files)
	if r.Result != nil || r.Comment != "Command 'salt://s.sh' would have been executed" {
		t.Errorf("test mode %+v", r)
	}
	// a name with quotes is quoted as Salt does (no escaping)
	r = call(t, true, mk("run", `echo "hi"`), nil)
	if r.Result != nil || r.Comment != `Command "echo "hi"" would have been executed` {
		t.Errorf("test mode quoting %q", r.Comment)
	}
}

func TestWaitAndModWatch(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "w")
	r := call(t, false, mk("wait", "touch "+f), nil)
	if !isTrue(r) || len(r.Changes) != 0 {
		t.Errorf("wait %+v", r)
	}
	if _, err := os.Stat(f); err == nil {
		t.Error("cmd.wait ran by itself")
	}
	c := mk("mod_watch", "touch "+f, "sfun", "wait")
	r = call(t, false, c, nil)
	if !isTrue(r) || r.Changes["retcode"] != 0 {
		t.Errorf("mod_watch %+v", r)
	}
	if _, err := os.Stat(f); err != nil {
		t.Error("mod_watch did not run the command")
	}
	r = call(t, false, mk("mod_watch", "x", "sfun", "nope"), nil)
	if !isFalse(r) {
		t.Errorf("bad sfun %+v", r)
	}
}

func TestRunTimeout(t *testing.T) {
	r := call(t, false, mk("run", "sleep 5", "timeout", float64(0.3)), nil)
	if !isFalse(r) || !strings.Contains(r.Comment, "timed out after 0.3 seconds") {
		t.Errorf("%+v", r)
	}
	r = call(t, false, mk("run", "sleep 5", "timeout", float64(0.3), "ignore_timeout", true), nil)
	if !isTrue(r) {
		t.Errorf("ignore_timeout: %+v", r)
	}
}
