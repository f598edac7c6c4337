package main

import (
	"strings"
	"testing"

	"brine/provision/controller/run"
)

// Pacing and progress mistakes are usage errors found before any host is
// contacted (the roster here does not exist: the flag error must win).
func TestFleetFlagMistakes(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--batch-size", "0"}, "--batch-size"},
		{[]string{"-b", "ten"}, "--batch-size"},
		{[]string{"-b", "0%"}, "--batch-size"},
		{[]string{"--max-fail", "-1"}, "--max-fail"},
		{[]string{"--max-fail", "x%"}, "--max-fail"},
		{[]string{"--progress", "--no-progress"}, "contradict"},
	} {
		var out, errb strings.Builder
		argv := append([]string{"brine", "--roster-file", "/nonexistent/roster.yaml", "*", "test.ping"}, c.args...)
		if code := brine(argv, nil, &out, &errb); code != run.ExitUsage || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%q: exit %d: %s", c.args, code, errb.String())
		}
	}
	var out, errb strings.Builder
	if code := brine([]string{"brine", "--local", "--key-deploy", "test.ping"}, nil, &out, &errb); code != run.ExitUsage || !strings.Contains(errb.String(), "--key-deploy") {
		t.Errorf("--local --key-deploy: exit %d: %s", code, errb.String())
	}
}

func TestHelpNamesFleetFlags(t *testing.T) {
	var out, errb strings.Builder
	brine([]string{"brine", "--help"}, nil, &out, &errb)
	for _, f := range []string{"--batch-size", "-b", "--max-fail", "--progress", "--no-progress", "--key-deploy"} {
		if !strings.Contains(out.String(), f) {
			t.Errorf("--help lacks %s", f)
		}
	}
}
