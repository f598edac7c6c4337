package locale

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"brine/provision/lowstate"
	"brine/provision/state"
	"brine/provision/state/hostcmd"
)

func call(env *state.Env, fun string, c lowstate.Chunk) *lowstate.Result {
	return Module().Funcs[fun](context.Background(), env, c)
}

func TestPresentGenerates(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.MkdirAll(filepath.Join(root, "usr/sbin"), 0o755)
	os.WriteFile(filepath.Join(root, "usr/sbin/locale-gen"), []byte("#!/bin/sh\n"), 0o755)
	gen := "# This file lists locales\n# de_DE.UTF-8 UTF-8\n# en_US.UTF-8 UTF-8\n"
	os.WriteFile(filepath.Join(root, "etc/locale.gen"), []byte(gen), 0o644)
	avail := "C\nC.utf8\nPOSIX\n"
	fx := &hostcmd.Fake{Handler: func(c state.Cmd, line string) (state.CmdResult, bool) {
		switch line {
		case "locale -a":
			return state.CmdResult{Stdout: avail}, true
		case "locale-gen":
			b, _ := os.ReadFile(filepath.Join(root, "etc/locale.gen"))
			if strings.Contains(string(b), "\nen_US.UTF-8 UTF-8") {
				avail += "en_US.utf8\n"
			}
			return state.CmdResult{}, true
		}
		return state.CmdResult{Retcode: 127}, true
	}}
	env := &state.Env{Root: root, Exec: fx, Test: true}
	pred := call(env, "present", lowstate.Chunk{"name": "en_US.UTF-8"})
	if pred.Result != nil || len(fx.Lines()) != 1 {
		t.Fatalf("test: %v %v", pred.Result, fx.Lines())
	}
	env.Test = false
	r := call(env, "present", lowstate.Chunk{"name": "en_US.UTF-8"})
	if *r.Result != true || !reflect.DeepEqual(r.Changes, map[string]any{"locale": "en_US.UTF-8"}) || !reflect.DeepEqual(pred.Changes, r.Changes) {
		t.Fatalf("%v %q", r.Changes, r.Comment)
	}
	b, _ := os.ReadFile(filepath.Join(root, "etc/locale.gen"))
	if string(b) != "# This file lists locales\n# de_DE.UTF-8 UTF-8\nen_US.UTF-8 UTF-8\n" {
		t.Errorf("locale.gen %q", b)
	}
	if r := call(env, "present", lowstate.Chunk{"name": "en_US.UTF-8"}); len(r.Changes) != 0 || *r.Result != true {
		t.Errorf("second %v", r.Changes)
	}
	// a locale locale-gen cannot produce fails clearly
	r = call(env, "present", lowstate.Chunk{"name": "xx_YY.UTF-8"})
	if *r.Result != false || !strings.Contains(r.Comment, "does not list it") {
		t.Errorf("%q", r.Comment)
	}
}

func TestSystem(t *testing.T) {
	root := t.TempDir()
	env := &state.Env{Root: root}
	r := call(env, "system", lowstate.Chunk{"name": "en_US.UTF-8"})
	if *r.Result != true || r.Comment != "Set system locale en_US.UTF-8" {
		t.Fatalf("%q", r.Comment)
	}
	b, _ := os.ReadFile(filepath.Join(root, "etc/default/locale"))
	if string(b) != "LANG=en_US.UTF-8\n" {
		t.Errorf("%q", b)
	}
	os.WriteFile(filepath.Join(root, "etc/default/locale"), []byte("LANG=\"en_US.UTF-8\"\nLC_TIME=C\n"), 0o644)
	if r := call(env, "system", lowstate.Chunk{"name": "en_US.UTF-8"}); len(r.Changes) != 0 {
		t.Errorf("quoted value should match: %v", r.Changes)
	}
	env.Test = true
	if r := call(env, "system", lowstate.Chunk{"name": "de_DE.UTF-8"}); r.Result != nil || r.Changes["locale"] != "de_DE.UTF-8" {
		t.Errorf("test %v", r.Changes)
	}
	b, _ = os.ReadFile(filepath.Join(root, "etc/default/locale"))
	if !strings.Contains(string(b), "en_US") {
		t.Error("test mode wrote the file")
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{"en_US.UTF-8": "en_US.utf8", "de_DE.ISO-8859-15@euro": "de_DE.iso885915@euro", "C": "C", "en_US.UTF-8 UTF-8": "en_US.utf8"} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q", in, got)
		}
	}
}
