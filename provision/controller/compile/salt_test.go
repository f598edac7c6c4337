package compile

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"brine/provision/controller/compile/jinja"
)

// saltCaller compiles h's pillar with c and returns the state templates'
// `salt` object and a function calling salt['name'](args, **kw).
func saltCaller(t *testing.T, c *Compiler, h Host) (*run, *saltObj, func(string, []any, map[string]any) (any, error)) {
	t.Helper()
	r := c.newRun(context.Background(), h)
	if err := r.compilePillar(); err != nil {
		t.Fatal(err)
	}
	s := r.saltObj(false)
	return r, s, func(name string, args []any, kw map[string]any) (any, error) {
		t.Helper()
		f, ok := s.GetItem(name)
		if !ok {
			t.Fatalf("no %s", name)
		}
		fn, ok := f.(jinja.Callable)
		if !ok {
			t.Fatalf("%s is not callable: %#v", name, f)
		}
		return fn(args, kw)
	}
}

func TestSaltFunctions(t *testing.T) {
	r, s, call := saltCaller(t, New(Tree{}), Host{ID: "h", Grains: map[string]any{
		"os_family": "Debian", "os": "Debian", "roles": []any{"db", "web"}, "deep": map[string]any{"k": "v"},
	}, Pillar: map[string]any{"a": map[string]any{"b": "pv", "l": []any{1}}}})
	lookup := map[string]any{
		"Debian":  map[string]any{"pkg": "apache2", "conf": "/etc/apache2"},
		"RedHat":  map[string]any{"pkg": "httpd"},
		"default": map[string]any{"pkg": "www"},
		"base":    map[string]any{"port": 80, "pkg": "base"},
	}
	cases := []struct {
		name string
		args []any
		kw   map[string]any
		want any
	}{
		{"pillar.get", []any{"a:b"}, nil, "pv"},
		{"pillar.get", []any{"a:nope"}, nil, ""},
		{"pillar.get", []any{"a:nope", "d"}, nil, "d"},
		{"pillar.get", []any{"a/b"}, map[string]any{"delimiter": "/"}, "pv"},
		{"pillar.get", []any{"a:l:0"}, nil, 1},
		{"grains.get", []any{"deep:k"}, nil, "v"},
		{"config.get", []any{"id"}, nil, "h"},
		{"config.get", []any{"os"}, nil, "Debian"},
		{"config.get", []any{"a:b"}, nil, "pv"},
		{"grains.filter_by", []any{lookup}, nil, map[string]any{"pkg": "apache2", "conf": "/etc/apache2"}},
		{"grains.filter_by", []any{lookup}, map[string]any{"grain": "nope"}, map[string]any{"pkg": "www"}},
		{"grains.filter_by", []any{lookup}, map[string]any{"base": "base"}, map[string]any{"pkg": "apache2", "conf": "/etc/apache2", "port": 80}},
		{"grains.filter_by", []any{lookup}, map[string]any{"merge": map[string]any{"pkg": "over"}}, map[string]any{"pkg": "over", "conf": "/etc/apache2"}},
		{"grains.filter_by", []any{map[string]any{"web": 1, "x": 2}}, map[string]any{"grain": "roles"}, 1},
		{"defaults.merge", []any{map[string]any{"a": map[string]any{"x": 1}}, map[string]any{"a": map[string]any{"y": 2}}}, nil, map[string]any{"a": map[string]any{"x": 1, "y": 2}}},
		{"slsutil.merge", []any{map[string]any{"l": []any{1}}, map[string]any{"l": []any{2}}}, map[string]any{"merge_lists": true}, map[string]any{"l": []any{1, 2}}},
		{"file.join", []any{"/etc", "a", "/abs", "b"}, nil, "/abs/b"},
		{"file.dirname", []any{"/etc/a/b"}, nil, "/etc/a"},
		{"file.basename", []any{"/etc/a/b"}, nil, "b"},
		{"test.true", nil, nil, true},
		{"log.info", []any{"x"}, nil, ""},
	}
	for _, tc := range cases {
		got, err := call(tc.name, tc.args, tc.kw)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s(%v, %v) = %#v, %v; want %#v", tc.name, tc.args, tc.kw, got, err, tc.want)
		}
	}
	// attribute spelling: salt.pillar.get
	mod, _ := s.GetAttr("pillar")
	fn, ok := mod.(jinja.Getter).GetAttr("get")
	if !ok {
		t.Fatal("salt.pillar.get missing")
	}
	if v, err := fn.(jinja.Callable)([]any{"a:b"}, nil); err != nil || v != "pv" {
		t.Errorf("salt.pillar.get = %v, %v", v, err)
	}
	if _, err := call("cmd.run", []any{"ls"}, nil); err == nil || !strings.Contains(err.Error(), "salt['cmd.run'] gives the target's answer") || !r.needsTarget {
		t.Errorf("cmd.run without a target: %v", err)
	}
	if v, ok := s.GetItem("mine.get"); !ok || v.(jinja.Undefined).Msg != "'mine.get' is not available." {
		t.Errorf("mine.get: %#v", v)
	}
	if _, err := call("grains.filter_by", []any{"notadict"}, nil); err == nil {
		t.Error("filter_by of a string must fail")
	}
	// returned pillar values are copies: mutating them leaves the pillar alone
	v, _ := call("pillar.get", []any{"a"}, nil)
	v.(map[string]any)["b"] = "changed"
	if got, _ := call("pillar.get", []any{"a:b"}, nil); got != "pv" {
		t.Errorf("pillar mutated through pillar.get: %v", got)
	}
}
