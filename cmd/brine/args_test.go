package main

import (
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
		{"* cmd.run ls -la", "-- * cmd.run ls -la"},
		{"--state-verbose=false * state.apply", "--state-verbose=false -- * state.apply"},
	}
	for _, c := range cases {
		in := strings.Split(strings.ReplaceAll(c.in, " ", "\x01"), "\x01")
		for i := range in {
			in[i] = strings.ReplaceAll(in[i], "\x00", " ")
		}
		got := strings.Join(hoistFlags(in, fl), " ")
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
	if code := run([]string{"brine", "--local", "no.such"}, nil, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), "unknown function") {
		t.Errorf("unknown function: exit %d: %s", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"brine", "*"}, nil, &out, &errb); code != exitUsage {
		t.Errorf("missing function: exit %d", code)
	}
}
