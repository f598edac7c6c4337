package result

import (
	"encoding/json"
	"testing"
)

func TestStates(t *testing.T) {
	ret := func(s string) any {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	typed := map[string]struct {
		Result  *bool          `json:"result"`
		Changes map[string]any `json:"changes"`
	}{"a": {Result: new(bool), Changes: map[string]any{"x": 1}}}
	for _, c := range []struct {
		name string
		r    HostReturn
		want StateCounts
	}{
		{"changes counted per state", HostReturn{Fun: "state.apply", Return: ret(`{
			"file_|-a_|-a_|-managed": {"result": true, "changes": {"diff": "x"}},
			"pkg_|-b_|-b_|-installed": {"result": true, "changes": {}},
			"cmd_|-c_|-c_|-run": {"result": null, "changes": {"pid": 3}},
			"cmd_|-d_|-d_|-run": {"result": false, "changes": ""}}`)}, StateCounts{Changed: 2, Failed: true}},
		{"numbers and lists follow Python truthiness", HostReturn{Fun: "state.sls", Return: ret(`{
			"a": {"result": true, "changes": 0}, "b": {"result": true, "changes": [1]}}`)}, StateCounts{Changed: 1}},
		{"typed returns read like their JSON", HostReturn{Fun: "state.apply", Return: typed}, StateCounts{Changed: 1, Failed: true}},
		{"not a state function", HostReturn{Fun: "test.ping", Return: ret(`{"a": {"result": false, "changes": {"x": 1}}}`)}, StateCounts{}},
		{"a run that ended in an error", HostReturn{Fun: "state.apply", Error: "lost", Return: ret(`{"a": {"result": true, "changes": {"x": 1}}}`)}, StateCounts{}},
		{"compile errors (a list)", HostReturn{Fun: "state.apply", Return: []any{"bad"}}, StateCounts{}},
	} {
		if got := c.r.States(); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestSucceeded(t *testing.T) {
	failedState := map[string]any{"a": map[string]any{"result": false, "changes": map[string]any{}}}
	for _, c := range []struct {
		name string
		r    HostReturn
		want bool
	}{
		{"a clean return", HostReturn{Fun: "test.ping", Return: true}, true},
		{"a non-zero retcode", HostReturn{Fun: "cmd.run", Retcode: 2}, false},
		{"unreachable", HostReturn{Fun: "test.ping", Unreachable: true, Retcode: 255}, false},
		{"not run", HostReturn{Fun: "test.ping", Failure: NotRun, Retcode: 1}, false},
		{"a state returned False (retcode 0)", HostReturn{Fun: "state.apply", Return: failedState}, false},
		{"the same return of a function that is not a state one", HostReturn{Fun: "test.echo", Return: failedState}, true},
	} {
		if got := c.r.Succeeded(); got != c.want {
			t.Errorf("%s: Succeeded() = %v", c.name, got)
		}
	}
}
