package builtin_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/builtin"
	"brine/provision/host/state/hostcmd"
	"brine/provision/wire/lowstate"
)

// TestAccumulatedFeedsBlockreplace runs the engine: file.accumulated states
// charge the run's accumulator and the file.blockreplace they require_in
// writes their text into its block (salt/states/file.py accumulated and
// blockreplace); an accumulator without a file require_in is an orphan.
func TestAccumulatedFeedsBlockreplace(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/hosts.allow"), []byte("# top\n#-- start managed zone --\n#-- end managed zone --\n"), 0o644)
	chunks := []lowstate.Chunk{
		{"state": "file", "fun": "accumulated", "name": "allow-ssh", "__id__": "allow-ssh", "__sls__": "s", "order": float64(1),
			"filename": "/etc/hosts.allow", "text": "sshd: 10.0.0.0/8", "require_in": []any{map[string]any{"file": "block"}}},
		{"state": "file", "fun": "accumulated", "name": "allow-more", "__id__": "allow-more", "__sls__": "s", "order": float64(2),
			"filename": "/etc/hosts.allow", "text": []any{"sshd: 192.168.0.0/16", "sshd: 10.0.0.0/8"}, "require_in": []any{map[string]any{"file": "block"}}},
		{"state": "file", "fun": "accumulated", "name": "orphan", "__id__": "orphan", "__sls__": "s", "order": float64(3),
			"filename": "/etc/hosts.allow", "text": "x"},
		{"state": "file", "fun": "blockreplace", "name": "/etc/hosts.allow", "__id__": "block", "__sls__": "s", "order": float64(4),
			"require": []any{map[string]any{"file": "allow-ssh"}, map[string]any{"file": "allow-more"}}},
	}
	run := func(test bool) lowstate.Results {
		env := &state.Env{Root: root, Exec: &hostcmd.Fake{}}
		return state.Run(context.Background(), chunks, state.Options{Test: test, Registry: builtin.Registry(), Env: env})
	}
	byID := func(rs lowstate.Results, id string) *lowstate.Result {
		for _, r := range rs {
			if r.ID == id {
				return r
			}
		}
		t.Fatalf("no result for %s", id)
		return nil
	}
	pred := run(true)
	if r := byID(pred, "block"); r.Result != nil || !strings.Contains(r.Changes["diff"].(string), "+sshd: 192.168.0.0/16") {
		t.Errorf("dry run: %v %v", r.Comment, r.Changes)
	}
	res := run(false)
	if r := byID(res, "allow-ssh"); r.Comment != "Accumulator allow-ssh for file /etc/hosts.allow was charged by text" {
		t.Errorf("accumulated: %q", r.Comment)
	}
	if r := byID(res, "orphan"); r.Result == nil || *r.Result || r.Comment != "Orphaned accumulator orphan in s:orphan" {
		t.Errorf("orphan: %q", r.Comment)
	}
	b, _ := os.ReadFile(filepath.Join(root, "etc/hosts.allow"))
	// each accumulator drops its own duplicates only, as in Salt
	want := "# top\n#-- start managed zone --\nsshd: 10.0.0.0/8\nsshd: 192.168.0.0/16\nsshd: 10.0.0.0/8\n#-- end managed zone --\n"
	if string(b) != want {
		t.Errorf("file %q, want %q", b, want)
	}
	if r := byID(run(false), "block"); len(r.Changes) != 0 {
		t.Errorf("second run changed: %v", r.Changes)
	}
}

// TestEngineChecksSpecs: a chunk that reaches the host with an argument of
// the wrong type fails with the argument and value named, instead of the
// function silently taking a default.
func TestEngineChecksSpecs(t *testing.T) {
	root := t.TempDir()
	chunks := []lowstate.Chunk{
		{"state": "file", "fun": "managed", "name": "/etc/x", "__id__": "x", "__sls__": "s", "order": float64(1),
			"contents": "hi", "makedirs": "maybe"},
		{"state": "host", "fun": "present", "name": "db", "__id__": "db", "__sls__": "s", "order": float64(2), "ip": "10.0.0.1", "bogus": 1},
	}
	env := &state.Env{Root: root, Exec: &hostcmd.Fake{}}
	res := state.Run(context.Background(), chunks, state.Options{Registry: builtin.Registry(), Env: env})
	for _, r := range res {
		want := map[string]string{"x": "Invalid value for argument makedirs of state file.managed: 'maybe' is not True or False",
			"db": "'bogus' is an invalid keyword argument for 'host.present'"}[r.ID]
		if r.Result == nil || *r.Result || r.Comment != want {
			t.Errorf("%s: %q, want %q", r.ID, r.Comment, want)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "etc/x")); err == nil {
		t.Error("the state ran")
	}
}
