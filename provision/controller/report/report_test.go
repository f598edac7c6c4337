package report

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"brine/provision/wire/lowstate"
)

func TestNested(t *testing.T) {
	tests := []struct {
		name string
		r    HostReturn
		want string
	}{
		{"ping", HostReturn{ID: "h1", Fun: "test.ping", Return: true}, "h1:\n    True\n"},
		{"string", HostReturn{ID: "h1", Fun: "cmd.run", Return: "Linux h1 6.1.0\nsecond line\n"},
			"h1:\n    Linux h1 6.1.0\n    second line\n"},
		{"none", HostReturn{ID: "h1", Fun: "grains.get", Return: nil}, "h1:\n    None\n"},
		{"number", HostReturn{ID: "h1", Fun: "grains.get", Return: 12}, "h1:\n    12\n"},
		{"run_all", HostReturn{ID: "h1", Fun: "cmd.run_all",
			Return: map[string]any{"retcode": 0, "stdout": "ok", "stderr": "", "pid": 42}},
			"h1:\n    ----------\n    pid:\n        42\n    retcode:\n        0\n    stderr:\n    stdout:\n        ok\n"},
		{"lists", HostReturn{ID: "h1", Fun: "grains.items",
			Return: map[string]any{"ipv4": []string{"10.0.0.1", "127.0.0.1"}, "nest": []any{map[string]any{"a": 1}, []any{"x", "y"}}, "empty": map[string]any{}}},
			"h1:\n    ----------\n    empty:\n        ----------\n    ipv4:\n        - 10.0.0.1\n        - 127.0.0.1\n" +
				"    nest:\n        |_\n          ----------\n          a:\n              1\n        |_\n          - x\n          - y\n"},
		{"multiline in list", HostReturn{ID: "h1", Fun: "x.y", Return: []any{"a\nb"}}, "h1:\n    - a\n      b\n"},
		{"function error", HostReturn{ID: "h1", Fun: "file.read", Retcode: 1, Error: "Error running 'file.read': [Errno 2] No such file or directory: '/x'"},
			"h1:\n    ----------\n    _error:\n        The command resulted in a non-zero exit code\n    parsed:\n        None\n    retcode:\n        1\n    stderr:\n        Error running 'file.read': [Errno 2] No such file or directory: '/x'\n    stdout:\n"},
		{"error", HostReturn{ID: "h1", Fun: "cmd.run", Retcode: 1, Failure: "executor failed", Error: "executor crashed: signal: killed"},
			"h1:\n    ----------\n    _error:\n        Failed to return clean data\n    retcode:\n        1\n    stderr:\n        executor crashed: signal: killed\n    stdout:\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, out := range []string{"", "highstate", "nested"} {
				if got := render(t, out, Options{}, tt.r); got != tt.want {
					t.Errorf("--out %q got:\n%q\nwant:\n%q", out, got, tt.want)
				}
			}
		})
	}
}

func TestNestedForcedOnStateReturn(t *testing.T) {
	res := lowstate.Results{"test_|-a_|-a_|-nop": {ID: "a", Name: "a", Result: lowstate.Bool(true), RunNum: 0, Duration: 1}}
	got := render(t, "nested", Options{}, HostReturn{ID: "h", Fun: "state.apply", Return: res})
	for _, want := range []string{"h:\n    ----------\n    test_|-a_|-a_|-nop:\n        ----------\n", "        result:\n            True\n", "        duration:\n            1\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("nested state return lacks %q:\n%s", want, got)
		}
	}
}

func TestNestedColors(t *testing.T) {
	got := render(t, "", Options{Color: true}, HostReturn{ID: "h1", Fun: "test.ping", Return: true})
	want := "\x1b[0;36mh1\x1b[0;0m:\n    \x1b[0;1;33mTrue\x1b[0;0m\n"
	if got != want {
		t.Errorf("got %q want %q", got, want)
	}
	got = render(t, "", Options{Color: true}, HostReturn{ID: "h1", Fun: "cmd.run", Retcode: 1, Return: map[string]any{"k": "v"}})
	want = "\x1b[0;31mh1\x1b[0;0m:\n    \x1b[0;31m----------\x1b[0;0m\n    \x1b[0;31mk\x1b[0;0m:\n        \x1b[0;32mv\x1b[0;0m\n"
	if got != want {
		t.Errorf("non-zero retcode: got %q want %q", got, want)
	}
}

