package jinja

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// mapLoader is a Loader backed by a map of name -> source.
type mapLoader map[string]string

func (m mapLoader) Load(name string) ([]byte, string, error) {
	src, ok := m[name]
	if !ok {
		return nil, "", fmt.Errorf("no such file %q", name)
	}
	return []byte(src), "/srv/salt/" + name, nil
}

// fakeSalt implements Getter the way the compiler's salt object does: salt['m.f'] and salt.m.f.
type fakeSalt struct {
	funcs map[string]Callable
}

type fakeSaltMod struct {
	s   *fakeSalt
	mod string
}

func (s *fakeSalt) GetAttr(name string) (any, bool) { return &fakeSaltMod{s, name}, true }
func (s *fakeSalt) GetItem(key any) (any, bool) {
	k, _ := key.(string)
	f, ok := s.funcs[k]
	return f, ok
}
func (m *fakeSaltMod) GetAttr(name string) (any, bool) {
	f, ok := m.s.funcs[m.mod+"."+name]
	return f, ok
}
func (m *fakeSaltMod) GetItem(key any) (any, bool) {
	k, _ := key.(string)
	return m.GetAttr(k)
}

func traversePath(data any, path string, def any) any {
	cur := data
	for _, p := range strings.Split(path, ":") {
		m, ok := cur.(map[string]any)
		if !ok {
			return def
		}
		cur, ok = m[p]
		if !ok {
			return def
		}
	}
	return cur
}

// newFakeSalt builds a salt object with pillar.get, grains.get, grains.filter_by, test.echo and test.fail.
func newFakeSalt(grains, pillar map[string]any) *fakeSalt {
	s := &fakeSalt{funcs: map[string]Callable{}}
	get := func(data map[string]any) Callable {
		return func(args []any, kw map[string]any) (any, error) {
			if len(args) == 0 {
				return nil, fmt.Errorf("get: missing key")
			}
			var def any = ""
			if len(args) > 1 {
				def = args[1]
			}
			if d, ok := kw["default"]; ok {
				def = d
			}
			return traversePath(data, args[0].(string), def), nil
		}
	}
	s.funcs["pillar.get"] = get(pillar)
	s.funcs["grains.get"] = get(grains)
	s.funcs["grains.filter_by"] = func(args []any, kw map[string]any) (any, error) {
		lookup, _ := args[0].(map[string]any)
		grain := "os_family"
		if g, ok := kw["grain"].(string); ok {
			grain = g
		}
		key, _ := traversePath(grains, grain, nil).(string)
		res, ok := lookup[key]
		if !ok {
			if d, ok := kw["default"].(string); ok {
				res = lookup[d]
			}
		}
		if m, ok := kw["merge"].(map[string]any); ok {
			rm, _ := res.(map[string]any)
			out := map[string]any{}
			for k, v := range rm {
				out[k] = v
			}
			for k, v := range m {
				out[k] = v
			}
			res = out
		}
		return res, nil
	}
	s.funcs["test.echo"] = func(args []any, kw map[string]any) (any, error) { return args, nil }
	s.funcs["test.kwargs"] = func(args []any, kw map[string]any) (any, error) { return kw, nil }
	s.funcs["test.fail"] = func(args []any, kw map[string]any) (any, error) { return nil, fmt.Errorf("module failed on purpose") }
	return s
}

type rcase struct {
	name string
	src  string
	vars map[string]any
	want string
	err  string // substring of the error; "" means success expected
}

func runCases(t *testing.T, e *Env, cases []rcase) {
	t.Helper()
	if path := os.Getenv("JINJA_CASES_DUMP"); path != "" {
		// Dev aid: dump cases (without custom vars) for cross-checking against Python's Jinja2.
		fh, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			for _, c := range cases {
				if c.vars == nil {
					b, _ := json.Marshal(map[string]string{"test": t.Name(), "name": c.name, "src": c.src, "want": c.want, "err": c.err})
					fh.Write(append(b, '\n'))
				}
			}
			fh.Close()
		}
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Fatalf("duplicate case name %q", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			vars := c.vars
			if vars == nil {
				vars = defaultVars()
			}
			got, err := e.Render("test.sls", []byte(c.src), vars)
			if c.err != "" {
				if err == nil {
					t.Fatalf("want error containing %q, got output %q", c.err, got)
				}
				if !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %q does not contain %q", err.Error(), c.err)
				}
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error is %T, want *Error", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got != c.want {
				t.Fatalf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

func defaultVars() map[string]any {
	grains := map[string]any{"os": "Debian", "os_family": "Debian", "osmajorrelease": 12, "id": "web1", "ipv4": []any{"127.0.0.1", "10.0.0.5"}, "mem_total": 2048}
	pillar := map[string]any{"ntp": map[string]any{"servers": []any{"a.pool", "b.pool"}}, "users": map[string]any{"bob": map[string]any{"uid": 1001}}}
	return map[string]any{
		"grains": grains,
		"pillar": pillar,
		"salt":   newFakeSalt(grains, pillar),
		"n":      3,
		"f":      2.5,
		"s":      "Hello World",
		"l":      []any{3, 1, 2},
		"d":      map[string]any{"b": 2, "a": 1},
		"strs":   []string{"x", "y"},
		"none":   nil,
		"users":  []any{map[string]any{"name": "bob", "uid": 1001, "admin": true}, map[string]any{"name": "al", "uid": 1000, "admin": false}},
	}
}
