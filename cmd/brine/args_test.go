package main

import (
	"strings"
	"testing"

	"brine/provision/controller/run"
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
		{"* test.ping --help", "--brine-help"},
		{"-vvv * test.ping", "-v -v -v -- * test.ping"},
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

func TestExitCodes(t *testing.T) {
	var out, errb strings.Builder
	if code := brine([]string{"brine", "--bogus-flag"}, nil, &out, &errb); code != run.ExitUsage {
		t.Errorf("unknown flag: exit %d, want %d (%s)", code, run.ExitUsage, errb.String())
	}
	errb.Reset()
	if code := brine([]string{"brine", "--roster-file", "/nonexistent/roster.yaml", "*", "test.ping"}, nil, &out, &errb); code != run.ExitUsage ||
		!strings.Contains(errb.String(), "/nonexistent/roster.yaml") {
		t.Errorf("missing roster: exit %d: %s", code, errb.String())
	}
	errb.Reset()
	// A function brine does not have: each host answers Salt's words (no
	// host is contacted), the closest names on stderr.
	out.Reset()
	if code := brine([]string{"brine", "--local", "--id", "h1", "--out", "json", "test.pnig"}, nil, &out, &errb); code != run.ExitFailure ||
		!strings.Contains(out.String(), "'test.pnig' is not available.") || !strings.Contains(errb.String(), "did you mean test.ping") {
		t.Errorf("unknown function: exit %d: %s %s", code, out.String(), errb.String())
	}
	errb.Reset()
	if code := brine([]string{"brine", "--local", "--id", "h1", "--retcode-passthrough", "test.pnig"}, nil, &out, &errb); code != 255 {
		t.Errorf("unknown function with --retcode-passthrough: exit %d: %s", code, errb.String())
	}
	errb.Reset()
	if code := brine([]string{"brine", "--local", "nosuch"}, nil, &out, &errb); code != run.ExitUsage || !strings.Contains(errb.String(), "unknown function") {
		t.Errorf("a name that is no mod.fun: exit %d: %s", code, errb.String())
	}
	errb.Reset()
	if code := brine([]string{"brine", "*"}, nil, &out, &errb); code != run.ExitUsage {
		t.Errorf("missing function: exit %d", code)
	}
	// a guarded function needs --yes, refused before any host is contacted
	errb.Reset()
	if code := brine([]string{"brine", "--local", "--id", "h1", "system.reboot"}, nil, &out, &errb); code != run.ExitUsage || !strings.Contains(errb.String(), "--yes") {
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
		if !run.IsUsage(err) || !strings.Contains(err.Error(), "unknown flag") {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func TestHelpAndVersionAnywhere(t *testing.T) {
	for _, argv := range [][]string{
		{"brine", "--help"}, {"brine", "-h"}, {"brine", "*", "test.ping", "--help"}, {"brine", "--local", "-h"},
	} {
		var out, errb strings.Builder
		if code := brine(argv, nil, &out, &errb); code != run.ExitOK {
			t.Errorf("%q: exit %d: %s", argv, code, errb.String())
		}
		for _, f := range run.Functions() {
			if !strings.Contains(out.String(), f.Name) {
				t.Errorf("%q: help lacks %s", argv, f.Name)
			}
		}
	}
	var out, errb strings.Builder
	if code := brine([]string{"brine", "*", "--version"}, nil, &out, &errb); code != run.ExitOK || !strings.Contains(out.String(), versionString()) {
		t.Errorf("--version: exit %d: %q %q", code, out.String(), errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := brine([]string{"brine", "--local", "cmd.run", "echo hi", "--outt", "json"}, nil, &out, &errb); code != run.ExitUsage || !strings.Contains(errb.String(), "--outt") {
		t.Errorf("unknown trailing flag: exit %d: %s", code, errb.String())
	}
}

func TestEveryFunctionDispatches(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range run.Functions() {
		if seen[f.Name] {
			t.Errorf("%s listed twice", f.Name)
		}
		seen[f.Name] = true
		if _, ok := runnerFor(f.Name); (f.Kind == run.RunnerFun) != ok {
			t.Errorf("%s: a runner function needs a runner here, and only runner functions have one", f.Name)
		}
		if f.MinArgs > 0 && (f.Args == "" || f.Example == "") {
			t.Errorf("%s needs arguments but has no synopsis or example", f.Name)
		}
	}
}
