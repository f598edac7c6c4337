package report

import (
	"encoding/json"
	"strings"
	"testing"

	"brine/provision/wire/lowstate"
)

// sample is a small run: a changed file (id == name), an unchanged package
// (name differs), a failed command.
func sample() lowstate.Results {
	return lowstate.Results{
		"file_|-/etc/motd_|-/etc/motd_|-managed": {ID: "/etc/motd", Name: "/etc/motd", Result: lowstate.Bool(true),
			Comment: "File /etc/motd updated", Changes: map[string]any{"diff": "New file", "mode": "0644"},
			RunNum: 0, Start: "21:39:00.806065", Duration: 7.584},
		"pkg_|-tools_|-vim_|-installed": {ID: "tools", Name: "vim", Result: lowstate.Bool(true),
			Comment: "All specified packages are already installed", RunNum: 1, Start: "21:39:00.813000", Duration: 12.5},
		"cmd_|-fail_|-false_|-run": {ID: "fail", Name: "false", Result: lowstate.Bool(false),
			Comment: "Command \"false\" run\nretcode 1", Changes: map[string]any{"retcode": 1},
			RunNum: 2, Start: "21:39:00.830000", Duration: 3},
	}
}

func render(t *testing.T, out string, o Options, rs ...HostReturn) string {
	t.Helper()
	var b strings.Builder
	p, err := New(&b, out, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if err := p.Host(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Finish(rs); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

const motdBlock = `----------
          ID: /etc/motd
    Function: file.managed
      Result: True
     Comment: File /etc/motd updated
     Started: 21:39:00.806065
    Duration: 7.584 ms
     Changes:   
              ----------
              diff:
                  New file
              mode:
                  0644
`

const vimBlock = `----------
          ID: tools
    Function: pkg.installed
        Name: vim
      Result: True
     Comment: All specified packages are already installed
     Started: 21:39:00.813000
    Duration: 12.5 ms
     Changes:   
`

const failBlock = `----------
          ID: fail
    Function: cmd.run
        Name: false
      Result: False
     Comment: Command "false" run
              retcode 1
     Started: 21:39:00.830000
    Duration: 3.0 ms
     Changes:   
              ----------
              retcode:
                  1
`

const sampleSummary = `
Summary for web1
------------
Succeeded: 2 (changed=2)
Failed:    1
------------
Total states run:     3
Total run time:  23.084 ms
`

const (
	motdTerse = "  Name: /etc/motd - Function: file.managed - Result: Changed - Started: 21:39:00.806065 - Duration: 7.584 ms\n"
	vimTerse  = "  Name: vim - Function: pkg.installed - Result: Clean - Started: 21:39:00.813000 - Duration: 12.5 ms\n"
	failTerse = "  Name: false - Function: cmd.run - Result: Failed - Started: 21:39:00.830000 - Duration: 3.0 ms\n"
)

func TestHighstateModes(t *testing.T) {
	host := HostReturn{ID: "web1", Fun: "state.apply", Return: sample(), Retcode: 2}
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"full", Options{StateVerbose: true}, "web1:\n" + motdBlock + vimBlock + failBlock + sampleSummary},
		{"full-default-name", Options{StateVerbose: true, StateOutput: "full"}, "web1:\n" + motdBlock + vimBlock + failBlock + sampleSummary},
		{"full-quiet", Options{}, "web1:\n" + motdBlock + failBlock + sampleSummary},
		{"terse", Options{StateVerbose: true, StateOutput: "terse"}, "web1:\n" + motdTerse + vimTerse + failTerse + sampleSummary},
		{"terse-quiet", Options{StateOutput: "terse"}, "web1:\n" + motdTerse + failTerse + sampleSummary},
		{"mixed", Options{StateVerbose: true, StateOutput: "mixed"}, "web1:\n" + motdTerse + vimTerse + failBlock + sampleSummary},
		{"changes", Options{StateVerbose: true, StateOutput: "changes"}, "web1:\n" + motdBlock + vimTerse + failBlock + sampleSummary},
		{"terse_id", Options{StateVerbose: true, StateOutput: "terse_id"}, "web1:\n" + motdTerse +
			strings.Replace(vimTerse, "Name: vim", "Name: tools", 1) +
			strings.Replace(failTerse, "Name: false", "Name: fail", 1) + sampleSummary},
		{"full_id", Options{StateOutput: "full_id"}, "web1:\n" + motdBlock +
			strings.Replace(failBlock, "        Name: false\n", "", 1) + sampleSummary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(t, "highstate", tt.o, host)
			if got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestHighstateDecodedJSONMatchesTyped(t *testing.T) {
	b, err := json.Marshal(sample())
	if err != nil {
		t.Fatal(err)
	}
	var decoded map[string]any
	if err := json.Unmarshal(b, &decoded); err != nil {
		t.Fatal(err)
	}
	o := Options{StateVerbose: true}
	typed := render(t, "", o, HostReturn{ID: "web1", Fun: "state.apply", Return: sample()})
	dec := render(t, "", o, HostReturn{ID: "web1", Fun: "state.sls", Return: decoded})
	if typed != dec {
		t.Errorf("typed and decoded differ:\n%s\n---\n%s", typed, dec)
	}
}

func TestHighstateColors(t *testing.T) {
	res := sample()
	res["test_|-maybe_|-maybe_|-nop"] = &lowstate.Result{ID: "maybe", Name: "maybe", Result: nil,
		Comment: "would change", RunNum: 3, Start: "21:39:00.900000", Duration: 1}
	host := HostReturn{ID: "web1", Fun: "state.apply", Return: res}
	plain := render(t, "", Options{StateVerbose: true}, host)
	if strings.Contains(plain, "\x1b") {
		t.Errorf("escape codes without Color:\n%q", plain)
	}
	got := render(t, "", Options{StateVerbose: true, Color: true}, host)
	const (
		green  = "\x1b[0;32m"
		cyan   = "\x1b[0;36m"
		red    = "\x1b[0;31m"
		yellow = "\x1b[0;1;33m"
		endc   = "\x1b[0;0m"
	)
	for _, want := range []string{
		yellow + "web1:" + endc + "\n", // the last non-True state colours the host
		cyan + "----------" + endc + "\n    " + cyan + "      ID: /etc/motd" + endc,
		green + "----------" + endc + "\n    " + green + "      ID: tools" + endc,
		red + "----------" + endc + "\n    " + red + "      ID: fail" + endc,
		yellow + "----------" + endc + "\n    " + yellow + "      ID: maybe" + endc,
		"    " + cyan + "diff" + endc + ":\n                  " + green + "New file" + endc,
		green + "Succeeded: 3" + endc + " (" + yellow + "unchanged=1" + endc + ", " + green + "changed=2" + endc + ")",
		red + "Failed:    1" + endc,
		cyan + "\nSummary for web1\n------------" + endc,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("coloured output lacks %q:\n%q", want, got)
		}
	}
	if strings.ReplaceAll(strings.NewReplacer(green, "", cyan, "", red, "", yellow, "", endc, "").Replace(got), "\x1b", "") != plain {
		t.Errorf("stripping colours does not give the plain output")
	}
}

func TestHighstateTestModeAndBigSummary(t *testing.T) {
	res := lowstate.Results{}
	for i := 0; i < 26; i++ {
		r := &lowstate.Result{Result: lowstate.Bool(true), RunNum: i, Start: "01:00:00", Duration: 50}
		id := string(rune('a'+i%26)) + "x"
		if i < 17 {
			r.Changes = map[string]any{"new": "yes"}
		}
		res[lowstate.Tag("test", id, id, "nop")] = r
	}
	got := render(t, "", Options{StateOutput: "terse"}, HostReturn{ID: "h", Fun: "state.highstate", Return: res})
	want := "\nSummary for h\n-------------\nSucceeded: 26 (changed=17)\nFailed:     0\n-------------\n" +
		"Total states run:     26\nTotal run time:    1.300 s\n"
	if !strings.HasSuffix(got, want) {
		t.Errorf("summary:\n%s\nwant suffix:\n%s", got, want)
	}
	if n := strings.Count(got, "Result: Changed"); n != 17 {
		t.Errorf("%d changed terse lines, want 17", n)
	}

	pending := lowstate.Results{
		"file_|-a_|-a_|-managed": {Result: nil, Comment: "The file a is set to be changed",
			Changes: map[string]any{"diff": "--- \n+++ \n@@ -0,0 +1 @@\n+hi\n"}, Start: "01:00:00", Duration: 1},
		"file_|-b_|-b_|-managed": {Result: lowstate.Bool(true), RunNum: 1, Start: "01:00:00", Duration: 1},
	}
	got = render(t, "", Options{StateOutput: "terse"}, HostReturn{ID: "h", Fun: "state.apply", Return: pending})
	want = "h:\n  Name: a - Function: file.managed - Result: Differs - Started: 01:00:00 - Duration: 1.0 ms\n" +
		"\nSummary for h\n------------\nSucceeded: 2 (unchanged=1, changed=1)\nFailed:    0\n------------\n" +
		"Total states run:     2\nTotal run time:   2.000 ms\n"
	if got != want {
		t.Errorf("test mode:\n%s\nwant:\n%s", got, want)
	}
	full := render(t, "", Options{}, HostReturn{ID: "h", Fun: "state.apply", Return: pending})
	if !strings.Contains(full, "              diff:\n                  --- \n                  +++ \n                  @@ -0,0 +1 @@\n                  +hi\n") {
		t.Errorf("diff not indented like Salt's nested output:\n%s", full)
	}
}

func TestHighstateErrorsAndOddReturns(t *testing.T) {
	tests := []struct {
		name string
		r    HostReturn
		want string
	}{
		{"compile error", HostReturn{ID: "h1", Fun: "state.apply", Retcode: 1,
			Error: "Rendering SLS 'base:web' failed: mapping values are not allowed\nline 3"},
			"h1:\n    Data failed to compile:\n----------\n    Rendering SLS 'base:web' failed: mapping values are not allowed\n    line 3\n"},
		{"error list", HostReturn{ID: "h1", Fun: "state.sls", Retcode: 1, Error: "2 errors",
			Return: []any{"State 'x' in SLS 'a' is not formed as a list", "No matching sls found for 'b' in env 'base'"}},
			"h1:\n    Data failed to compile:\n----------\n    State 'x' in SLS 'a' is not formed as a list\n----------\n    No matching sls found for 'b' in env 'base'\n"},
		{"states then error", HostReturn{ID: "h1", Fun: "state.apply", Retcode: 1, Error: "lock lost\nsecond line",
			Return: lowstate.Results{"test_|-a_|-a_|-nop": {Result: lowstate.Bool(true), Comment: "ok"}}},
			"h1:\n----------\n          ID: a\n    Function: test.nop\n      Result: True\n     Comment: ok\n     Changes:   \n" +
				"\nSummary for h1\n------------\nSucceeded: 1\nFailed:    0\n------------\nTotal states run:     1\nTotal run time:   0.000 ms\n" +
				"Error: lock lost\n    second line\n"},
		{"string return", HostReturn{ID: "h1", Fun: "state.apply", Return: "No Top file or master_tops data matches found."},
			"h1:\n    No Top file or master_tops data matches found.\n"},
		{"empty run", HostReturn{ID: "h1", Fun: "state.apply", Return: map[string]any{}},
			// Salt's column widths with no counts at all.
			"h1:\n\nSummary for h1\n-----------\nSucceeded: 0\nFailed:   0\n-----------\nTotal states run:    0\nTotal run time:  0.000 ms\n"},
		{"unreachable", HostReturn{ID: "h1", Fun: "state.apply", Unreachable: true, Error: "dial tcp 127.0.1.9:22: connect: connection refused"},
			"h1:\n    ----------\n    _error:\n        Host unreachable\n    retcode:\n        255\n    stderr:\n        dial tcp 127.0.1.9:22: connect: connection refused\n    stdout:\n"},
		{"invalid changes", HostReturn{ID: "h1", Fun: "state.apply", Return: map[string]any{
			"cmd_|-x_|-x_|-run": map[string]any{"result": true, "comment": "ok", "changes": "text", "__run_num__": 0}}},
			"h1:\n----------\n          ID: x\n    Function: cmd.run\n      Result: True\n     Comment: ok\n     Changes:   Invalid Changes data: 'text'\n" +
				"\nSummary for h1\n------------\nSucceeded: 1 (changed=1)\nFailed:    0\n------------\nTotal states run:     1\nTotal run time:   0.000 ms\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(t, "highstate", Options{StateVerbose: true}, tt.r)
			if got != tt.want {
				t.Errorf("got:\n%q\nwant:\n%q", got, tt.want)
			}
		})
	}
}

func TestHighstateWarnings(t *testing.T) {
	res := lowstate.Results{"pkg_|-p_|-p_|-installed": {Result: lowstate.Bool(true), Comment: "ok",
		Warnings: []string{"The 'fromrepo' argument is deprecated"}, Start: "01:00:00", Duration: 2}}
	got := render(t, "", Options{StateVerbose: true}, HostReturn{ID: "h", Fun: "state.apply", Return: res})
	for _, want := range []string{
		"    Warnings: The 'fromrepo' argument is deprecated\n",
		"Succeeded: 1\nFailed:    0\nWarnings:  1\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}