func TestTxt(t *testing.T) {
	got := render(t, "txt", Options{},
		HostReturn{ID: "h1", Fun: "cmd.run", Return: "line one\nline two"},
		HostReturn{ID: "h2", Fun: "test.ping", Return: true},
		HostReturn{ID: "h3", Fun: "cmd.run_all", Return: map[string]any{"retcode": 0, "stdout": "it's", "x": nil, "l": []any{1.5, false}}},
		HostReturn{ID: "h4", Fun: "cmd.run", Return: ""},
		HostReturn{ID: "h5", Fun: "test.ping", Unreachable: true, Error: "timeout"},
	)
	want := "h1: line one\nh1: line two\nh2: True\n" +
		`h3: {'l': [1.5, False], 'retcode': 0, 'stdout': "it's", 'x': None}` + "\n" +
		"h4: \n" +
		"h5: {'_error': 'Host unreachable', 'retcode': 255, 'stderr': 'timeout', 'stdout': ''}\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func fleet() []HostReturn {
	return []HostReturn{
		{ID: "web1", Fun: "state.apply", Return: sample(), Retcode: 2, Duration: 3 * time.Second},
		{ID: "web2", Fun: "state.apply", Return: lowstate.Results{
			"test_|-a_|-a_|-nop": {Result: lowstate.Bool(true), Changes: map[string]any{"x": 1}},
			"test_|-b_|-b_|-nop": {Result: lowstate.Bool(true), RunNum: 1},
		}, Duration: 1500 * time.Millisecond},
		{ID: "web3", Fun: "state.apply", Unreachable: true, Error: "connection refused", Duration: 5 * time.Second},
		{ID: "web4", Fun: "state.apply", Error: "Rendering SLS 'base:x' failed", Retcode: 1, Duration: 200 * time.Millisecond},
		{ID: "web5", Fun: "state.apply", Return: lowstate.Results{}, Duration: 100 * time.Millisecond},
	}
}

// fleetWithPartial adds a host whose run stopped with an error after a
// state ran.
func fleetWithPartial() []HostReturn {
	return append(fleet(), HostReturn{ID: "web6", Fun: "state.apply", Retcode: 1, Error: "lock lost",
		Return: lowstate.Results{"test_|-a_|-a_|-nop": {Result: lowstate.Bool(true)}}})
}

func TestJSONStaticParsesBack(t *testing.T) {
	all := fleetWithPartial()
	var b strings.Builder
	p, err := New(&b, "json", Options{Static: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		if err := p.Host(r); err != nil {
			t.Fatal(err)
		}
	}
	if b.Len() != 0 {
		t.Fatalf("static printer wrote before Finish: %q", b.String())
	}
	if err := p.Finish(all); err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(b.String()))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, b.String())
	}
	if dec.More() {
		t.Fatalf("more than one JSON document:\n%s", b.String())
	}
	if len(doc) != len(all) {
		t.Fatalf("%d hosts in document, want %d", len(doc), len(all))
	}
	var web1 lowstate.Results
	if err := json.Unmarshal(doc["web1"], &web1); err != nil {
		t.Fatal(err)
	}
	fail := web1["cmd_|-fail_|-false_|-run"]
	if fail == nil || fail.Result == nil || *fail.Result || fail.RunNum != 2 || fail.Comment != "Command \"false\" run\nretcode 1" {
		t.Errorf("web1 results did not survive: %+v", fail)
	}
	var web3 map[string]any
	if err := json.Unmarshal(doc["web3"], &web3); err != nil {
		t.Fatal(err)
	}
	want3 := map[string]any{"_error": "Host unreachable", "retcode": 255.0, "stderr": "connection refused", "stdout": ""}
	if !reflect.DeepEqual(web3, want3) {
		t.Errorf("unreachable shape = %v, want %v", web3, want3)
	}
	var web4 []string
	if err := json.Unmarshal(doc["web4"], &web4); err != nil || len(web4) != 1 || web4[0] != "Rendering SLS 'base:x' failed" {
		t.Errorf("compile error shape = %s (%v)", doc["web4"], err)
	}
	var web6 map[string]map[string]any
	if err := json.Unmarshal(doc["web6"], &web6); err != nil || web6["test_|-a_|-a_|-nop"]["result"] != true {
		t.Errorf("results with an error = %s (%v)", doc["web6"], err)
	}
	if string(doc["web5"]) != "{}" {
		t.Errorf("empty run = %s", doc["web5"])
	}
}

func TestJSONStreaming(t *testing.T) {
	var b strings.Builder
	p, err := New(&b, "json", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Host(HostReturn{ID: "h1", Fun: "test.ping", Return: true}); err != nil {
		t.Fatal(err)
	}
	if err := p.Host(HostReturn{ID: "h2", Fun: "cmd.run", Return: "<a & b>"}); err != nil {
		t.Fatal(err)
	}
	if err := p.Finish(nil); err != nil {
		t.Fatal(err)
	}
	want := "{\n    \"h1\": true\n}\n{\n    \"h2\": \"<a & b>\"\n}\n"
	if b.String() != want {
		t.Errorf("got %q want %q", b.String(), want)
	}
}

func TestYAMLStaticParsesBack(t *testing.T) {
	all := fleet()
	got := render(t, "yaml", Options{Static: true}, all...)
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(got), &doc); err != nil {
		t.Fatalf("%v\n%s", err, got)
	}
	web1, _ := doc["web1"].(map[string]any)
	motd, _ := web1["file_|-/etc/motd_|-/etc/motd_|-managed"].(map[string]any)
	if motd["result"] != true || motd["__run_num__"] != 0 || motd["duration"] != 7.584 || motd["comment"] != "File /etc/motd updated" {
		t.Errorf("yaml state result = %#v", motd)
	}
	web3, _ := doc["web3"].(map[string]any)
	if web3["retcode"] != 255 || web3["stderr"] != "connection refused" {
		t.Errorf("yaml unreachable = %#v", web3)
	}
	// PyYAML's safe_dump: block style, two-space indent, '' for an empty
	// string, a list under its key not indented.
	if !strings.Contains(got, "web2:\n  test_|-a_|-a_|-nop:\n    __id__: ''\n") || !strings.Contains(got, "web4:\n- Rendering SLS") {
		t.Errorf("yaml not as PyYAML writes it:\n%s", got)
	}
}

