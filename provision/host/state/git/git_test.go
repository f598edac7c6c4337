package git

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
	"brine/provision/host/state/statetest"
	"brine/provision/wire/lowstate"
)

// realExec runs commands for real (tests only), so the git state is checked
// against the actual git binary.
type realExec struct{ lines []string }

func (e *realExec) Run(ctx context.Context, c state.Cmd) state.CmdResult {
	e.lines = append(e.lines, hostcmd.Line(c))
	cmd := exec.CommandContext(ctx, c.Argv[0], c.Argv[1:]...)
	cmd.Env = os.Environ()
	for k, v := range c.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
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

func sh(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func hostGit(t *testing.T, root string) {
	os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755)
	os.WriteFile(filepath.Join(root, "usr/bin/git"), []byte("#!/bin/sh\n"), 0o755)
}

// noNetwork is true when no command of the run contacts the remote.
func noNetwork(lines []string) bool {
	for _, l := range lines {
		if strings.Contains(l, " ls-remote ") || strings.Contains(l, " fetch ") || strings.Contains(l, " clone ") {
			return false
		}
	}
	return true
}

// TestLatestWithRealGit checks git.latest against the real git binary with
// Salt's (salt/states/git.py 3007.1) comments and changes; test mode never
// contacts the remote.
func TestLatestWithRealGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	src := t.TempDir()
	sh(t, src, "init", "-q")
	os.WriteFile(filepath.Join(src, "README"), []byte("v1\n"), 0o644)
	sh(t, src, "add", ".")
	sh(t, src, "commit", "-q", "-m", "one")
	first := sh(t, src, "rev-parse", "HEAD")

	root := t.TempDir()
	hostGit(t, root)
	ex := &realExec{}
	env := &state.Env{Root: root, Exec: ex}
	c := lowstate.Chunk{"name": src, "target": "/srv/app", "rev": "main"}
	env.Test = true
	pred := statetest.Call(env, Module(), "git.latest", c)
	if pred.Result != nil || pred.Comment != "Repository "+src+" would be cloned to /srv/app" ||
		!reflect.DeepEqual(pred.Changes, map[string]any{"new": src + " => /srv/app"}) || !noNetwork(ex.lines) {
		t.Fatalf("test: %v %q %v %v", pred.Result, pred.Comment, pred.Changes, ex.lines)
	}
	if _, err := os.Stat(filepath.Join(root, "srv/app")); !os.IsNotExist(err) {
		t.Fatal("test mode cloned")
	}
	env.Test = false
	r := statetest.Call(env, Module(), "git.latest", c)
	want := map[string]any{"new": src + " => /srv/app", "revision": map[string]any{"old": nil, "new": first}}
	if *r.Result != true || !reflect.DeepEqual(r.Changes, want) || r.Comment != src+" cloned to /srv/app" {
		t.Fatalf("%v %q", r.Changes, r.Comment)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "srv/app/README")); string(b) != "v1\n" {
		t.Errorf("checkout %q", b)
	}
	if r := statetest.Call(env, Module(), "git.latest", c); *r.Result != true || len(r.Changes) != 0 || r.Comment != "Repository /srv/app is up-to-date" {
		t.Errorf("second %v %q", r.Changes, r.Comment)
	}

	os.WriteFile(filepath.Join(src, "README"), []byte("v2\n"), 0o644)
	sh(t, src, "commit", "-q", "-am", "two")
	second := sh(t, src, "rev-parse", "HEAD")
	env.Test = true
	ex.lines = nil
	// Offline, only a fetch can tell whether the branch moved.
	if pred = statetest.Call(env, Module(), "git.latest", c); pred.Result != nil || pred.Comment != "Remote 'origin' would be fetched" || len(pred.Changes) != 0 || !noNetwork(ex.lines) {
		t.Fatalf("test, remote moved: %v %q %v %v", pred.Result, pred.Comment, pred.Changes, ex.lines)
	}
	env.Test = false
	r = statetest.Call(env, Module(), "git.latest", c)
	want = map[string]any{"revision": map[string]any{"old": first, "new": second}}
	if *r.Result != true || !reflect.DeepEqual(r.Changes, want) ||
		r.Comment != src+" was fetched, resulting in updated refs. Repository was fast-forwarded to origin/main ("+second[:7]+")." {
		t.Fatalf("update %v %q", r.Changes, r.Comment)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "srv/app/README")); string(b) != "v2\n" {
		t.Errorf("after update %q", b)
	}

	// local edits block the update unless force_reset
	os.WriteFile(filepath.Join(src, "README"), []byte("v3\n"), 0o644)
	sh(t, src, "commit", "-q", "-am", "three")
	third := sh(t, src, "rev-parse", "HEAD")
	os.WriteFile(filepath.Join(root, "srv/app/README"), []byte("local edit\n"), 0o644)
	if r := statetest.Call(env, Module(), "git.latest", c); *r.Result != false || !strings.Contains(r.Comment, "force_reset") {
		t.Fatalf("dirty: %q", r.Comment)
	}
	// Once a fetch (here by hand) brought origin/main along, the dry run
	// knows where the checkout would go and says it would reset.
	sh(t, filepath.Join(root, "srv/app"), "fetch", "-q", "origin")
	c["force_reset"] = true
	env.Test = true
	pred = statetest.Call(env, Module(), "git.latest", c)
	wantPred := map[string]any{"revision": map[string]any{"old": second, "new": third}, "forced update": true}
	if pred.Result != nil || !reflect.DeepEqual(pred.Changes, wantPred) ||
		pred.Comment != "Remote 'origin' would be fetched. Repository would be hard-reset from "+second[:7]+" to "+third[:7]+"." {
		t.Errorf("test, reset: %v %q %v", pred.Result, pred.Comment, pred.Changes)
	}
	env.Test = false
	if r := statetest.Call(env, Module(), "git.latest", c); *r.Result != true || r.Changes["forced update"] != true ||
		r.Comment != "Uncommitted changes were discarded. Repository was hard-reset to origin/main ("+third[:7]+")." {
		t.Fatalf("force_reset: %q %v", r.Comment, r.Changes)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "srv/app/README")); string(b) != "v3\n" {
		t.Errorf("after reset %q", b)
	}

	// pin to the first commit by sha: known locally, so the dry run is sure
	c["rev"] = first
	env.Test = true
	if pred := statetest.Call(env, Module(), "git.latest", c); pred.Result != nil || !reflect.DeepEqual(pred.Changes["revision"], map[string]any{"old": third, "new": first}) {
		t.Errorf("test, pin: %v %q %v", pred.Result, pred.Comment, pred.Changes)
	}
	env.Test = false
	if r := statetest.Call(env, Module(), "git.latest", c); *r.Result != true || r.Changes["revision"].(map[string]any)["new"] != first {
		t.Errorf("pin: %v %q", r.Changes, r.Comment)
	}
	env.Test = true
	if pred := statetest.Call(env, Module(), "git.latest", c); statetest.Result(pred) != "true" || pred.Comment != "Repository /srv/app is up-to-date" {
		t.Errorf("test, pinned: %q", pred.Comment)
	}
}

