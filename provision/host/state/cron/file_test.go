package cron

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
	"brine/provision/host/state/statetest"
	"brine/provision/wire/lowstate"
)

// TestCronFile follows salt/states/cron.py file: the whole crontab becomes
// the bundled file, through crontab(1).
func TestCronFile(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755)
	os.WriteFile(filepath.Join(root, "usr/bin/crontab"), []byte("#!/bin/sh\n"), 0o755)
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/sh\n"), 0o644)
	tab := ""
	fx := &hostcmd.Fake{Handler: func(c state.Cmd, line string) (state.CmdResult, bool) {
		switch line {
		case "crontab -u root -l":
			if tab == "" {
				return state.CmdResult{Retcode: 1, Stderr: "no crontab for root\n"}, true
			}
			return state.CmdResult{Stdout: tab}, true
		case "crontab -u root -":
			tab = string(c.Stdin)
			return state.CmdResult{}, true
		}
		return state.CmdResult{Retcode: 1}, true
	}}
	want := "MAILTO=ops\n*/5 * * * * /usr/local/bin/poll\n"
	files := map[string][]byte{"h": []byte(want)}
	env := &state.Env{Root: root, Exec: fx, Test: true, File: func(h string) ([]byte, error) { return files[h], nil }}
	c := lowstate.Chunk{"name": "salt://cron/root", lowstate.KeyFile: "h"}
	ctx := context.Background()
	r := cronFile(ctx, env, c)
	if statetest.Result(r) != "None" || !strings.HasPrefix(r.Comment, "The following values are set to be changed:\ndiff: --- \n+++ \n") || len(r.Changes) != 0 {
		t.Errorf("test: %s %q %v", statetest.Result(r), r.Comment, r.Changes)
	}
	env.Test = false
	r = cronFile(ctx, env, c)
	if statetest.Result(r) != "true" || r.Comment != "Crontab for user root was updated" || !strings.Contains(r.Changes["diff"].(string), "+*/5 * * * * /usr/local/bin/poll") {
		t.Errorf("run: %q %v", r.Comment, r.Changes)
	}
	if tab != want {
		t.Errorf("crontab %q", tab)
	}
	if r := cronFile(ctx, env, c); r.Comment != "Crontab for user root is in the correct state" || len(r.Changes) != 0 {
		t.Errorf("again: %q", r.Comment)
	}
	if r := cronFile(ctx, env, lowstate.Chunk{"name": "salt://x", "user": "nobody", lowstate.KeyFile: "h"}); r.Comment != "Could not identify group for user nobody" {
		t.Errorf("no user: %q", r.Comment)
	}
	if r := cronFile(ctx, env, lowstate.Chunk{"name": "salt://x", "replace": false, lowstate.KeyFile: "h"}); r.Comment != "User root already has a crontab. No changes made" {
		t.Errorf("replace False: %q", r.Comment)
	}
}
