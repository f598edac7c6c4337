package modules

import (
	"context"
	"os/exec"
	"reflect"
	"testing"

	"brine/provision/host/state"
)

// TestGitConfig runs the host's real git: config_set, config_get (all),
// config_get_regexp, config_unset and its errors, init, revision.
func TestGitConfig(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	env := &Env{Exec: state.NewHostExecutor()}
	call := func(fun string, args []any, kw map[string]any) any { return callT(t, env, fun, args, kw) }
	call("git.init", []any{dir + "/repo"}, nil)
	if got := call("git.config_set", []any{"user.email"}, map[string]any{"value": "ops@example.org", "cwd": dir + "/repo"}); !reflect.DeepEqual(got, []any{"ops@example.org"}) {
		t.Errorf("config_set: %v", got)
	}
	if got := call("git.config_set", []any{"x.y"}, map[string]any{"multivar": "a,b", "cwd": dir + "/repo"}); !reflect.DeepEqual(got, []any{"a", "b"}) {
		t.Errorf("config_set multivar: %v", got)
	}
	if got := call("git.config_get", []any{"x.y"}, map[string]any{"cwd": dir + "/repo"}); got != "b" {
		t.Errorf("config_get: %v", got)
	}
	if got := call("git.config_get_regexp", []any{"^x"}, map[string]any{"cwd": dir + "/repo"}); !reflect.DeepEqual(got, map[string]any{"x.y": []any{"a", "b"}}) {
		t.Errorf("config_get_regexp: %v", got)
	}
	callErr(t, env, "git.config_unset", []any{"x.y"}, map[string]any{"cwd": dir + "/repo"}, "Multiple values exist for key 'x.y'")
	if got := call("git.config_unset", []any{"x.y"}, map[string]any{"cwd": dir + "/repo", "all": true}); got != true {
		t.Errorf("config_unset all: %v", got)
	}
	callErr(t, env, "git.config_unset", []any{"x.y"}, map[string]any{"cwd": dir + "/repo"}, "Key 'x.y' does not exist")
	if got := call("git.config_get", []any{"x.y"}, map[string]any{"cwd": dir + "/repo"}); got != nil {
		t.Errorf("config_get unset: %v", got)
	}
	callErr(t, env, "git.config_get", []any{"x.y"}, nil, "'cwd' argument required unless global=True")
	if got := call("git.config_set", []any{"user.name"}, map[string]any{"value": "Ops", "global": true}); !reflect.DeepEqual(got, []any{"Ops"}) {
		t.Errorf("config_set global: %v", got)
	}
	_, err := Call(context.Background(), env, "git.revision", []any{dir + "/repo"}, nil)
	if err == nil {
		t.Error("revision of an empty repository did not fail")
	}
}
