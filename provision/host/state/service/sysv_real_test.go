package service

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/statetest"
	"brine/provision/wire/lowstate"
)

// shellExec runs commands for real (tests only).
type shellExec struct{}

func (shellExec) Run(ctx context.Context, c state.Cmd) state.CmdResult {
	cmd := exec.CommandContext(ctx, c.Argv[0], c.Argv[1:]...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := state.CmdResult{Stdout: out.String(), Stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.Retcode = ee.ExitCode()
	} else if err != nil {
		r.Err, r.Retcode = err, -1
	}
	return r
}

func pid(t *testing.T, root string) int {
	b, err := os.ReadFile(filepath.Join(root, "run/sleeper.pid"))
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}

func TestRealSysVInitScript(t *testing.T) {
	if _, err := exec.LookPath("start-stop-daemon"); err != nil {
		t.Skip("start-stop-daemon not installed")
	}
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/init.d"), 0o755)
	os.MkdirAll(filepath.Join(root, "run"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/init.d/sleeper"), []byte(statetest.SleeperInitScript(root)), 0o755)
	env := &state.Env{Root: root, Exec: shellExec{}, Grains: map[string]any{"init": "sysvinit"}}
	t.Cleanup(func() {
		shellExec{}.Run(context.Background(), state.Cmd{Argv: []string{filepath.Join(root, "etc/init.d/sleeper"), "stop"}})
	})
	c := lowstate.Chunk{"name": "sleeper", "fun": "running"}
	r := statetest.Call(env, Module(), "service.running", c)
	if statetest.Result(r) != "true" || r.Comment != "Started service sleeper" {
		t.Fatalf("start: %s %q", statetest.Result(r), r.Comment)
	}
	first := pid(t, root)
	if first == 0 {
		t.Fatal("no pid file after start")
	}
	if r := statetest.Call(env, Module(), "service.running", c); len(r.Changes) != 0 || r.Comment != "The service sleeper is already running" {
		t.Errorf("second: %v %q", r.Changes, r.Comment)
	}
	r = statetest.Call(env, Module(), "service.mod_watch", c)
	if statetest.Result(r) != "true" || r.Comment != "Service restarted" {
		t.Fatalf("restart: %q", r.Comment)
	}
	if second := pid(t, root); second == 0 || second == first {
		t.Errorf("pid after restart %d (was %d)", second, first)
	}
	r = statetest.Call(env, Module(), "service.dead", lowstate.Chunk{"name": "sleeper"})
	if statetest.Result(r) != "true" || r.Comment != "Service sleeper was killed" {
		t.Fatalf("stop: %q", r.Comment)
	}
	if r := statetest.Call(env, Module(), "service.dead", lowstate.Chunk{"name": "sleeper"}); len(r.Changes) != 0 {
		t.Errorf("second stop %v", r.Changes)
	}
}
