// Package pyfmt shows Go data as Python does: str(), repr(), the truth
// value, == and ordering, and the json.dumps and yaml.safe_dump layouts
// Salt's outputters, serializers and Jinja filters use.
//
// It reads plain data (nil, bool, *bool, Go's integers, float64, json.Number,
// string, []any, []string, map[string]any and map[any]any; Go maps have no
// order, so their keys are sorted) and a caller's own types through three
// hooks: Sequence, Mapping and Object (a template engine's list, ordered
// dict and undefined implement them). A float64 is a Python float; numbers
// decoded by encoding/json are float64s, so pass them through Ints first.
package pyfmt

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// MaxDepth bounds recursion into nested (possibly self-referencing) values.
const MaxDepth = 200

// Sequence is a caller's own Python list or tuple.
type Sequence interface {
	// PySeq returns the items and whether the value is a tuple; a list
	// (not a tuple) must be a comparable type, such as a pointer.
	PySeq() (items []any, tuple bool)
}

// Mapping is a caller's own Python dict, in its own key order; it must be
// a comparable type, such as a pointer.
type Mapping interface {
	PyLen() int
	// PyItems yields the keys (as the program wrote them) and values.
	PyItems(yield func(k, v any) bool)
	// PyGet looks k up with Python's key equality (1 == 1.0 == True).
	PyGet(k any) (any, bool)
}

// OrderedMapping is a Mapping that may be an OrderedDict (collections'
// or Salt's): PyOrdered reports whether it is. YAML dumps an ordered
// mapping's items in its order, any other's sorted (PyYAML's sort_keys
// and Salt's SafeOrderedDumper).
type OrderedMapping interface {
	Mapping
	PyOrdered() bool
}

// Object is a caller's own value of another Python type (a macro, a
// function, a template engine's undefined).
type Object interface {
	// PyType is the Python type name ("Macro", "function").
	PyType() string
	// PyRepr writes repr(); a value holding others writes them with p.Repr.
	PyRepr(p *Printer)
}

// Missing is an Object that stands for a missing value (a template
// engine's undefined): str() of it is "", it is false, equal to any other
// Missing, and it cannot be dumped: PyMissing says what is missing.
type Missing interface {
	Object
	PyMissing() string
}

// Printer accumulates a repr, counting how deep it is.
type Printer struct {
	b     strings.Builder
	depth int
}

// WriteString writes s as it is.
func (p *Printer) WriteString(s string) { p.b.WriteString(s) }

// Repr writes repr(v) of a value held by the one being written.
func (p *Printer) Repr(v any) {
	p.depth++
	p.repr(v)
	p.depth--
}

// Str is Python's str(v): a string as it is, a number as its repr, "" for
// a Missing value, repr(v) for the rest.
func Str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case Missing:
		return ""
	}
	return Repr(v)
}

// Repr is Python's repr(v): {'a': [1, 2.0, None, True]}.
func Repr(v any) string {
	var p Printer
	p.repr(v)
	return p.b.String()
}

func (p *Printer) repr(v any) {
	if p.depth > MaxDepth {
		p.b.WriteString("...")
		return
	}
	v = optional(v)
	if s, ok := scalar(v, Float); ok {
		p.b.WriteString(s)
		return
	}
	switch x := v.(type) {
	case string:
		p.b.WriteString(Quote(x))
		return
	case Object:
		x.PyRepr(p)
		return
	}
	if items, tuple, ok := seq(v); ok {
		p.seq(v, items, tuple)
		return
	}
	if m, ok := mapping(v); ok {
		p.b.WriteByte('{')
		i := 0
		for k, val := range m.PyItems {
			if i > 0 {
				p.b.WriteString(", ")
			}
			i++
			p.Repr(k)
			p.b.WriteString(": ")
			if same(val, v) {
				p.b.WriteString("{...}")
				continue
			}
			p.Repr(val)
		}
		p.b.WriteByte('}')
		return
	}
	fmt.Fprintf(&p.b, "%v", v)
}

func (p *Printer) seq(v any, items []any, tuple bool) {
	open, end := byte('['), byte(']')
	if tuple {
		open, end = '(', ')'
	}
	p.b.WriteByte(open)
	for i, it := range items {
		if i > 0 {
			p.b.WriteString(", ")
		}
		if !tuple && same(it, v) {
			p.b.WriteString("[...]")
			continue
		}
		p.Repr(it)
	}
	if tuple && len(items) == 1 {
		p.b.WriteByte(',')
	}
	p.b.WriteByte(end)
}

// scalar formats None, a bool or a number with float for floats; ok is
// false for anything else.
func scalar(v any, float func(float64) string) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "None", true
	case bool:
		if x {
			return "True", true
		}
		return "False", true
	case int:
		return strconv.Itoa(x), true
	case float64:
		return float(x), true
	case json.Number:
		if !strings.ContainsAny(string(x), ".eE") {
			return string(x), true // an int, however long
		}
		if f, err := x.Float64(); err == nil || math.IsInf(f, 0) {
			return float(f), true
		}
		return string(x), true
	case int64, int32, int16, int8:
		return strconv.FormatInt(reflect.ValueOf(x).Int(), 10), true
	case uint, uint64, uint32, uint16, uint8, uintptr:
		return strconv.FormatUint(reflect.ValueOf(x).Uint(), 10), true
	case float32:
		return float(float64(x)), true
	}
	return "", false
}

