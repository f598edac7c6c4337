package service

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
	"brine/provision/host/state/statetest"
	"brine/provision/wire/lowstate"
)

// TestMaskedUnmasked follows salt/states/service.py masked/unmasked over
// systemd's mask links (/etc/systemd/system/UNIT -> /dev/null).
func TestMaskedUnmasked(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "etc/systemd/system")
	os.MkdirAll(dir, 0o755)
	fx := &hostcmd.Fake{Handler: func(c state.Cmd, line string) (state.CmdResult, bool) {
		switch line {
		case "systemctl mask nginx.service":
			os.Symlink("/dev/null", filepath.Join(dir, "nginx.service"))
			return state.CmdResult{}, true
		case "systemctl unmask nginx.service":
			os.Remove(filepath.Join(dir, "nginx.service"))
			return state.CmdResult{}, true
		}
		return state.CmdResult{Retcode: 1}, true
	}}
	env := &state.Env{Root: root, Exec: fx, Grains: map[string]any{"init": "systemd"}, Test: true}
	ctx := context.Background()
	c := lowstate.Chunk{"name": "nginx"}
	r := masked(ctx, env, c)
	want := map[string]any{"masked": map[string]any{"old": false, "new": true}}
	if statetest.Result(r) != "None" || r.Comment != "Service nginx would be masked" || !reflect.DeepEqual(r.Changes, want) {
		t.Errorf("test mask: %s %q %v", statetest.Result(r), r.Comment, r.Changes)
	}
	env.Test = false
	if r := masked(ctx, env, c); r.Comment != "Service nginx was masked" || !reflect.DeepEqual(r.Changes, want) {
		t.Errorf("mask: %q %v", r.Comment, r.Changes)
	}
	if r := masked(ctx, env, c); r.Comment != "Service nginx is already masked" || len(r.Changes) != 0 {
		t.Errorf("mask again: %q", r.Comment)
	}
	want = map[string]any{"masked": map[string]any{"old": true, "new": false}}
	if r := unmasked(ctx, env, c); r.Comment != "Service nginx was unmasked" || !reflect.DeepEqual(r.Changes, want) {
		t.Errorf("unmask: %q %v", r.Comment, r.Changes)
	}
	if r := unmasked(ctx, env, c); statetest.Result(r) != "true" || r.Comment != "Service nginx was already unmasked" {
		t.Errorf("unmask again: %q", r.Comment)
	}
	env.Grains = map[string]any{"init": "sysvinit"}
	if r := unmasked(ctx, env, c); statetest.Result(r) != "false" || r.Comment != "Service masking not available on this minion" {
		t.Errorf("sysv: %q", r.Comment)
	}
}
