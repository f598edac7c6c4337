package git

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/statetest"
	"brine/provision/wire/lowstate"
)

// TestConfigSet follows salt/states/git.py config_set with the real git.
func TestConfigSet(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	root := t.TempDir()
	repo := filepath.Join(root, "srv/repo")
	os.MkdirAll(repo, 0o755)
	if out, err := exec.Command("git", "init", "-q", repo).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	env := &state.Env{Root: root, Exec: state.NewHostExecutor(), Test: true}
	ctx := context.Background()
	c := lowstate.Chunk{"name": "user.email", "value": "ops@example.com", "repo": "/srv/repo"}
	r := configSet(ctx, env, c)
	if statetest.Result(r) != "None" || r.Comment != "'user.email' would be added as 'ops@example.com'" ||
		!reflect.DeepEqual(r.Changes, map[string]any{"old": nil, "new": []any{"ops@example.com"}}) {
		t.Errorf("test: %s %q %v", statetest.Result(r), r.Comment, r.Changes)
	}
	env.Test = false
	r = configSet(ctx, env, c)
	if statetest.Result(r) != "true" || r.Comment != "'user.email' was added as 'ops@example.com'" ||
		!reflect.DeepEqual(r.Changes, map[string]any{"user.email": map[string]any{"old": nil, "new": []any{"ops@example.com"}}}) {
		t.Errorf("set: %s %q %v", statetest.Result(r), r.Comment, r.Changes)
	}
	if r := configSet(ctx, env, c); r.Comment != "'user.email' is already set to 'ops@example.com'" || len(r.Changes) != 0 {
		t.Errorf("again: %q %v", r.Comment, r.Changes)
	}
	m := lowstate.Chunk{"name": "remote.origin.push", "multivar": []any{"a", "b"}, "repo": "/srv/repo"}
	if r := configSet(ctx, env, m); r.Comment != "'remote.origin.push' was added as ['a', 'b']" {
		t.Errorf("multivar: %q", r.Comment)
	}
	if r := configSet(ctx, env, lowstate.Chunk{"name": "x.y", "value": "1"}); r.Comment != "Non-global config options require the 'repo' argument to be set" {
		t.Errorf("no repo: %q", r.Comment)
	}
}
