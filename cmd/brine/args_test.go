package main

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestHoistFlags(t *testing.T) {
	fl := flags()
	cases := []struct{ in, want string }{
		{"* cmd.run uname\x00-a --out json --static", "--out json --static -- * cmd.run uname\x00-a"},
		{"-L h1,h2 test.ping", "-L -- h1,h2 test.ping"},
		{"--out=json * test.ping -E", "--out=json -E -- * test.ping"},
		{"* cmd.run -- --out json", "-- * cmd.run --out json"},
		{"* cmd.run -- ls -la", "-- * cmd.run ls -la"},
		{"* grains.get x -1", "-- * grains.get x -1"},
		{"* test.ping --help", "--help"},
		{"--state-verbose=false * state.apply", "--state-verbose=false -- * state.apply"},
	}
	for _, c := range cases {
		in := strings.Split(strings.ReplaceAll(c.in, " ", "\x01"), "\x01")
		for i := range in {
			in[i] = strings.ReplaceAll(in[i], "\x00", " ")
		}
		h, err := hoistFlags(in, fl)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		got := strings.Join(h, " ")
		want := strings.ReplaceAll(c.want, "\x00", " ")
		if got != want {
			t.Errorf("%q:\n got %q\nwant %q", c.in, got, want)
		}
	}
}

func TestSplitKwargs(t *testing.T) {
	pos, kw := splitKwargs([]string{"web,db", "test=True", `pillar={"k": "v"}`, "saltenv=prod", "echo a=b", "n=3"})
	if !reflect.DeepEqual(pos, []string{"web,db", "echo a=b"}) {
		t.Errorf("positional: %q", pos)
	}
	if kw["test"] != true || kw["saltenv"] != "prod" || kw["n"] != 3 {
		t.Errorf("kwargs: %#v", kw)
	}
	if m, ok := kw["pillar"].(map[string]any); !ok || m["k"] != "v" {
		t.Errorf("pillar: %#v", kw["pillar"])
	}
}

func TestExitCodes(t *testing.T) {
	var out, errb strings.Builder
	if code := run([]string{"brine", "--bogus-flag"}, nil, &out, &errb); code != exitUsage {
		t.Errorf("unknown flag: exit %d, want %d (%s)", code, exitUsage, errb.String())
	}
	errb.Reset()
	if code := run([]string{"brine", "--roster-file", "/nonexistent/roster.yaml", "*", "test.ping"}, nil, &out, &errb); code != exitUsage ||
		!strings.Contains(errb.String(), "/nonexistent/roster.yaml") {
		t.Errorf("missing roster: exit %d: %s", code, errb.String())
	}
	errb.Reset()
	// A function brine does not have: each host answers Salt's words (no
	// host is contacted), the closest names on stderr.
	out.Reset()
	if code := run([]string{"brine", "--local", "--id", "h1", "--out", "json", "test.pnig"}, nil, &out, &errb); code != exitFailure ||
		!strings.Contains(out.String(), "'test.pnig' is not available.") || !strings.Contains(errb.String(), "did you mean test.ping") {
		t.Errorf("unknown function: exit %d: %s %s", code, out.String(), errb.String())
	}
	errb.Reset()
	if code := run([]string{"brine", "--local", "nosuch"}, nil, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), "unknown function") {
		t.Errorf("a name that is no mod.fun: exit %d: %s", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"brine", "*"}, nil, &out, &errb); code != exitUsage {
		t.Errorf("missing function: exit %d", code)
	}
	// a guarded function needs --yes, refused before any host is contacted
	errb.Reset()
	if code := run([]string{"brine", "--local", "--id", "h1", "system.reboot"}, nil, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), "--yes") {
		t.Errorf("system.reboot without --yes: exit %d: %s", code, errb.String())
	}
}

func TestHoistFlagsRefusesUnknown(t *testing.T) {
	for _, in := range [][]string{
		{"--local", "cmd.run", "echo hi", "--outt", "json"},
		{"*", "cmd.run", "ls", "-la"},
		{"-Ei", "*", "test.ping"},
	} {
		_, err := hoistFlags(in, flags())
		if err == nil {
			t.Errorf("%q: no error", in)
			continue
		}
		var u usageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), "unknown flag") {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func TestHelpAndVersionAnywhere(t *testing.T) {
	for _, argv := range [][]string{
		{"brine", "--help"}, {"brine", "-h"}, {"brine", "*", "test.ping", "--help"}, {"brine", "--local", "-h"},
	} {
		var out, errb strings.Builder
		if code := run(argv, nil, &out, &errb); code != exitOK {
			t.Errorf("%q: exit %d: %s", argv, code, errb.String())
		}
		for _, f := range functions() {
			if !strings.Contains(out.String(), f.name) {
				t.Errorf("%q: help lacks %s", argv, f.name)
			}
		}
	}
	var out, errb strings.Builder
	if code := run([]string{"brine", "*", "--version"}, nil, &out, &errb); code != exitOK || !strings.Contains(out.String(), versionString()) {
		t.Errorf("--version: exit %d: %q %q", code, out.String(), errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"brine", "--local", "cmd.run", "echo hi", "--outt", "json"}, nil, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), "--outt") {
		t.Errorf("unknown trailing flag: exit %d: %s", code, errb.String())
	}
}

func TestEveryFunctionDispatches(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range functions() {
		if seen[f.name] {
			t.Errorf("%s listed twice", f.name)
		}
		seen[f.name] = true
		if (f.kind == runnerFun) != (f.run != nil) {
			t.Errorf("%s: a runner function needs run, and only runner functions have it", f.name)
		}
		if f.minArgs > 0 && (f.args == "" || f.example == "") {
			t.Errorf("%s needs arguments but has no synopsis or example", f.name)
		}
	}
}
