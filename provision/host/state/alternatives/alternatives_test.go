package alternatives

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
	"brine/provision/host/state/statetest"
	"brine/provision/wire/lowstate"
)

// fakeAlternatives is update-alternatives over a temp root: the
// registered paths of one group "editor" and its /etc/alternatives link.
func fakeAlternatives(root string, paths ...string) *hostcmd.Fake {
	link := filepath.Join(root, "etc/alternatives/editor")
	os.MkdirAll(filepath.Dir(link), 0o755)
	reg := append([]string(nil), paths...)
	return &hostcmd.Fake{Handler: func(c state.Cmd, line string) (state.CmdResult, bool) {
		switch {
		case line == "update-alternatives --display editor":
			cur, _ := os.Readlink(link)
			out := "editor - manual mode\n  link best version is " + reg[0] + "\n  link currently points to " + cur + "\n"
			for _, p := range reg {
				out += p + " - priority 10\n"
			}
			return state.CmdResult{Stdout: out}, true
		case strings.HasPrefix(line, "update-alternatives --set editor "):
			os.Remove(link)
			os.Symlink(c.Argv[3], link)
			return state.CmdResult{}, true
		case strings.HasPrefix(line, "update-alternatives --install "):
			reg = append(reg, c.Argv[4])
			return state.CmdResult{}, true
		}
		return state.CmdResult{Retcode: 2, Stderr: "unexpected " + line}, true
	}}
}

// TestSet follows salt/states/alternatives.py set_.
func TestSet(t *testing.T) {
	root := t.TempDir()
	fx := fakeAlternatives(root, "/usr/bin/vim.basic", "/bin/nano")
	os.Symlink("/bin/nano", filepath.Join(root, "etc/alternatives/editor"))
	env := &state.Env{Root: root, Exec: fx, Test: true}
	c := lowstate.Chunk{"name": "editor", "path": "/usr/bin/vim.basic"}
	r := statetest.Call(env, Module(), "alternatives.set", c)
	if statetest.Result(r) != "None" || r.Comment != "Alternative for editor will be set to path /usr/bin/vim.basic" || len(r.Changes) != 0 {
		t.Errorf("test: %s %q %v", statetest.Result(r), r.Comment, r.Changes)
	}
	env.Test = false
	r = statetest.Call(env, Module(), "alternatives.set", c)
	if statetest.Result(r) != "true" || r.Comment != "Alternative for editor set to path /usr/bin/vim.basic" ||
		!reflect.DeepEqual(r.Changes, map[string]any{"path": "/usr/bin/vim.basic"}) {
		t.Errorf("set: %s %q %v", statetest.Result(r), r.Comment, r.Changes)
	}
	r = statetest.Call(env, Module(), "alternatives.set", c)
	if statetest.Result(r) != "true" || r.Comment != "Alternative for editor already set to /usr/bin/vim.basic" || len(r.Changes) != 0 {
		t.Errorf("again: %q %v", r.Comment, r.Changes)
	}
	r = statetest.Call(env, Module(), "alternatives.set", lowstate.Chunk{"name": "editor", "path": "/usr/bin/emacs"})
	if statetest.Result(r) != "false" || r.Comment != "Alternative /usr/bin/emacs for editor doesn't exist" {
		t.Errorf("missing: %s %q", statetest.Result(r), r.Comment)
	}
}

// TestInstall follows salt/states/alternatives.py install.
func TestInstall(t *testing.T) {
	root := t.TempDir()
	fx := fakeAlternatives(root, "/bin/nano")
	os.Symlink("/bin/nano", filepath.Join(root, "etc/alternatives/editor"))
	env := &state.Env{Root: root, Exec: fx}
	c := lowstate.Chunk{"name": "editor", "link": "/usr/bin/editor", "path": "/usr/bin/vim.basic", "priority": float64(50)}
	r := statetest.Call(env, Module(), "alternatives.install", c)
	want := map[string]any{"name": "editor", "link": "/usr/bin/editor", "path": "/usr/bin/vim.basic", "priority": float64(50)}
	if r.Comment != "Alternative /usr/bin/vim.basic for editor registered with priority 50 and not set to default" || !reflect.DeepEqual(r.Changes, want) {
		t.Errorf("install: %q %v", r.Comment, r.Changes)
	}
	if fx.Lines()[1] != "update-alternatives --install /usr/bin/editor editor /usr/bin/vim.basic 50" {
		t.Errorf("commands %v", fx.Lines())
	}
	if r := statetest.Call(env, Module(), "alternatives.install", c); r.Comment != "Alternative /usr/bin/vim.basic for editor is already registered" {
		t.Errorf("again: %q", r.Comment)
	}
}
