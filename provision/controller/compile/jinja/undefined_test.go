package jinja

import (
	"strings"
	"testing"
)

// missingGetter answers every item with Undefined except "ok".
type missingGetter struct{}

func (missingGetter) GetAttr(name string) (any, bool) { return missingGetter{}.GetItem(name) }
func (missingGetter) GetItem(key any) (any, bool) {
	if key == "ok" {
		return Callable(func([]any, map[string]any) (any, error) { return "yes", nil }), true
	}
	return Undefined{Name: key.(string), Msg: "'" + key.(string) + "' is not available."}, true
}

func TestGetterUndefined(t *testing.T) {
	e := New(nil)
	vars := map[string]any{"s": missingGetter{}}
	out, err := e.Render("t", []byte(`{{ s['ok'] is callable }} {{ s['nope'] is callable }} {{ s['nope'] is defined }} {{ 'nope' in s }} {{ 'ok' in s }} {{ s['ok']() }}`), vars)
	if err != nil || out != "True False False False True yes" {
		t.Fatalf("got %q, %v", out, err)
	}
	_, err = e.Render("t.sls", []byte("a\n{{ s['no_such.fn']('x') }}"), vars)
	if err == nil || err.Error() != "t.sls:2: 'no_such.fn' is not available." {
		t.Errorf("call of an undefined item: %v", err)
	}
	_, err = e.Render("t.sls", []byte("{{ s.nope.attr }}"), vars)
	if err == nil || !strings.Contains(err.Error(), "'nope' is not available.") {
		t.Errorf("attribute of an undefined attribute: %v", err)
	}
}
