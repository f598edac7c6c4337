package jinja

import "testing"

// TestAdversarialNoInternalErrors renders hostile inputs: each must render or fail with a
// proper *Error, never through the internal-error recovery path.
func TestAdversarialNoInternalErrors(t *testing.T) {
	e := New(mapLoader{"x": "{{ 1 }}"})
	for _, src := range advSrcs {
		_, err := e.Render("adv.sls", []byte(src), defaultVars())
		if err != nil {
			fe, ok := err.(*Error)
			if !ok || contains(fe.Msg, "internal template engine error") {
				t.Errorf("%q: %v", src, err)
			}
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

var advSrcs = []string{
	"{{ l[1:2:0] }}", `{{ "%*d" % (3, 4) }}`, `{{ "%.*f" % (2, 3.14159) }}`, `{{ '{:{}}'.format('a', 5) }}`, `{{ '%c' % 55555555 }}`,
	"{{ -9223372036854775808 // -1 }}", "{{ -9223372036854775807 - 1 }}", "{{ (-9223372036854775807 - 1) % -1 }}", "{{ loop }}", "{{ loop.index }}",
	"{{ range(-5)|list }}", "{{ range(0, 10, -1)|list }}", "{{ range(9223372036854775807)|length }}", "{{ range(-9223372036854775807, 9223372036854775807, 4611686018427387904)|list }}",
	"{{ '{0.}'.format(1) }}", "{{ '{[}'.format(1) }}", "{{ '{!}'.format(1) }}", "{{ '{:'.format(1) }}", "{{ '}'.format(1) }}", "{{ '{0[0]}'.format('') }}",
	"{{ '%(a' % {} }}", "{{ '%' % () }}", "{{ '%(a)s %s' % {'a': 1} }}", "{{ '%z' % 1 }}", "{{ '%5' % 1 }}",
	"{{ 'abc'[10:-10:-1] }}", "{{ l[-100:100] }}", "{{ ''.split(',') }}", "{{ ' '.split() }}", "{{ 'a b'.split(None, 0) }}", "{{ 'a b'.rsplit(None, 1) }}",
	"{{ 'x'.center(-5) }}", "{{ 'x'.zfill(-1) }}", "{{ [].pop(-1) }}", "{{ [1].pop(5) }}", "{{ [1].insert(-100, 2) }}",
	"{{ {}.popitem() }}", "{{ 1|batch(0) }}", "{{ [1]|slice(0) }}", "{{ 1.5|round(1000) }}", "{{ 5|indent(-1) }}",
	"{{ ''|first }}", "{{ []|max }}", "{{ [[]]|flatten }}", "{{ {}|dictsort(by='x') }}", "{{ none|items }}",
	"{{ 1 is divisibleby 0 }}", "{{ 1.5 is even }}", "{{ x is sameas }}", "{{ 2 ** 64 }}", "{{ 2 ** -2000 }}", "{{ 0.0 ** -1 }}", "{{ 10 ** 400 }}",
	"{{ 1e308 * 10 }}", "{{ (1e308 * 10) // 1 }}", "{{ (1e308*10)|int }}", "{{ '%d' % (1e308*10) }}", "{{ '{:d}'.format(1.5) }}", "{{ '{:,}'.format(1234567) }}",
	"{% for a, b in 'ab' %}{% endfor %}", "{% set a, b = 'ab' %}{{ a }}", "{% set a, b = 1 %}", "{{ caller() }}",
	"{% macro m() %}{{ varargs }}{% endmacro %}{{ m(1, 2) }}", "{{ m.x }}", "{% import 'x' as m %}{{ m.nothing }}{{ m }}", "{% include 'x' %}{% include ['x'] %}",
	"{{ {(1, 2): 3} }}", "{{ {(1, [2]): 3} }}", "{{ {1.0: 'a', 1: 'b'} }}", "{{ [1, 2] < [1, 'a'] }}", "{{ (1,) + (2,) }}",
	"{{ namespace() }}", "{{ namespace(a=1)|json }}", "{{ dict(1, 2) }}", "{{ dict([1]) }}", "{{ lipsum() }}",
	"{{ 'a'|regex_replace('(?<=a)', '') }}", "{{ 'a'|regex_replace('a', '\\\\g<0>$1') }}", "{{ salt }}", "{{ salt|json }}", "{{ salt.x.y.z }}",
	"{{ grains|yaml(False) }}", "{{ [none, 1.5, true, 'a: b']|yaml(false) }}", "{{ 'a'|yaml(False) }}", "{{ {'a': {'b': [1, {'c': 2}]}}|yaml(False) }}",
	"{% load_yaml as y %}&a [*a]{% endload %}{{ y }}", "{% load_yaml as y %}a: &x {b: 1}\nc:\n  <<: *x\n  d: 2{% endload %}{{ y }}", "{% load_yaml as y %}!!binary aGk={% endload %}{{ y }}",
	"{% load_yaml as y %}? [1, 2]\n: x{% endload %}{{ y }}", "{% load_yaml as y %}--- 1\n--- 2{% endload %}{{ y }}", "{% load_json as j %}[1, {\"a\": 1e999}]{% endload %}{{ j }}",
	"{{ '\\ud800' }}", "{{ '\\U0010ffff'|json }}", "{{ '\\x00\\x7f\\x85'|yaml }}", "{{ '\\ufeff'|yaml }}", "{{ '\\u2028'|yaml }}",
	"{% for x in [1] recursive %}{{ loop([]) }}{{ loop(5) }}{% endfor %}", "{% for x in [1] %}{{ loop(x) }}{% endfor %}",
	"{% for x in [[1]] recursive %}{{ loop(x) }}{% endfor %}", "{{ l.sort(reverse=true) }}{{ l }}", "{{ [1, 'a'].sort() }}",
	"{{ s.format }}", "{{ s.split(1) }}", "{{ s.split('') }}", "{{ s.replace(1, 2) }}", "{{ s.join(5) }}", "{{ s.startswith(1) }}",
	"{{ '' is upper }}", "{{ [1,2,3]|map('int', 16)|list }}", "{{ [1]|map('nosuch')|list }}", "{{ [1]|select('nosuch')|list }}", "{{ []|sum(start=[]) }}",
	"{{ 'x'|truncate(0) }}", "{{ 'x'|urlencode }}", "{{ {'a b': 'c&d'}|urlencode }}", "{{ 5|filesizeformat }}", "{{ 1e30|filesizeformat(true) }}",
	"{{ {}|xmlattr }}", "{{ [1]|groupby('x')|list }}", "{{ 'x'|base64_decode }}", "{{ 1|center(9999999999) }}", "{{ 'x'|indent(99999999) }}",
	"{% set l = [] %}{% for i in range(2000) %}{% do l.append('x' * 10000000) %}{% endfor %}",
	"{% set l = [1] %}{% for i in range(40) %}{% do l.extend(l) %}{% endfor %}",
	"{% set d2 = {} %}{% for i in range(30) %}{% set d2 = {'a': d2, 'b': d2} %}{% endfor %}{{ d2|length }}{{ d2 == d2 }}",
	"{% set d2 = {} %}{% for i in range(300) %}{% set d2 = {'a': d2} %}{% endfor %}{{ d2 }}{{ d2|json }}{{ d2|yaml }}",
}
