package hostcmd

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"brine/provision/host/state"
)

func TestLineQuoting(t *testing.T) {
	got := Line(state.Cmd{Argv: []string{"apt-get", "install", "-o", "DPkg::Options::=--force-confold", "a b", "it's", ""}, Env: map[string]string{"B": "2", "A": "x y"}})
	want := `A='x y' B=2 apt-get install -o DPkg::Options::=--force-confold 'a b' 'it'"'"'s' ''`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := Line(state.Cmd{Line: "echo $HOME | wc"}); got != "echo $HOME | wc" {
		t.Errorf("shell line %q", got)
	}
}

func TestCheck(t *testing.T) {
	if err := Check(state.CmdResult{Retcode: 2, Stderr: "boom\n"}, "x", "y"); err == nil || err.Error() != "x y exited 2: boom" {
		t.Errorf("%v", err)
	}
	if err := Check(state.CmdResult{Retcode: -1, Err: fmt.Errorf("run x: %w", exec.ErrWaitDelay)}, "x"); err != nil {
		t.Errorf("wait delay after exit 0 should pass: %v", err)
	}
	if err := Check(state.CmdResult{Retcode: -1, Err: fmt.Errorf("no such file")}, "x"); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("%v", err)
	}
}

func TestWhichAndFake(t *testing.T) {
	root := t.TempDir()
	env := &state.Env{Root: root}
	os.MkdirAll(filepath.Join(root, "usr/sbin"), 0o755)
	os.WriteFile(filepath.Join(root, "usr/sbin/tool"), []byte("#!/bin/sh\n"), 0o755)
	os.WriteFile(filepath.Join(root, "usr/sbin/data"), []byte("x"), 0o644)
	if Which(env, "tool") != "/usr/sbin/tool" || Has(env, "data") || Has(env, "nope") {
		t.Errorf("which: %q %v", Which(env, "tool"), Has(env, "data"))
	}
	f := &Fake{}
	f.On("a b", "out", 3)
	env.Exec = f
	if r := Run(context.Background(), env, nil, "a", "b", "c"); r.Stdout != "out" || r.Retcode != 3 {
		t.Errorf("canned %+v", r)
	}
	if out, err := Output(context.Background(), env, nil, "z"); err != nil || out != "" {
		t.Errorf("default %q %v", out, err)
	}
	if got := f.Lines(); len(got) != 2 || got[0] != "a b c" {
		t.Errorf("lines %v", got)
	}
}
