package jinja

import (
	"strings"
	"sync"
	"testing"
)

func formulaLoader() mapLoader {
	return mapLoader{
		"ntp/map.jinja": `{%- import_yaml tplroot ~ "/defaults.yaml" as defaults %}
{%- import_yaml "ntp/osfamilymap.yaml" as osfamilymap %}
{%- set osmap = salt['grains.filter_by'](osfamilymap, grain='os_family') or {} %}
{%- do defaults.ntp.update(osmap) %}
{%- do defaults.ntp.update({'servers': salt['pillar.get']('ntp:servers', defaults.ntp.servers)}) %}
{%- set mapdata = defaults.ntp %}
`,
		"ntp/defaults.yaml":    "ntp:\n  pkg: ntp\n  service: ntp\n  servers: [pool.ntp.org]\n  conf: /etc/ntp.conf\n",
		"ntp/osfamilymap.yaml": "Debian:\n  pkg: ntpsec\n  service: ntpsec\nRedHat:\n  pkg: chrony\n",
		"ntp/init.sls": `{%- from tplroot ~ "/map.jinja" import mapdata as ntp with context %}
ntp:
  pkg.installed:
    - name: {{ ntp.pkg }}
  service.running:
    - name: {{ ntp.service }}
    - servers: {{ ntp.servers|yaml }}
`,
		"macros.jinja":    "{% macro user(name, uid=1000) -%}\n{{ name }}:{{ uid }}\n{%- endmacro %}{% set version = '1.2' %}{% set _private = 1 %}",
		"ctx.jinja":       "{% set seen = local_var|default('no context') %}",
		"greet.txt":       "Hello {{ who }}!\n",
		"data.json":       `{"z": 1, "a": [true, null, 2.5]}`,
		"rendered.yaml":   "host: {{ grains.id }}\nlist: [{% for i in range(3) %}{{ i }}, {% endfor %}]\n",
		"bad.yaml":        "a: [1, 2\n",
		"bad.jinja":       "line one\n{{ 1 // 0 }}\n",
		"badsyntax.jinja": "ok\n\n{% if %}\n",
		"sub/rel.jinja":   "{% from './sib.jinja' import v %}{% set out = v %}",
		"sub/sib.jinja":   "{% set v = 'sibling' %}",
		"loop1.jinja":     "{% include 'loop2.jinja' %}",
		"loop2.jinja":     "{% include 'loop1.jinja' %}",
		"text.txt":        "raw {{ not rendered? }} text",
	}
}

