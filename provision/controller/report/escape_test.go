package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"brine/provision/controller/result"
)

// hostile is text a hostile host puts in its answer: clear the screen, set
// the window title, ring the bell, rewrite the line with a fake verdict.
const hostile = "\x1b[2J\x1b]0;pwned\x07\rAll hosts OK\u009b1m\u202e"

// checkNoControls fails when out holds a control character other than
// newline and tab, or an escape sequence other than brine's own colours.
func checkNoControls(t *testing.T, what, out string, shown bool) {
	t.Helper()
	c := colors(true)
	for _, seq := range []string{c.green, c.cyan, c.red, c.lightRed, c.lightYellow, c.endc} {
		out = strings.ReplaceAll(out, seq, "")
	}
	for i, r := range out {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r >= 0x80 && r <= 0x9f || r == '\u202e' {
			t.Errorf("%s: raw control %U at %d: %q", what, r, i, out[max(0, i-20):min(len(out), i+20)])
			return
		}
	}
	if shown && !strings.Contains(out, `\x1b[2J\x1b]0;pwned\x07\rAll hosts OK\x9b1m\u202e`) {
		t.Errorf("%s: the host's text is not shown escaped:\n%s", what, out)
	}
}

func TestHumanOutputsEscapeHostText(t *testing.T) {
	states := map[string]any{
		"cmd_|-run " + hostile + "_|-echo " + hostile + "_|-run": map[string]any{
			"result": true, "comment": "Command ran " + hostile, "__run_num__": json.Number("0"),
			"start_time": "10:00:00" + hostile, "duration": json.Number("1.5"),
			"changes": map[string]any{"stdout": "line one\n" + hostile + "\nline three", "retcode": json.Number("0")},
		},
		"file_|-f_|-/etc/f_|-managed": map[string]any{
			"result": false, "comment": "failed " + hostile, "__run_num__": json.Number("1"),
			"changes":  map[string]any{"diff": "--- \n+++ \n@@ -1 +1 @@\n-old\n+" + hostile},
			"warnings": []any{"warned " + hostile},
		},
	}
	runs := map[string]HostReturn{
		"highstate": {ID: "web1", Fun: "state.apply", Return: states, Retcode: 2, Notes: []string{hostile}},
		"stopped":   {ID: "web1", Fun: "state.apply", Return: states, Retcode: 1, Error: "stopped: " + hostile, Failure: result.ExecutorFailed},
		"cmd":       {ID: "web1", Fun: "cmd.run", Return: "out\n" + hostile},
		"failed":    {ID: "web1", Fun: "cmd.run", Retcode: 1, Error: "the executor exited 1: " + hostile, Failure: result.ExecutorFailed},
		"text":      {ID: "web1", Fun: "state.apply", Return: "No top file " + hostile},
		"compile":   {ID: "web1", Fun: "state.apply", Return: []any{"bad sls " + hostile}, Retcode: 1},
	}
	for name, r := range runs {
		for _, out := range []string{"highstate", "nested", "txt"} {
			for _, so := range []string{"full", "terse", "mixed", "changes"} {
				var b bytes.Buffer
				p, err := New(&b, out, Options{Color: true, StateOutput: so, StateVerbose: true})
				if err != nil {
					t.Fatal(err)
				}
				if err := p.Host(r); err != nil {
					t.Fatal(err)
				}
				// txt prints a non-text return as Python's repr, whose own
				// escapes differ.
				_, text := r.Return.(string)
				checkNoControls(t, name+" "+out+" "+so, b.String(), out != "txt" || text)
			}
		}
	}
}
