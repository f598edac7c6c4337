package jinja

import (
	"strings"
	"testing"
)

// FuzzRender checks that arbitrary templates either render or fail with an *Error,
// never panic, and never hit the internal-error recovery path.
func FuzzRender(f *testing.F) {
	seeds := []string{
		"{{ 1 + 2 }}",
		`{{ "%s-%s" % ('a','b') }}`,
		"{% for k, v in d.items() %}{{ loop.index }}{{ k }}{% endfor %}",
		"{% macro m(a, b=1) %}{{ a ~ b }}{% endmacro %}{{ m(2, b=3) }}",
		"{% set x = [] %}{% do x.append(1) %}{{ x|json }}",
		"{{ d|yaml }} {{ l|sort|join(',') }} {{ s.split()|first }}",
		"{%- if grains.os == 'Debian' -%} deb {%- else -%} other {%- endif %}\n",
		"{% import_yaml 'a.yaml' as a %}{{ a.k }}",
		"{% from 'm.jinja' import mac with context %}{{ mac() }}",
		"{% load_yaml as y %}a: [1, 2]{% endload %}{{ y.a[1] }}",
		"{{ '{0:>5}|{1:.2f}'.format('a', 2) }}",
		"{% raw %}{{ x }}{% endraw %}",
		"{{ salt['pillar.get']('a:b', 'c') }}",
		"{% set ns = namespace(n=0) %}{% for i in range(3) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}",
		"{{ l[::-1] }} {{ s[1:3] }} {{ 7 // 2 }} {{ 7 / 2 }} {{ -7 % 3 }}",
		"{% filter upper %}x{% endfilter %}{{ 'a'|regex_replace('a', 'b') }}",
		"{% extends 'base' %}{% block b %}[{{ super() }}]{% endblock %}",
		"{% call(x) m(1) %}{{ x }}{% endcall %}",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	loader := mapLoader{
		"a.yaml":  "k: {{ 1 + 1 }}\nl: [x, y]\n",
		"m.jinja": "{% macro mac() %}{{ grains.os }}{% endmacro %}",
		"self":    "{% include 'self' %}",
		"base":    "<{% block b %}base{% endblock %}>{% block c %}{% endblock %}",
		"ext":     "{% extends 'ext' %}",
	}
	e := New(loader)
	f.Fuzz(func(t *testing.T, src string) {
		out, err := e.Render("fuzz.sls", []byte(src), defaultVars())
		if err != nil {
			fe, ok := err.(*Error)
			if !ok {
				t.Fatalf("error is %T, not *Error: %v", err, err)
			}
			if strings.Contains(fe.Msg, "internal template engine error") {
				t.Fatalf("internal error for %q: %v", src, err)
			}
			return
		}
		if len(out) > maxOutput+1 {
			t.Fatalf("output larger than the cap: %d", len(out))
		}
	})
}