func TestImports(t *testing.T) {
	e := New(formulaLoader())
	runCases(t, e, []rcase{
		{name: "import as namespace", src: "{% import 'macros.jinja' as m %}{{ m.user('bob') }} {{ m.version }}", want: "bob:1000 1.2"},
		{name: "from import with alias", src: "{% from 'macros.jinja' import user as u, version %}{{ u('al', uid=7) }} {{ version }}", want: "al:7 1.2"},
		{name: "salt url prefix stripped", src: "{% from 'salt://macros.jinja' import version %}{{ version }}", want: "1.2"},
		{name: "computed import name", src: "{% set root = 'macros' %}{% import root ~ '.jinja' as m %}{{ m.version }}", want: "1.2"},
		{name: "from import missing name", src: "{% from 'macros.jinja' import nothere %}", err: "does not export the requested name 'nothere'"},
		{name: "from import private name", src: "{% from 'macros.jinja' import _private %}", err: "does not export the requested name '_private'"},
		{name: "import without context cannot see locals", src: "{% set local_var = 'yes' %}{% from 'ctx.jinja' import seen %}{{ seen }}", want: "no context"},
		{name: "import with context sees locals", src: "{% set local_var = 'yes' %}{% from 'ctx.jinja' import seen with context %}{{ seen }}", want: "yes"},
		{name: "import sees render globals", src: "{% from 'ctx.jinja' import seen %}{% import 'rendered.yaml' as r %}{{ seen }}", want: "no context"},
		{name: "include with context", src: "{% set who = 'you' %}{% include 'greet.txt' %}.", want: "Hello you!."},
		{name: "include list first found", src: "{% set who = 'x' %}{% include ['missing.txt', 'greet.txt'] %}", want: "Hello x!"},
		{name: "include ignore missing", src: "a{% include 'missing.txt' ignore missing %}b", want: "ab"},
		{name: "include missing errors", src: "\n{% include 'missing.txt' %}", err: "test.sls:2: template 'missing.txt' not found"},
		{name: "import_yaml", src: "{% import_yaml 'ntp/defaults.yaml' as d %}{{ d.ntp.servers }} {{ d.ntp.pkg }}", want: "['pool.ntp.org'] ntp"},
		{name: "import_yaml is rendered with globals", src: "{% import_yaml 'rendered.yaml' as r %}{{ r.host }} {{ r.list }}", want: "web1 [0, 1, 2]"},
		{name: "import_json", src: "{% import_json 'data.json' as j %}{{ j }}", want: "{'z': 1, 'a': [True, None, 2.5]}"},
		{name: "import_text renders the file (Salt's StrictUndefined: its undefined fails)", src: "{% import_text 'greet.txt' as t %}{{ t|trim }}", err: "'who' is undefined"},
		{name: "import_yaml bad yaml", src: "{% import_yaml 'bad.yaml' as b %}", err: "invalid YAML"},
		{name: "load_yaml block", src: "{% load_yaml as cfg %}\nport: {{ 22 }}\nusers: [a, b]\nenabled: yes\n{% endload %}{{ cfg.port + 1 }} {{ cfg.users }} {{ cfg.enabled }}", want: "23 ['a', 'b'] True"},
		{name: "load_json block", src: `{% load_json as cfg %}{"k": [1, 2]}{% endload %}{{ cfg.k[1] }}`, want: "2"},
		{name: "load_yaml invalid", src: "\n{% load_yaml as x %}a: [{% endload %}", err: "test.sls:2: load_yaml block: invalid YAML"},
		{name: "import_yaml data is mutable", src: "{% import_yaml 'ntp/defaults.yaml' as d %}{% do d.ntp.servers.append('x') %}{{ d.ntp.servers|length }}", want: "2"},
		{name: "runtime error in imported file names that file", src: "{% include 'bad.jinja' %}", err: "/srv/salt/bad.jinja:2: integer division or modulo by zero"},
		{name: "syntax error in imported file names that file", src: "{% import 'badsyntax.jinja' as b %}", err: "/srv/salt/badsyntax.jinja:3: unexpected '%}'"},
		{name: "relative import", src: "{% from 'sub/rel.jinja' import out %}{{ out }}", want: "sibling"},
		{name: "include cycle is bounded", src: "{% include 'loop1.jinja' %}", err: "maximum recursion depth exceeded"},
		{name: "import name undefined", src: "{% import nope as x %}", err: "template name is undefined"},
		{name: "import name not a string", src: "{% import 5 as x %}", err: "template name must be a string"},
	})
}