func TestStaticHumanPrintsAtFinish(t *testing.T) {
	all := []HostReturn{{ID: "a", Fun: "test.ping", Return: true}, {ID: "b", Fun: "test.ping", Return: false}}
	var b strings.Builder
	p, err := New(&b, "", Options{Static: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		_ = p.Host(r)
	}
	if b.Len() != 0 {
		t.Fatalf("wrote before Finish: %q", b.String())
	}
	if err := p.Finish(all); err != nil {
		t.Fatal(err)
	}
	if b.String() != "a:\n    True\nb:\n    False\n" {
		t.Errorf("got %q", b.String())
	}
}

func TestRecap(t *testing.T) {
	var b strings.Builder
	if err := Recap(&b, fleet(), Options{}); err != nil {
		t.Fatal(err)
	}
	want := `
Fleet recap
---------------------
Hosts targeted:     5
Succeeded:          2
Failed:             2  (web1, web4)
Unreachable:        1  (web3)
States changed:     3
Slowest hosts:   web3 (5.000 s), web1 (3.000 s), web2 (1.500 s)
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestRecapCountsAndColors(t *testing.T) {
	var all []HostReturn
	for i := 0; i < 12; i++ {
		all = append(all, HostReturn{ID: "u" + string(rune('a'+i)), Fun: "test.ping", Unreachable: true, Error: "x"})
	}
	all = append(all, HostReturn{ID: "ok", Fun: "test.ping", Return: true})
	var b strings.Builder
	if err := Recap(&b, all, Options{Color: true}); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{
		"\x1b[0;36mHosts targeted:    13\x1b[0;0m",
		"\x1b[0;32mSucceeded:          1\x1b[0;0m",
		"\x1b[0;36mFailed:             0\x1b[0;0m\n",
		"\x1b[0;31mUnreachable:       12\x1b[0;0m  (ua, ub, uc, ud, ue, uf, ug, uh, ui, uj, and 2 more)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("recap lacks %q:\n%q", want, got)
		}
	}
	if strings.Contains(got, "Slowest") {
		t.Errorf("slowest hosts listed without durations:\n%s", got)
	}
}

func TestNewRejectsUnknownNames(t *testing.T) {
	if _, err := New(&strings.Builder{}, "pprint", Options{}); err == nil || !strings.Contains(err.Error(), "highstate, nested, json, yaml, txt") {
		t.Errorf("unknown outputter: %v", err)
	}
	if _, err := New(&strings.Builder{}, "", Options{StateOutput: "verbose"}); err == nil || !strings.Contains(err.Error(), "full, terse, mixed, changes or filter") {
		t.Errorf("unknown state output: %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrorsAreReturned(t *testing.T) {
	for _, out := range Outputters() {
		p, err := New(failWriter{}, out, Options{})
		if err != nil {
			t.Fatal(err)
		}
		err = p.Host(HostReturn{ID: "h1", Fun: "test.ping", Return: true})
		if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), "h1") {
			t.Errorf("--out %s: error = %v", out, err)
		}
	}
	if err := Recap(failWriter{}, nil, Options{}); err == nil {
		t.Error("Recap ignored a write error")
	}
}

func TestIsStateFun(t *testing.T) {
	for fun, want := range map[string]bool{"state.apply": true, "state.sls": true, "state.highstate": true,
		"state.single": true, "state.show_sls": false, "test.ping": false, "cmd.run": false, "": false} {
		if IsStateFun(fun) != want {
			t.Errorf("IsStateFun(%q) = %v", fun, !want)
		}
	}
}

// A host never started prints one line with its reason in the human
// formats; the data formats keep salt-ssh's error shape.
func TestNotRunIsOneLine(t *testing.T) {
	r := HostReturn{ID: "web21", Fun: "state.apply", Failure: "not run", Retcode: 1, Error: "not run: stopped after 2 failed hosts"}
	for _, out := range []string{"highstate", "nested"} {
		var b strings.Builder
		p, _ := New(&b, out, Options{})
		p.Host(r)
		if got := b.String(); got != "web21:\n    Not run: stopped after 2 failed hosts\n" {
			t.Errorf("%s: %q", out, got)
		}
	}
	if d, ok := Data(r).(map[string]any); !ok || d["_error"] != "Not run" {
		t.Errorf("data: %#v", Data(r))
	}
}
