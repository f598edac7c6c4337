package compile

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"brine/provision/wire/lowstate"
)

// TestSerializedDictOrder: the order a template's serializers write a
// dict's keys in, as Salt's: |json sorts (Salt's format_json has
// sort_keys=True), |tojson keeps the dict's order (Salt's own tojson),
// |yaml keeps the order of an OrderedDict (data of the pillar's and state
// tree's YAML, copies of it, merges into it) and sorts a plain dict (a
// literal, import_yaml's data, a merge into one) as PyYAML does.
func TestSerializedDictOrder(t *testing.T) {
	root := writeTree(t, map[string]string{
		"top.sls":       "base:\n  '*':\n    - p\n",
		"p.sls":         "d:\n  zeta: 1\n  alpha: 2\n  mid: 3\n",
		"defaults.yaml": "zeta: 0\nalpha: 0\n",
		"s.sls": `{%- import_yaml "defaults.yaml" as defaults %}
{%- set merged_plain = salt['defaults.merge'](defaults, pillar.d, in_place=False) %}
{%- set merged_ordered = salt['defaults.merge'](pillar.d, defaults, in_place=False) %}
pillar-yaml: {test.nop: [{v: {{ (pillar.d|yaml)|tojson }}}]}
pillar-json: {test.nop: [{v: {{ (pillar.d|json)|tojson }}}]}
pillar-tojson: {test.nop: [{v: {{ (pillar.d|tojson)|tojson }}}]}
literal-yaml: {test.nop: [{v: {{ ({'b': 1, 'a': 2}|yaml)|tojson }}}]}
imported-yaml: {test.nop: [{v: {{ (defaults|yaml)|tojson }}}]}
merged-plain-yaml: {test.nop: [{v: {{ (merged_plain|yaml)|tojson }}}]}
merged-ordered-yaml: {test.nop: [{v: {{ (merged_ordered|yaml)|tojson }}}]}
`,
	})
	c := New(Tree{FileRoots: map[string][]string{"base": {root}}, PillarRoots: map[string][]string{"base": {root}}})
	res, err := c.SLS(context.Background(), Host{ID: "h"}, "base", []string{"s"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"pillar-yaml":         "{zeta: 1, alpha: 2, mid: 3}",
		"pillar-json":         `{"alpha": 2, "mid": 3, "zeta": 1}`,
		"pillar-tojson":       `{"zeta": 1, "alpha": 2, "mid": 3}`,
		"literal-yaml":        "{a: 2, b: 1}",
		"imported-yaml":       "{alpha: 0, zeta: 0}",
		"merged-plain-yaml":   "{alpha: 2, mid: 3, zeta: 1}",
		"merged-ordered-yaml": "{zeta: 0, alpha: 0, mid: 3}",
	}
	for _, ch := range res.Low {
		if w, ok := want[ch.ID()]; ok {
			if ch["v"] != w {
				t.Errorf("%s: got %q, want %q", ch.ID(), ch["v"], w)
			}
			delete(want, ch.ID())
		}
	}
	for id := range want {
		t.Errorf("no chunk %s", id)
	}
}

// TestFileTemplateDictOrder: a file template sees the pillar as the host
// has it under salt-ssh (sent as JSON: plain dicts in the YAML's order), so
// |yaml sorts a pillar mapping there while loops keep the YAML's order;
// the SLS that names the file still sees the OrderedDicts (recorded with
// salt-ssh 3007.1 in e2e/testdata/trees/fn-file: orders.j2).
func TestFileTemplateDictOrder(t *testing.T) {
	root := writeTree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - p\n",
		"p.sls":   "d:\n  zeta: {n: 1}\n  alpha: {n: 2}\n",
		"f.j2": "loop: {% for k in pillar.d %}{{ k }} {% endfor %}\n" +
			"yaml: {{ pillar.d|yaml }}\n" +
			"get-yaml: {{ salt['pillar.get']('d')|yaml }}\n" +
			"tojson: {{ salt['pillar.get']('d')|tojson }}\n",
		"s.sls": "sls-yaml: {test.nop: [{v: {{ (pillar.d|yaml)|tojson }}}]}\n" +
			"/tmp/f:\n  file.managed:\n    - source: salt://f.j2\n    - template: jinja\n",
	})
	c := New(Tree{FileRoots: map[string][]string{"base": {root}}, PillarRoots: map[string][]string{"base": {root}}})
	res, err := c.SLS(context.Background(), Host{ID: "h"}, "base", []string{"s"})
	if err != nil {
		t.Fatal(err)
	}
	var body, sls string
	for _, ch := range res.Low {
		switch ch.ID() {
		case "/tmp/f":
			body = string(res.Files[ch.Str(lowstate.KeyFile)])
		case "sls-yaml":
			sls, _ = ch["v"].(string)
		}
	}
	want := "loop: zeta alpha \n" +
		"yaml: {alpha: {n: 2}, zeta: {n: 1}}\n" +
		"get-yaml: {alpha: {n: 2}, zeta: {n: 1}}\n" +
		`tojson: {"zeta": {"n": 1}, "alpha": {"n": 2}}` + "\n"
	if body != want {
		t.Errorf("file template:\n%s\nwant:\n%s", body, want)
	}
	if sls != "{zeta: {n: 1}, alpha: {n: 2}}" {
		t.Errorf("SLS |yaml: %q", sls)
	}
}

// TestPillarRenderError: a pillar SLS that fails to render stops the
// compile with salt-ssh's return (recorded with salt-ssh 3007.1 in
// e2e/testdata/trees/jinja-strict) and the file, line and error as the
// details Salt logs.
func TestPillarRenderError(t *testing.T) {
	root := writeTree(t, map[string]string{
		"top.sls":    "base:\n  '*':\n    - common\n",
		"common.sls": "greeting: hello\n# value: {{ salt['grains.get']('ip4_interfaces:eth1')[0] }}\n",
		"s.sls":      "x: {test.nop: []}\n",
	})
	c := New(Tree{FileRoots: map[string][]string{"base": {root}}, PillarRoots: map[string][]string{"base": {root}}})
	_, err := c.SLS(context.Background(), Host{ID: "h"}, "base", []string{"s"})
	var ce *Errors
	if !errors.As(err, &ce) {
		t.Fatalf("want *Errors, got %v", err)
	}
	want := []string{"Pillar failed to render with the following messages:",
		"Rendering SLS 'common' failed. Please see master log for details."}
	if !slices.Equal(ce.Msgs, want) {
		t.Errorf("return %q", ce.Msgs)
	}
	if len(ce.Details) != 1 || !strings.Contains(ce.Details[0], "common.sls:2: ") || !strings.Contains(ce.Details[0], "has no attribute 0") {
		t.Errorf("details %q", ce.Details)
	}
}

// TestModuleRunArgOrder: a module.run chunk carries its functions in the
// SLS's order, which the map of a chunk loses.
func TestModuleRunArgOrder(t *testing.T) {
	root := writeTree(t, map[string]string{
		"s.sls": "calls:\n  module.run:\n    - test.true: []\n    - cmd.run:\n      - cmd: echo hi\n    - require: []\n",
	})
	c := New(Tree{FileRoots: map[string][]string{"base": {root}}})
	res, err := c.SLS(context.Background(), Host{ID: "h"}, "base", []string{"s"})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Low[0][lowstate.KeyArgOrder]
	if want := []any{"test.true", "cmd.run"}; !slices.Equal(got.([]any), want) {
		t.Errorf("order %v", got)
	}
	if _, ok := res.Low[0].Public()[lowstate.KeyArgOrder]; ok {
		t.Error("show_lowstate shows brine's own key")
	}
}