func TestFormulaMapJinja(t *testing.T) {
	e := New(formulaLoader())
	vars := defaultVars()
	vars["tplroot"] = "ntp"
	src := formulaLoader()["ntp/init.sls"]
	got, err := e.Render("ntp/init.sls", []byte(src), vars)
	if err != nil {
		t.Fatal(err)
	}
	want := "\nntp:\n  pkg.installed:\n    - name: ntpsec\n  service.running:\n    - name: ntpsec\n    - servers: [a.pool, b.pool]\n"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	// A RedHat host takes the other branch of filter_by (and the defaults' service).
	grains := map[string]any{"os_family": "RedHat", "id": "db1"}
	vars["grains"] = grains
	vars["salt"] = newFakeSalt(grains, map[string]any{})
	got, err = e.Render("ntp/init.sls", []byte(src), vars)
	if err != nil {
		t.Fatal(err)
	}
	want = "\nntp:\n  pkg.installed:\n    - name: chrony\n  service.running:\n    - name: ntp\n    - servers: [pool.ntp.org]\n"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

func TestSaltObject(t *testing.T) {
	runCases(t, New(nil), []rcase{
		{name: "salt item call", src: "{{ salt['pillar.get']('users:bob:uid') }}", want: "1001"},
		{name: "salt attr call", src: "{{ salt.pillar.get('users:bob:uid') }}", want: "1001"},
		{name: "salt default positional", src: "{{ salt['pillar.get']('no:such', 'dflt') }}", want: "dflt"},
		{name: "salt default kwarg", src: "{{ salt['grains.get']('no', default=[1]) }}", want: "[1]"},
		{name: "salt args converted to go", src: "{{ salt['test.echo']([1, (2, 3)], {'a': none}) }}", want: "[[1, [2, 3]], {'a': None}]"},
		{name: "salt kwargs converted", src: "{{ salt['test.kwargs'](x={'k': [1]}) }}", want: "{'x': {'k': [1]}}"},
		{name: "salt result mutable", src: "{% set s = salt['pillar.get']('ntp:servers') %}{% do s.append('c') %}{{ s|length }}", want: "3"},
		{name: "salt error becomes render error", src: "\n\n{{ salt['test.fail']() }}", err: "test.sls:3: module failed on purpose"},
		{name: "salt missing function undefined", src: "{{ salt['no.such']('x') }}", err: "'fakeSalt' has no item 'no.such'"},
		{name: "filter_by with merge", src: "{% set m = salt['grains.filter_by']({'Debian': {'a': 1}}, grain='os_family', merge={'b': 2}) %}{{ m|dictsort }}", want: "[('a', 1), ('b', 2)]"},
		{name: "grains filter_by via attribute", src: "{{ salt.grains.filter_by({'Debian': 'deb', 'RedHat': 'rpm'}) }}", want: "deb"},
		{name: "callable var directly", src: "{{ fn(1, k=2) }}", vars: map[string]any{"fn": Callable(func(a []any, k map[string]any) (any, error) { return []any{a[0], k["k"]}, nil })}, want: "[1, 2]"},
		{name: "plain go func var", src: "{{ fn('x') }}", vars: map[string]any{"fn": func(a []any, k map[string]any) (any, error) { return a[0].(string) + "!", nil }}, want: "x!"},
		{name: "go typed map and ints", src: "{{ m }} {{ i + 1 }} {{ u }}", vars: map[string]any{"m": map[string]int{"b": 2, "a": 1}, "i": int64(5), "u": uint8(7)}, want: "{'a': 1, 'b': 2} 6 7"},
	})
}

func TestErrorType(t *testing.T) {
	e := New(nil)
	_, err := e.Render("dir/file.sls", []byte("a\nb\n{{ 1 +* 2 }}\n"), nil)
	fe, ok := err.(*Error)
	if !ok {
		t.Fatalf("want *Error, got %T %v", err, err)
	}
	if fe.File != "dir/file.sls" || fe.Line != 3 || fe.Msg == "" {
		t.Fatalf("bad error fields: %+v", fe)
	}
	if fe.Error() != "dir/file.sls:3: "+fe.Msg {
		t.Fatalf("bad Error(): %q", fe.Error())
	}
}

func TestLimits(t *testing.T) {
	runCases(t, New(nil), []rcase{
		{name: "huge string repeat refused", src: "{{ 'x' * 100000000 }}", err: "string too long"},
		{name: "huge range refused", src: "{{ range(100000000)|length }}", err: "range() too large"},
		{name: "step budget", src: "{% set r = range(10000) %}{% for i in r %}{% for j in r %}{% endfor %}{% endfor %}", err: "template too expensive"},
		{name: "memory budget", src: "{% set l = [] %}{% for i in range(200) %}{% do l.append('x' * 10000000) %}{% endfor %}", err: "template uses too much memory"},
		{name: "list growth by append is not charged quadratically", src: "{% set l = [] %}{% for i in range(100000) %}{% do l.append(i) %}{% endfor %}{{ l|length }}", want: "100000"},
		{name: "deep expression nesting refused", src: "{{ " + strings.Repeat("(", 500) + "1" + strings.Repeat(")", 500) + " }}", err: "nested too deeply"},
		{name: "self referencing list prints", src: "{% set a = [] %}{% do a.append(a) %}{{ a }}", want: "[[...]]"},
		{name: "self referencing dict json errors", src: "{% set a = {} %}{% do a.update({'a': a}) %}{{ a|json }}", err: "circular reference"},
		{name: "pow overflow goes float", src: "{{ (2 ** 100) > 1 }}", want: "True"},
		{name: "deeply nested tuple key is unhashable not a crash", src: "{% set ns = namespace(t=1) %}{% for i in range(5000) %}{% set ns.t = (ns.t,) %}{% endfor %}{{ {ns.t: 1} }}", err: "unhashable type: 'tuple'"},
		{name: "format spec recursion limited", src: "{{ '{:{:{}}}'.format(1, 2, 3) }}", err: "Max string recursion exceeded"},
	})
}

func TestParseCacheAndConcurrency(t *testing.T) {
	e := New(formulaLoader())
	src := []byte(formulaLoader()["ntp/init.sls"])
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				vars := defaultVars()
				vars["tplroot"] = "ntp"
				out, err := e.Render("ntp/init.sls", src, vars)
				if err != nil {
					errs <- err
					return
				}
				if !strings.Contains(out, "ntpsec") {
					errs <- &Error{Msg: "bad output " + out}
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// init.sls, map.jinja, defaults.yaml, osfamilymap.yaml: parsed once each.
	e.mu.RLock()
	n := len(e.cache)
	e.mu.RUnlock()
	if n != 4 {
		t.Fatalf("cache holds %d templates, want 4", n)
	}
	// Same name with different source is a different entry.
	if _, err := e.Render("ntp/init.sls", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	e.mu.RLock()
	n = len(e.cache)
	e.mu.RUnlock()
	if n != 5 {
		t.Fatalf("cache holds %d templates, want 5", n)
	}
}

func TestImportTplVars(t *testing.T) {
	loader := mapLoader{
		"f/sub/map.jinja": "{% set where = tpldir ~ '|' ~ tplfile ~ '|' ~ tpldot %}",
		"f/defaults.yaml": "dir: {{ tpldir }}\n",
		"root.jinja":      "{% set where = tpldir ~ '|' ~ tpldot ~ '|' %}",
	}
	vars := map[string]any{"tpldir": "f", "tplfile": "f/init.sls", "tpldot": "f"}
	runCases(t, New(loader), []rcase{
		{name: "import without context sees its own location", vars: vars, src: "{% from 'f/sub/map.jinja' import where %}{{ where }} {{ tpldir }}", want: "f/sub|f/sub/map.jinja|f.sub f"},
		{name: "import with context sees importer location", vars: vars, src: "{% from 'f/sub/map.jinja' import where with context %}{{ where }}", want: "f|f/init.sls|f"},
		{name: "import_yaml sees its own location", vars: vars, src: "{% import_yaml 'f/defaults.yaml' as d %}{{ d.dir }}", want: "f"},
		{name: "root level template tpldir is dot", vars: vars, src: "{% from 'root.jinja' import where %}{{ where }}", want: ".||"},
		{name: "no tpl vars when the caller did not set them", vars: map[string]any{}, src: "{% from 'root.jinja' import where %}[{{ where }}]", want: "[||]"},
	})
}

func TestExtends(t *testing.T) {
	loader := mapLoader{
		"base.conf":   "# managed\n{% block main %}default main{% endblock %}\n[{% block extra %}base extra{% endblock %}]\n",
		"middle.conf": "{% extends 'base.conf' %}{% block extra %}middle+{{ super() }}{% endblock %}",
		"self.conf":   "{% extends 'self.conf' %}",
		"nested.conf": "{% block outer %}O[{% block inner %}i{% endblock %}]{% endblock %}",
	}
	runCases(t, New(loader), []rcase{
		{name: "block override", src: "{% extends 'base.conf' %}{% block main %}port {{ 22 }}{% endblock %}", want: "# managed\nport 22\n[base extra]"},
		{name: "child output outside blocks dropped but statements run", src: "{% extends 'base.conf' %}dropped{% set x = 'X' %}{% block main %}{{ x }}{% endblock %}", want: "# managed\nX\n[base extra]"},
		{name: "super and multi level", src: "{% extends 'middle.conf' %}{% block extra %}child+{{ super() }}{% endblock %}", want: "# managed\ndefault main\n[child+middle+base extra]"},
		{name: "nested blocks override inner", src: "{% extends 'nested.conf' %}{% block inner %}I{% endblock %}", want: "O[I]"},
		{name: "computed parent name", src: "{% set p = 'base' %}{% extends p ~ '.conf' %}", want: "# managed\ndefault main\n[base extra]"},
		{name: "child trailing newline kept", src: "{% extends 'base.conf' %}\n", want: "# managed\ndefault main\n[base extra]\n"},
		{name: "block without extends renders inline", src: "a{% block b %}B{% endblock %}c", want: "aBc"},
		{name: "super without parent block", src: "{% block b %}{{ super() }}{% endblock %}", err: "no parent block"},
		{name: "extends twice", src: "{% extends 'base.conf' %}{% extends 'base.conf' %}", err: "extended multiple times"},
		{name: "extends cycle bounded", src: "{% extends 'self.conf' %}", err: "maximum recursion depth exceeded"},
		{name: "extends missing parent", src: "\n{% extends 'nope.conf' %}", err: "test.sls:2: template 'nope.conf' not found"},
	})
}

func TestRelativeImportFromTopLevel(t *testing.T) {
	loader := mapLoader{"f/map.jinja": "{% set v = 'map' %}", "f/sub/x.jinja": "{% from '../map.jinja' import v %}{% set w = v ~ '+x' %}", "top.jinja": "{% set v = 'top' %}"}
	e := New(loader)
	// The compiler names the top-level template by its real path; tpldir carries the tree-relative dir.
	out, err := e.Render("/srv/salt/f/init.sls", []byte("{% from './map.jinja' import v %}{% from './sub/x.jinja' import w %}{{ v }} {{ w }}"), map[string]any{"tpldir": "f"})
	if err != nil || out != "map map+x" {
		t.Fatalf("got %q, %v", out, err)
	}
	// Without tpldir the name's directory is used; "." means the tree root.
	out, err = e.Render("f/init.sls", []byte("{% from './map.jinja' import v %}{{ v }}"), nil)
	if err != nil || out != "map" {
		t.Fatalf("got %q, %v", out, err)
	}
	out, err = e.Render("/abs/init.sls", []byte("{% from './top.jinja' import v %}{{ v }}"), map[string]any{"tpldir": "."})
	if err != nil || out != "top" {
		t.Fatalf("got %q, %v", out, err)
	}
}

func TestLoopChanged(t *testing.T) {
	runCases(t, New(nil), []rcase{
		{name: "loop changed", src: "{% for x in [1, 1, 2, 2, 1] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}", want: "121"},
	})
}

func TestGoCallbackPanicIsAnError(t *testing.T) {
	vars := map[string]any{"boom": Callable(func(a []any, k map[string]any) (any, error) { panic("kaboom") })}
	_, err := New(nil).Render("p.sls", []byte("\n{{ boom() }}"), vars)
	fe, ok := err.(*Error)
	if !ok || fe.Line != 2 || !strings.Contains(fe.Msg, "kaboom") {
		t.Fatalf("got %v", err)
	}
}
