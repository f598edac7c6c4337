package pyfmt

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// The expected strings below were printed by CPython 3.11 (repr, str,
// json.dumps) and PyYAML 6.0 (yaml.safe_dump) for the same data.

// odict is an insertion-ordered dict of the caller's own, as a template
// engine has one.
type odict struct {
	keys []string
	m    map[string]any
}

func (d *odict) set(k string, v any) {
	if _, ok := d.m[k]; !ok {
		d.keys = append(d.keys, k)
	}
	d.m[k] = v
}
func (d *odict) PyLen() int { return len(d.keys) }
func (d *odict) PyItems(yield func(k, v any) bool) {
	for _, k := range d.keys {
		if !yield(k, d.m[k]) {
			return
		}
	}
}
func (d *odict) PyGet(k any) (any, bool) {
	s, _ := k.(string)
	v, ok := d.m[s]
	return v, ok
}

type olist struct{ items []any }

func (l *olist) PySeq() ([]any, bool) { return l.items, false }

type tuple []any

func (t tuple) PySeq() ([]any, bool) { return t, true }

type missing struct{ name string }

func (m missing) PyType() string    { return "Undefined" }
func (m missing) PyRepr(p *Printer) { p.WriteString("Undefined") }
func (m missing) PyMissing() string { return "'" + m.name + "' is undefined" }
func boolp(b bool) *bool            { return &b }
func num(s string) json.Number      { return json.Number(s) }
func list(items ...any) []any       { return items }
func dict(kv ...any) map[string]any { return pairs(kv) }
func pairs(kv []any) map[string]any {
	m := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func TestRepr(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{dict("b", list(1, 2.5, nil, true, false), "a", "it's", "c", dict("d", tuple{1}, "e", tuple{})),
			`{'a': "it's", 'b': [1, 2.5, None, True, False], 'c': {'d': (1,), 'e': ()}}`},
		{list(1e16, 1e15, 1e-5, 0.0001, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), 100.0, 1.0/3, 7.0),
			"[1e+16, 1000000000000000.0, 1e-05, 0.0001, -0.0, inf, -inf, 100.0, 0.3333333333333333, 7.0]"},
		{list("\x01", "é", "\u2028", `'"`, "a'b", "tab\there", "nl\n", `\`, "\x7f", "\u00a0", "\U0001F600"),
			`['\x01', 'é', '\u2028', '\'"', "a'b", 'tab\there', 'nl\n', '\\', '\x7f', '\xa0', '😀']`},
		{list(0, -1, num("12345678901234567890"), num("1e5"), int64(7), uint8(3), float32(0.5)),
			"[0, -1, 12345678901234567890, 100000.0, 7, 3, 0.5]"},
		{[]string{"a", "b'c"}, `['a', "b'c"]`},
		{list(boolp(true), boolp(false), (*bool)(nil)), "[True, False, None]"},
		{map[any]any{2: "b", 1: "a"}, "{1: 'a', 2: 'b'}"},
		{list(missing{"x"}), "[Undefined]"},
	}
	for _, c := range cases {
		if got := Repr(c.v); got != c.want {
			t.Errorf("Repr(%#v)\n got %s\nwant %s", c.v, got, c.want)
		}
	}
}

func TestReprOwnTypes(t *testing.T) {
	d := &odict{m: map[string]any{}}
	d.set("z", 1)
	d.set("a", &olist{items: []any{"x"}})
	if got, want := Repr(d), "{'z': 1, 'a': ['x']}"; got != want {
		t.Errorf("insertion order: got %s, want %s", got, want)
	}
	l := &olist{items: []any{1}}
	l.items = append(l.items, l)
	if got, want := Repr(l), "[1, [...]]"; got != want {
		t.Errorf("self-holding list: got %s, want %s", got, want)
	}
	d2 := &odict{m: map[string]any{}}
	d2.set("a", d2)
	if got, want := Repr(d2), "{'a': {...}}"; got != want {
		t.Errorf("self-holding dict: got %s, want %s", got, want)
	}
	deep := tuple{}
	for range 3 * MaxDepth {
		deep = tuple{deep}
	}
	if got := Repr(deep); !strings.Contains(got, "...") {
		t.Errorf("runaway nesting is not cut: %.40s", got)
	}
}

func TestStrTypeTruth(t *testing.T) {
	strs := []struct {
		v    any
		want string
	}{
		{"it's", "it's"}, {nil, "None"}, {true, "True"}, {2.0, "2.0"}, {num("2"), "2"},
		{list(true, nil, "x"), "[True, None, 'x']"}, {missing{"x"}, ""},
	}
	for _, c := range strs {
		if got := Str(c.v); got != c.want {
			t.Errorf("Str(%#v) = %q, want %q", c.v, got, c.want)
		}
	}
	types := []struct {
		v    any
		want string
	}{
		{nil, "NoneType"}, {true, "bool"}, {1, "int"}, {num("1"), "int"}, {num("1.5"), "float"}, {1.5, "float"},
		{"", "str"}, {list(), "list"}, {tuple{}, "tuple"}, {dict(), "dict"}, {&odict{}, "dict"}, {missing{}, "Undefined"},
	}
	for _, c := range types {
		if got := TypeName(c.v); got != c.want {
			t.Errorf("TypeName(%#v) = %q, want %q", c.v, got, c.want)
		}
	}
	for _, v := range []any{nil, false, 0, 0.0, "", list(), dict(), tuple{}, num("0"), num("0.0"), (*bool)(nil), boolp(false), missing{}, &odict{m: map[string]any{}}} {
		if Truth(v) {
			t.Errorf("Truth(%#v) = true, want false", v)
		}
	}
	for _, v := range []any{true, -1, 0.1, " ", list(nil), dict("a", nil), tuple{nil}, num("2"), boolp(true), struct{}{}} {
		if !Truth(v) {
			t.Errorf("Truth(%#v) = false, want true", v)
		}
	}
}

func TestEqualCompare(t *testing.T) {
	eq := [][2]any{{1, 1.0}, {true, 1}, {num("2"), 2}, {list(1, "a"), &olist{items: []any{1.0, "a"}}},
		{dict("a", 1), map[string]any{"a": true}}, {tuple{1}, tuple{1}}, {missing{"a"}, missing{"b"}}}
	for _, p := range eq {
		if !Equal(p[0], p[1]) {
			t.Errorf("%s == %s is False, want True", Repr(p[0]), Repr(p[1]))
		}
	}
	ne := [][2]any{{list(1), tuple{1}}, {"1", 1}, {nil, false}, {dict("a", 1), dict("a", 2)}}
	for _, p := range ne {
		if Equal(p[0], p[1]) {
			t.Errorf("%s == %s is True, want False", Repr(p[0]), Repr(p[1]))
		}
	}
	keys := []any{3, 1.5, true, 0}
	SortKeys(keys)
	if got, want := Repr(keys), "[0, True, 1.5, 3]"; got != want { // sorted([3, 1.5, True, 0])
		t.Errorf("SortKeys: got %s, want %s", got, want)
	}
	if _, err := Compare(list(1), tuple{1}); err == nil || err.Error() != "'<' not supported between instances of 'list' and 'tuple'" {
		t.Errorf("list < tuple: err = %v", err)
	}
}

func TestJSON(t *testing.T) {
	v := dict("b", list(1, 2.5, nil, true), "a", dict("é", "\U0001F600"), "c", dict(), "d", list())
	got, err := JSON(v, 2, true)
	want := "{\n  \"a\": {\n    \"\\u00e9\": \"\\ud83d\\ude00\"\n  },\n  \"b\": [\n    1,\n    2.5,\n    null,\n    true\n  ],\n  \"c\": {},\n  \"d\": []\n}"
	if err != nil || got != want {
		t.Errorf("json.dumps(indent=2, sort_keys=True):\n got %s (%v)\nwant %s", got, err, want)
	}
	got, err = JSON(dict("b", list(1, 2.5e20, tuple{1, 2}), "a", math.NaN()), -1, true)
	if want := `{"a": NaN, "b": [1, 2.5e+20, [1, 2]]}`; err != nil || got != want {
		t.Errorf("json.dumps(sort_keys=True): got %s (%v), want %s", got, err, want)
	}
	if _, err := JSON(list(missing{"nope"}), -1, false); err == nil || !strings.Contains(err.Error(), "'nope' is undefined") {
		t.Errorf("a missing value must not dump: %v", err)
	}
}

func TestYAML(t *testing.T) {
	v := dict("pkgs", list("vim", "yes", "1.5", ""),
		"conf", dict("port", 80, "host", "a: b", "ratio", 0.5, "big", 1e20, "off", "off", "date", "2024-01-01", "opt", nil, "t", true),
		"empty", dict(), "lst", list(), "nested", list(dict("x", 1, "y", list(1, 2)), list(3, 4)), "dash", "-a", "colon", ":a")
	got, err := YAML(v, Block)
	// yaml.safe_dump(v, default_flow_style=False), keys in sorted order, no final newline
	want := "colon: :a\nconf:\n  big: 1.0e+20\n  date: '2024-01-01'\n  host: 'a: b'\n  'off': 'off'\n  opt: null\n  port: 80\n  ratio: 0.5\n  t: true\n" +
		"dash: -a\nempty: {}\nlst: []\nnested:\n- x: 1\n  y:\n  - 1\n  - 2\n- - 3\n  - 4\npkgs:\n- vim\n- 'yes'\n- '1.5'\n- ''"
	if err != nil || got != want {
		t.Errorf("block:\n got %q (%v)\nwant %q", got, err, want)
	}
	got, err = YAML(dict("a", list(1, "yes", nil), "b", dict("c", 1.5, "d", ":x")), Flow)
	if want := "{a: [1, 'yes', null], b: {c: 1.5, d: ':x'}}"; err != nil || got != want {
		t.Errorf("flow: got %q (%v), want %q", got, err, want)
	}
	// PyYAML breaks a flow line before an item that starts past column
	// 80, indenting by 2 per flow level (yaml.safe_dump outputs)
	vh := dict("alpha.example", dict("port", 80, "root", "/srv/alpha"), "mid.example", dict("port", 8081, "root", "/srv/mid"),
		"zeta.example", dict("port", 8080, "root", "/srv/zeta"))
	got, err = YAML(vh, Flow)
	if want := "{alpha.example: {port: 80, root: /srv/alpha}, mid.example: {port: 8081, root: /srv/mid},\n  zeta.example: {port: 8080, root: /srv/zeta}}"; err != nil || got != want {
		t.Errorf("flow wrap:\n got %q (%v)\nwant %q", got, err, want)
	}
	var nums []any
	for i := 0; i < 50; i++ {
		nums = append(nums, i)
	}
	got, err = YAML(dict("k", list(nums[:40]...)), Mixed)
	if want := "k: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,\n  22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39]"; err != nil || got != want {
		t.Errorf("mixed wrap:\n got %q (%v)\nwant %q", got, err, want)
	}
	got, err = YAML(list(list(nums...)), Mixed)
	if want := "- [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,\n  23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42,\n  43, 44, 45, 46, 47, 48, 49]"; err != nil || got != want {
		t.Errorf("mixed list wrap:\n got %q (%v)\nwant %q", got, err, want)
	}
	if got := YAMLPlain("0o17"); got != "0o17" { // YAML 1.1 has no 0o octal
		t.Errorf("YAMLPlain(0o17) = %#v", got)
	}
	for s, want := range map[string]any{"yes": true, "Off": false, "~": nil, "0x1F": 31, "1:30": 90, "1e5": "1e5", "1.0e+5": 100000.0, "2024-01-01": "2024-01-01"} {
		if got := YAMLPlain(s); !Equal(got, want) || TypeName(got) != TypeName(want) {
			t.Errorf("YAMLPlain(%q) = %#v, want %#v", s, got, want)
		}
	}
}

func TestInts(t *testing.T) {
	var v any
	if err := json.Unmarshal([]byte(`{"port": 80, "ratio": 0.5, "l": [2, 1e21]}`), &v); err != nil {
		t.Fatal(err)
	}
	// Python: json.loads('{"port": 80, "ratio": 0.5, "l": [2, 1e21]}')
	if got, want := Repr(Ints(v)), "{'l': [2, 1e+21], 'port': 80, 'ratio': 0.5}"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