// nonFinite spells an infinity (with a sign) or nan as the format does
// ("inf" and "nan", "Infinity" and "NaN", ".inf" and ".nan").
func nonFinite(f float64, inf, nan string) (string, bool) {
	switch {
	case math.IsInf(f, 1):
		return inf, true
	case math.IsInf(f, -1):
		return "-" + inf, true
	case math.IsNaN(f):
		return nan, true
	}
	return "", false
}

// optional reads an optional bool (such as a state's result) as None or
// the bool.
func optional(v any) any {
	if b, ok := v.(*bool); ok {
		if b == nil {
			return nil
		}
		return *b
	}
	return v
}

// Float is Python's repr() (and str()) of a float: 7.0, 0.1, 1e+16, inf.
func Float(f float64) string {
	if s, ok := nonFinite(f, "inf", "nan"); ok {
		return s
	}
	if f == 0 {
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

// Quote is Python's repr() of a str: single quotes unless s holds one and
// no double quote, unprintable characters escaped.
func Quote(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	var sb strings.Builder
	sb.WriteByte(q)
	for _, r := range s {
		switch {
		case r == '\\':
			sb.WriteString(`\\`)
		case r == rune(q):
			sb.WriteByte('\\')
			sb.WriteByte(q)
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\r':
			sb.WriteString(`\r`)
		case r == '\t':
			sb.WriteString(`\t`)
		case r == ' ':
			sb.WriteRune(r)
		case !unicode.IsPrint(r) && r < 0x100:
			fmt.Fprintf(&sb, `\x%02x`, r)
		case !unicode.IsPrint(r) && r < 0x10000:
			fmt.Fprintf(&sb, `\u%04x`, r)
		case !unicode.IsPrint(r):
			fmt.Fprintf(&sb, `\U%08x`, r)
		default:
			sb.WriteRune(r)
		}
	}
	sb.WriteByte(q)
	return sb.String()
}

// TypeName is Python's type(v).__name__: "str", "dict", "NoneType".
func TypeName(v any) string {
	v = optional(v)
	switch x := v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case string:
		return "str"
	case float64, float32:
		return "float"
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			return "float"
		}
		return "int"
	case int, int64, int32, int16, int8, uint, uint64, uint32, uint16, uint8, uintptr:
		return "int"
	case Object:
		return x.PyType()
	}
	if _, tuple, ok := seq(v); ok {
		if tuple {
			return "tuple"
		}
		return "list"
	}
	if _, ok := mapping(v); ok {
		return "dict"
	}
	t := strings.TrimLeft(fmt.Sprintf("%T", v), "*")
	if i := strings.LastIndexByte(t, '.'); i >= 0 {
		t = t[i+1:]
	}
	return t
}

// Truth is Python's truth value: None, False, 0, 0.0, "" and empty
// containers are false, as is a Missing value; everything else is true.
func Truth(v any) bool {
	v = optional(v)
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case json.Number:
		f, err := x.Float64()
		return err != nil || f != 0
	case Missing:
		return false
	case Object:
		return true
	}
	if i, f, isInt, ok := number(v); ok {
		if isInt {
			return i != 0
		}
		return f != 0
	}
	if items, _, ok := seq(v); ok {
		return len(items) > 0
	}
	if m, ok := mapping(v); ok {
		return m.PyLen() > 0
	}
	return true
}

// Ints returns v with each whole float64 an int, in lists and dicts too:
// encoding/json decodes every number as a float64, where Python's
// json.loads of the same text (Go writes 2.0 as 2) has an int.
func Ints(v any) any {
	switch t := v.(type) {
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1<<63 {
			return int(t)
		}
		return t
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = Ints(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = Ints(e)
		}
		return out
	}
	return v
}

// seq returns v's items when v is a list or tuple.
func seq(v any) (items []any, tuple, ok bool) {
	switch x := v.(type) {
	case []any:
		return x, false, true
	case []string:
		items := make([]any, len(x))
		for i, s := range x {
			items[i] = s
		}
		return items, false, true
	case Sequence:
		items, tuple := x.PySeq()
		return items, tuple, true
	}
	return nil, false, false
}

// mapping returns v as a Mapping when v is a dict.
func mapping(v any) (Mapping, bool) {
	switch x := v.(type) {
	case map[string]any:
		return strMap(x), true
	case map[any]any:
		return anyMap(x), true
	case Mapping:
		return x, true
	}
	return nil, false
}

// same reports whether a is b itself (a list or dict holding itself).
func same(a, b any) bool {
	t := reflect.TypeOf(b)
	return t != nil && t.Comparable() && a == b
}

// strMap is a Go map with string keys as a dict, keys sorted.
type strMap map[string]any

func (m strMap) PyLen() int { return len(m) }

func (m strMap) PyItems(yield func(k, v any) bool) { goMapItems(m, slices.Sort, yield) }

func (m strMap) PyGet(k any) (any, bool) {
	s, ok := k.(string)
	if !ok {
		return nil, false
	}
	v, ok := m[s]
	return v, ok
}

// anyMap is a Go map with any keys as a dict, keys in Python's order.
type anyMap map[any]any

func (m anyMap) PyLen() int { return len(m) }

func (m anyMap) PyItems(yield func(k, v any) bool) { goMapItems(m, SortKeys, yield) }

// goMapItems yields a Go map's items, its keys sorted by sortKeys.
func goMapItems[K comparable](m map[K]any, sortKeys func([]K), yield func(k, v any) bool) {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortKeys(keys)
	for _, k := range keys {
		if !yield(k, m[k]) {
			return
		}
	}
}

func (m anyMap) PyGet(k any) (any, bool) {
	if t := reflect.TypeOf(k); t != nil && !t.Comparable() {
		return nil, false
	}
	v, ok := m[k]
	return v, ok
}
