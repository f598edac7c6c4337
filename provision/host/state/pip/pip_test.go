package pip

import (
	"context"
	"encoding/json"
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

// fakePip is python3 -m pip over an in-memory set of installed packages;
// managed makes install refuse as Debian 12's pip does (PEP 668) unless
// --break-system-packages is passed.
func fakePip(installed map[string]string, managed bool) *hostcmd.Fake {
	return &hostcmd.Fake{Handler: func(c state.Cmd, line string) (state.CmdResult, bool) {
		args := c.Argv[3:]
		switch {
		case args[0] == "--version":
			return state.CmdResult{Stdout: "pip 23.0.1 from /usr/lib/python3/dist-packages/pip (python 3.11)\n"}, true
		case args[0] == "list":
			var l []map[string]string
			for n, v := range installed {
				l = append(l, map[string]string{"name": n, "version": v})
			}
			b, _ := json.Marshal(l)
			return state.CmdResult{Stdout: string(b)}, true
		case args[0] == "install":
			if managed && !strings.Contains(line, "--break-system-packages") {
				return state.CmdResult{Retcode: 1, Stderr: "error: externally-managed-environment\n"}, true
			}
			for _, a := range args[1:] {
				if !strings.HasPrefix(a, "-") {
					name, ver, _ := strings.Cut(a, "==")
					if ver == "" {
						ver = "1.0"
					}
					installed[name] = ver
				}
			}
			return state.CmdResult{Stdout: "Successfully installed\n"}, true
		}
		return state.CmdResult{Retcode: 2}, true
	}}
}

func newRoot(t *testing.T) string {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755)
	os.WriteFile(filepath.Join(root, "usr/bin/python3"), []byte("#!/bin/sh\n"), 0o755)
	return root
}

// TestInstalled follows salt/states/pip_state.py installed.
func TestInstalled(t *testing.T) {
	root := newRoot(t)
	have := map[string]string{"PyYAML": "6.0"}
	fx := fakePip(have, false)
	env := &state.Env{Root: root, Exec: fx, Test: true}
	ctx := context.Background()
	r := installed(ctx, env, lowstate.Chunk{"name": "requests==2.31.0"})
	if statetest.Result(r) != "None" || r.Comment != "Python package requests==2.31.0 is set to be installed" || len(r.Changes) != 0 {
		t.Errorf("test: %s %q", statetest.Result(r), r.Comment)
	}
	env.Test = false
	r = installed(ctx, env, lowstate.Chunk{"name": "requests==2.31.0"})
	if statetest.Result(r) != "true" || r.Comment != "All packages were successfully installed" ||
		!reflect.DeepEqual(r.Changes, map[string]any{"requests==2.31.0": "Installed"}) {
		t.Errorf("install: %s %q %v", statetest.Result(r), r.Comment, r.Changes)
	}
	if l := fx.Lines(); !strings.Contains(l[len(l)-2], "/usr/bin/python3 -m pip install --disable-pip-version-check requests==2.31.0") {
		t.Errorf("commands %v", l)
	}
	r = installed(ctx, env, lowstate.Chunk{"name": "x", "pkgs": []any{"requests>=2", "pyyaml"}})
	if statetest.Result(r) != "true" || r.Comment != "Python package requests>=2 was already installed\nPython package pyyaml was already installed\nAll specified packages are already installed" {
		t.Errorf("already: %q", r.Comment)
	}
	r = installed(ctx, env, lowstate.Chunk{"name": "requests<2"})
	if !strings.Contains(fx.Lines()[len(fx.Lines())-2], "install") {
		t.Errorf("an unmet specifier must install: %q %v", r.Comment, fx.Lines())
	}
	if r := installed(ctx, env, lowstate.Chunk{"name": "bad=1"}); r.Comment != "Invalid version specification in package bad=1. '=' is not supported, use '==' instead." {
		t.Errorf("bad spec: %q", r.Comment)
	}
}

