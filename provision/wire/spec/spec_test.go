package spec

import (
	"reflect"
	"strings"
	"testing"
)

func TestFnParsesSaltSignatures(t *testing.T) {
	f := Fn("name, source=None file, makedirs=False, mode=None mode, marker=':', delim='a, b', " +
		"count=0, env=(), attrs=None ignored, target str, **kwargs")
	if f.Err != nil {
		t.Fatal(f.Err)
	}
	want := []Arg{
		{Name: "name", Type: Str, Required: true},
		{Name: "source", Default: "None", Source: File},
		{Name: "makedirs", Type: Bool, Default: "False"},
		{Name: "mode", Type: Mode, Default: "None"},
		{Name: "marker", Type: Str, Default: "':'"},
		{Name: "delim", Type: Str, Default: "'a, b'"},
		{Name: "count", Type: Int, Default: "0"},
		{Name: "env", Default: "()"},
		{Name: "attrs", Default: "None", Ignored: true},
		{Name: "target", Type: Str, Required: true},
	}
	if !reflect.DeepEqual(f.Args, want) || !f.Kwargs {
		t.Errorf("args %+v kwargs %v", f.Args, f.Kwargs)
	}
	for _, bad := range []string{"name, x=", "name, x='open", "name, x=1 bogus", "name, name", "na me"} {
		if Fn(bad).Err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestCheck(t *testing.T) {
	strict := Fn("name, ip any, comment='', clean=False")
	got := strict.Check("host.present", map[string]any{"name": "db", "clean": "maybe", "foo": 1, "bar": 2,
		"require": []any{}, "onlyif": "true", "__sls__": "x", "order": 1})
	var msgs []string
	for _, p := range got {
		msgs = append(msgs, p.Msg)
	}
	want := []string{
		"Missing parameter ip for state host.present",
		"Invalid value for argument clean of state host.present: 'maybe' is not True or False",
		"'bar' and 'foo' are invalid keyword arguments for 'host.present'",
	}
	if !reflect.DeepEqual(msgs, want) {
		t.Errorf("problems:\n%s", strings.Join(msgs, "\n"))
	}
	loose := Fn("name, mode=None mode, uid=None int, env=None map, **kwargs")
	if p := loose.Check("file.x", map[string]any{"name": "/x", "mode": "keep", "uid": "12", "env": []any{map[string]any{"A": 1}}, "other": true}); len(p) != 0 {
		t.Errorf("accepted values refused: %v", p)
	}
	for _, c := range []map[string]any{{"mode": "rwx"}, {"mode": 888}, {"uid": "x"}, {"env": "A=1"}} {
		c["name"] = "/x"
		if p := loose.Check("file.x", c); len(p) != 1 {
			t.Errorf("%v: %v", c, p)
		}
	}
}

func TestParseBool(t *testing.T) {
	for v, want := range map[any]bool{true: true, false: false, "True": true, "false": false, "yes": true, "Off": false, 1: true, 0: false, 0.0: false, "": false} {
		if b, ok := ParseBool(v); !ok || b != want {
			t.Errorf("ParseBool(%#v) = %v, %v", v, b, ok)
		}
	}
	for _, v := range []any{"maybe", "2", []any{}, map[string]any{}} {
		if _, ok := ParseBool(v); ok {
			t.Errorf("ParseBool(%#v) accepted", v)
		}
	}
}
