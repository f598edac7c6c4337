package jinja

import (
	"reflect"
	"sort"
	"strings"
	"testing"
)

func TestReads(t *testing.T) {
	loader := mapLoader{
		"formula/map.jinja":     "{% set m = salt['grains.filter_by']({'Debian': {}}, grain='os_family') %}{% set port = pillar.get('port', 22) %}",
		"formula/defaults.yaml": "x: {{ grains['osfinger'] }}",
		"formula/whole.jinja":   "{{ grains | tojson }}",
	}
	tracked := []string{"grains", "pillar", "opts"}
	cases := []struct {
		src     string
		keys    string // var.key,... sorted
		whole   string // vars, sorted
		calls   string // funs
		dynamic bool
	}{
		{src: "{{ grains['os'] }} {{ grains.os_family }} {{ grains.get('osrelease') }} {% if 'roles' in grains %}{% endif %}",
			keys: "grains.os,grains.os_family,grains.osrelease,grains.roles"},
		{src: "{{ pillar.get('a:b', 1) }} {{ opts['test'] }}", keys: "opts.test,pillar.a:b"},
		{src: "{% for k, v in grains.items() %}{% endfor %}", whole: "grains"},
		{src: "{% set g = grains %}{{ g.os }}", whole: "grains"},
		{src: "{{ grains[key] }}", whole: "grains"},
		{src: "{{ salt['pillar.get']('motd:text', '') }} {{ salt.grains.get('id') }}", calls: "pillar.get,grains.get"},
		{src: "{{ salt[fun]() }}", dynamic: true},
		{src: "{% set f = salt['grains.get'] %}", dynamic: true},
		{src: "{% if salt['file.file_exists'] is defined %}{% endif %}"},
		{src: "{% from tpldir ~ '/map.jinja' import m %}{% import_yaml tpldir ~ '/defaults.yaml' as d %}",
			keys: "grains.osfinger,pillar.port", calls: "grains.filter_by"},
		{src: "{% include './whole.jinja' %}", whole: "grains"},
		{src: "{% include name %}", dynamic: true},
		{src: "{% include 'missing.jinja' ignore missing %}"},
	}
	for _, c := range cases {
		e := New(loader)
		r, err := e.Reads("formula/init.sls", []byte(c.src), map[string]any{"tpldir": "formula"}, tracked)
		if err != nil {
			t.Fatalf("%s: %v", c.src, err)
		}
		var keys, whole, calls []string
		for v, ks := range r.Keys {
			for k := range ks {
				keys = append(keys, v+"."+k)
			}
		}
		for v := range r.Whole {
			whole = append(whole, v)
		}
		for _, cl := range r.Calls {
			calls = append(calls, cl.Fun)
		}
		sort.Strings(keys)
		sort.Strings(whole)
		got := [4]string{strings.Join(keys, ","), strings.Join(whole, ","), strings.Join(calls, ","), map[bool]string{true: "dynamic"}[r.Dynamic]}
		want := [4]string{c.keys, c.whole, c.calls, map[bool]string{true: "dynamic"}[c.dynamic]}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", c.src, got, want)
		}
	}
}

func TestReadsSaltCallArguments(t *testing.T) {
	e := New(nil)
	r, _ := e.Reads("x", []byte("{{ salt['grains.filter_by']({}, grain='os', merge=salt['pillar.get']('m')) }}{{ salt['pillar.get'](k) }}"), nil, []string{"grains"})
	if len(r.Calls) != 3 {
		t.Fatalf("calls %+v", r.Calls)
	}
	byFun := map[string][]SaltCall{}
	for _, c := range r.Calls {
		byFun[c.Fun] = append(byFun[c.Fun], c)
	}
	if fb := byFun["grains.filter_by"][0]; fb.Kwargs["grain"] != (Arg{"os", true}) || fb.Kwargs["merge"].Const || fb.Args[0].Const {
		t.Errorf("filter_by: %+v", fb)
	}
	consts := 0
	for _, c := range byFun["pillar.get"] {
		if c.Args[0].Const {
			consts++
		}
	}
	if len(byFun["pillar.get"]) != 2 || consts != 1 {
		t.Errorf("pillar.get constness: %+v", byFun["pillar.get"])
	}
}