// TestInstalledPEP668: Debian 12's system pip refuses, the state fails as
// it does under Salt with pip's error and a hint, and the documented
// extra_args opt-in works.
func TestInstalledPEP668(t *testing.T) {
	root := newRoot(t)
	fx := fakePip(map[string]string{}, true)
	env := &state.Env{Root: root, Exec: fx}
	r := installed(context.Background(), env, lowstate.Chunk{"name": "docker"})
	if statetest.Result(r) != "false" || !strings.HasPrefix(r.Comment, "Failed to install packages: docker. Error:  error: externally-managed-environment") ||
		!strings.Contains(r.Comment, "--break-system-packages") {
		t.Errorf("pep668: %q", r.Comment)
	}
	r = installed(context.Background(), env, lowstate.Chunk{"name": "docker", "extra_args": []any{"--break-system-packages"}})
	if statetest.Result(r) != "true" || !reflect.DeepEqual(r.Changes, map[string]any{"docker==1.0": "Installed"}) {
		t.Errorf("opt-in: %q %v", r.Comment, r.Changes)
	}
}

func TestNoPip(t *testing.T) {
	env := &state.Env{Root: t.TempDir(), Exec: &hostcmd.Fake{}}
	if r := installed(context.Background(), env, lowstate.Chunk{"name": "x"}); r.Comment != "Error installing 'x': Could not find a `pip` binary" {
		t.Errorf("%q", r.Comment)
	}
}

func TestCompareVersions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{{"2.31.0", "2.31", 0}, {"2.4", "2.31", -1}, {"1.0rc1", "1.0", -1}, {"1.0.post1", "1.0", 1}, {"1!0.1", "2.0", 1}, {"1.0a1", "1.0b1", -1}} {
		if got := compareVersions(c.a, c.b); got != c.want {
			t.Errorf("compare(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
	if !fulfills("2.31.0", [][2]string{{">=", "2"}, {"<", "3"}}) || fulfills("1.9", [][2]string{{"~=", "2.0"}}) || !fulfills("2.3", [][2]string{{"~=", "2.0"}}) {
		t.Error("fulfills")
	}
}

// An index or proxy URL holds a token as often as not: pip gets it through
// its environment, never on its command line (visible to every user in
// ps), and the state's own wins over env_vars.
func TestSecretURLsViaEnvironment(t *testing.T) {
	root := newRoot(t)
	var seen []state.Cmd
	base := fakePip(map[string]string{}, false)
	fx := &hostcmd.Fake{Handler: func(c state.Cmd, line string) (state.CmdResult, bool) {
		seen = append(seen, c)
		return base.Handler(c, line)
	}}
	env := &state.Env{Root: root, Exec: fx}
	r := installed(context.Background(), env, lowstate.Chunk{"name": "requests", "index_url": "https://u:s3cret@pypi.example/simple",
		"extra_index_url": "https://u:t0ken@extra.example/simple", "proxy": "http://u:pw@proxy:3128", "env_vars": map[string]any{"PIP_INDEX_URL": "https://other", "KEEP": "1"}})
	if statetest.Result(r) != "true" {
		t.Fatalf("%s %q", statetest.Result(r), r.Comment)
	}
	var install *state.Cmd
	for i := range seen {
		if len(seen[i].Argv) > 3 && seen[i].Argv[3] == "install" {
			install = &seen[i]
		}
	}
	if install == nil {
		t.Fatal("no install")
	}
	if line := strings.Join(install.Argv, " "); strings.Contains(line, "s3cret") || strings.Contains(line, "t0ken") || strings.Contains(line, "u:pw") {
		t.Errorf("a secret on pip's command line: %s", line)
	}
	want := map[string]string{"PIP_INDEX_URL": "https://u:s3cret@pypi.example/simple", "PIP_EXTRA_INDEX_URL": "https://u:t0ken@extra.example/simple",
		"PIP_PROXY": "http://u:pw@proxy:3128", "KEEP": "1"}
	if !reflect.DeepEqual(install.Env, want) {
		t.Errorf("pip's environment %v, want %v", install.Env, want)
	}
}