// TestDryRunOffline: an unreachable remote fails the real run, never the
// dry run, and a dry run needs no git when it predicts a clone (an earlier
// state may install git).
func TestDryRunOffline(t *testing.T) {
	root := t.TempDir()
	fx := &hostcmd.Fake{}
	env := &state.Env{Root: root, Exec: fx, Test: true}
	c := lowstate.Chunk{"name": "https://git.example.com/tool.git", "target": "/opt/tool"}
	if r := statetest.Call(env, Module(), "git.latest", c); r.Result != nil || r.Comment != "Repository https://git.example.com/tool.git would be cloned to /opt/tool" || len(fx.Lines()) != 0 {
		t.Errorf("no git yet: %v %q %v", r.Result, r.Comment, fx.Lines())
	}
	hostGit(t, root)
	fx.On("GIT_TERMINAL_PROMPT=0 git ls-remote", "", 128)
	env.Test = false
	if r := statetest.Call(env, Module(), "git.latest", c); *r.Result != false || !strings.HasPrefix(r.Comment, "Failed to check remote refs: ") {
		t.Errorf("offline real run: %q", r.Comment)
	}
}

func TestCloneCommandLineAndErrors(t *testing.T) {
	root := t.TempDir()
	sha := strings.Repeat("a", 40)
	fx := &hostcmd.Fake{}
	fx.On("GIT_TERMINAL_PROMPT=0 git ls-remote", sha+"\trefs/heads/stable\n"+strings.Repeat("b", 40)+"\trefs/heads/main\n", 0)
	fx.On("GIT_TERMINAL_PROMPT=0 git -C "+root+"/opt/tool rev-parse HEAD", sha+"\n", 0)
	env := &state.Env{Root: root, Exec: fx}
	c := lowstate.Chunk{"name": "https://git.example.com/tool.git", "target": "/opt/tool", "branch": "stable", "rev": "stable", "depth": 1, "user": "deploy"}
	if r := statetest.Call(env, Module(), "git.latest", c); *r.Result != false || r.Comment != "git is not installed on this host" || len(fx.Lines()) != 0 {
		t.Fatalf("no git: %q", r.Comment)
	}
	fx.On("GIT_TERMINAL_PROMPT=0 git ls-remote", sha+"\trefs/heads/stable\n", 0)
	hostGit(t, root)
	r := statetest.Call(env, Module(), "git.latest", c)
	if *r.Result != true {
		t.Fatal(r.Comment)
	}
	want := []string{
		"GIT_TERMINAL_PROMPT=0 git ls-remote https://git.example.com/tool.git stable",
		"GIT_TERMINAL_PROMPT=0 git clone --depth 1 --branch stable https://git.example.com/tool.git " + root + "/opt/tool",
		"GIT_TERMINAL_PROMPT=0 git -C " + root + "/opt/tool rev-parse HEAD",
	}
	if !reflect.DeepEqual(fx.Lines(), want) {
		t.Errorf("commands:\n%s", strings.Join(fx.Lines(), "\n"))
	}
	for _, cmd := range fx.Cmds {
		if cmd.RunAs != "deploy" {
			t.Errorf("%v not run as deploy", cmd.Argv)
		}
	}
	os.MkdirAll(filepath.Join(root, "opt/tool"), 0o755)
	os.WriteFile(filepath.Join(root, "opt/tool/file"), nil, 0o644)
	if r := statetest.Call(env, Module(), "git.latest", c); *r.Result != false || !strings.Contains(r.Comment, "force_clone") {
		t.Errorf("non-empty dir: %q", r.Comment)
	}
}
