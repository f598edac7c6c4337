package jinja

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// maxDataDepth bounds recursion over nested (possibly self-referencing) values.
const maxDataDepth = 200

// pyList is the engine's mutable list (Python list); shared by reference.
type pyList struct{ items []any }

// pyTuple is an immutable sequence (Python tuple).
type pyTuple []any

// pyDict is the engine's mutable, insertion-ordered dict (Python dict).
type pyDict struct {
	keys []any       // normalized keys, insertion order
	m    map[any]any // normalized key -> value
	orig map[any]any // normalized key -> original key, only where they differ (tuples, bools, 1.0)
}

// key returns the original key for a normalized one.
func (d *pyDict) key(hk any) any {
	if o, ok := d.orig[hk]; ok {
		return o
	}
	return hk
}

// undefined is the value of a missing variable, attribute or item.
type undefined struct {
	name string // what was looked up, for messages
	hint string // full message, e.g. "'dict object' has no attribute 'x'"
}

func (u undefined) msg() string {
	if u.hint != "" {
		return u.hint
	}
	return fmt.Sprintf("'%s' is undefined", u.name)
}

func newDict() *pyDict { return &pyDict{m: map[any]any{}} }

func (d *pyDict) Len() int { return len(d.keys) }

func (d *pyDict) Get(k any) (any, bool) {
	hk, ok := hashKey(k)
	if !ok {
		return nil, false
	}
	v, ok := d.m[hk]
	return v, ok
}

// Set stores v under k; it reports false when k is unhashable.
func (d *pyDict) Set(k any, v any) bool {
	hk, ok := hashKey(k)
	if !ok {
		return false
	}
	if _, exists := d.m[hk]; !exists {
		d.keys = append(d.keys, hk)
		if hk != k {
			if d.orig == nil {
				d.orig = map[any]any{}
			}
			d.orig[hk] = k
		}
	}
	d.m[hk] = v
	return true
}

func (d *pyDict) Delete(k any) (any, bool) {
	hk, ok := hashKey(k)
	if !ok {
		return nil, false
	}
	v, exists := d.m[hk]
	if !exists {
		return nil, false
	}
	delete(d.m, hk)
	delete(d.orig, hk)
	for i, kk := range d.keys {
		if kk == hk {
			d.keys = append(d.keys[:i:i], d.keys[i+1:]...)
			break
		}
	}
	return v, true
}

func (d *pyDict) copy() *pyDict {
	n := &pyDict{keys: append([]any(nil), d.keys...), m: make(map[any]any, len(d.m))}
	for k, v := range d.m {
		n.m[k] = v
	}
	for k, v := range d.orig {
		if n.orig == nil {
			n.orig = map[any]any{}
		}
		n.orig[k] = v
	}
	return n
}

// tupleKey is the hashable form of a Tuple used as a dict key.
type tupleKey struct{ repr string }

// hashKey normalizes a value into a Go map key (Python: 1 == 1.0, and True == 1).
func hashKey(k any) (any, bool) { return hashKeyDepth(k, 0) }

func hashKeyDepth(k any, depth int) (any, bool) {
	if depth > maxDataDepth {
		return nil, false
	}
	switch v := k.(type) {
	case nil, string, int:
		return v, true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<62 {
			return int(v), true
		}
		return v, true
	case pyTuple:
		for _, it := range v {
			if _, ok := hashKeyDepth(it, depth+1); !ok {
				return nil, false
			}
		}
		return tupleKey{pyRepr(v)}, true
	case tupleKey:
		return v, true
	}
	return nil, false
}

// fromGo converts plain Go values into engine values.
func fromGo(v any) any { return fromGoDepth(v, 0) }

func fromGoDepth(v any, depth int) any {
	if depth > maxDataDepth {
		return nil
	}
	switch x := v.(type) {
	case nil, string, bool, float64, int, *pyList, *pyDict, pyTuple, undefined, Callable, Getter, *macro, *namespace:
		return x
	case Undefined:
		return undefined{name: x.Name, hint: x.Msg}
	case int64:
		return int(x)
	case int32:
		return int(x)
	case int16:
		return int(x)
	case int8:
		return int(x)
	case uint8:
		return int(x)
	case uint16:
		return int(x)
	case uint32:
		return int(x)
	case uint:
		if x > math.MaxInt64 {
			return float64(x)
		}
		return int(x)
	case uint64:
		if x > math.MaxInt64 {
			return float64(x)
		}
		return int(x)
	case float32:
		return float64(x)
	case func(args []any, kwargs map[string]any) (any, error):
		return Callable(x)
	case []any:
		l := &pyList{items: make([]any, len(x))}
		for i, it := range x {
			l.items[i] = fromGoDepth(it, depth+1)
		}
		return l
	case []string:
		l := &pyList{items: make([]any, len(x))}
		for i, it := range x {
			l.items[i] = it
		}
		return l
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		d := &pyDict{keys: make([]any, len(keys)), m: make(map[any]any, len(keys))}
		for i, k := range keys {
			d.keys[i] = k
			d.m[k] = fromGoDepth(x[k], depth+1)
		}
		return d
	case map[any]any:
		keys := make([]any, 0, len(x))
		for k := range x {
			keys = append(keys, fromGoDepth(k, depth+1))
		}
		sortValues(keys)
		d := newDict()
		for _, k := range keys {
			d.Set(k, fromGoDepth(x[k], depth+1))
		}
		return d
	case error:
		return x.Error()
	case fmt.Stringer:
		return x.String()
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return &pyList{}
		}
		l := &pyList{items: make([]any, rv.Len())}
		for i := range l.items {
			l.items[i] = fromGoDepth(rv.Index(i).Interface(), depth+1)
		}
		return l
	case reflect.Map:
		keys := make([]any, 0, rv.Len())
		vals := map[any]reflect.Value{}
		iter := rv.MapRange()
		for iter.Next() {
			k := fromGoDepth(iter.Key().Interface(), depth+1)
			keys = append(keys, k)
			if hk, ok := hashKey(k); ok {
				vals[hk] = iter.Value()
			}
		}
		sortValues(keys)
		d := newDict()
		for _, k := range keys {
			hk, ok := hashKey(k)
			if !ok {
				continue
			}
			d.Set(k, fromGoDepth(vals[hk].Interface(), depth+1))
		}
		return d
	case reflect.Pointer:
		if rv.IsNil() {
			return nil
		}
		return fromGoDepth(rv.Elem().Interface(), depth+1)
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(rv.Int())
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	}
	return v
}

// sortValues sorts keys deterministically: by Python ordering when possible, else by repr.
func sortValues(keys []any) {
	sort.SliceStable(keys, func(i, j int) bool {
		c, err := compareValues(keys[i], keys[j])
		if err != nil {
			return pyRepr(keys[i]) < pyRepr(keys[j])
		}
		return c < 0
	})
}

// toGo converts engine values back into plain Go values.
func toGo(v any) any { return toGoDepth(v, 0) }

func toGoDepth(v any, depth int) any {
	if depth > maxDataDepth {
		return nil
	}
	switch x := v.(type) {
	case *pyList:
		out := make([]any, len(x.items))
		for i, it := range x.items {
			out[i] = toGoDepth(it, depth+1)
		}
		return out
	case pyTuple:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = toGoDepth(it, depth+1)
		}
		return out
	case *pyDict:
		out := make(map[string]any, len(x.keys))
		for _, k := range x.keys {
			ks, ok := x.key(k).(string)
			if !ok {
				ks = pyStr(x.key(k))
			}
			out[ks] = toGoDepth(x.m[k], depth+1)
		}
		return out
	case *namespace:
		return toGoDepth(x.d, depth)
	case undefined:
		return nil
	}
	return v
}

// deepCopy copies lists and dicts (used for cached data).
func deepCopy(v any, depth int) any {
	if depth > maxDataDepth {
		return nil
	}
	switch x := v.(type) {
	case *pyList:
		out := &pyList{items: make([]any, len(x.items))}
		for i, it := range x.items {
			out.items[i] = deepCopy(it, depth+1)
		}
		return out
	case *pyDict:
		out := x.copy()
		for k, it := range x.m {
			out.m[k] = deepCopy(it, depth+1)
		}
		return out
	}
	return v
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case *pyList:
		return "list"
	case pyTuple:
		return "tuple"
	case *pyDict:
		return "dict"
	case undefined:
		return "Undefined"
	case *macro:
		return "Macro"
	case *namespace:
		return "Namespace"
	case *loopObj:
		return "LoopContext"
	case Callable, *boundMethod, builtinFunc:
		return "function"
	}
	t := strings.TrimLeft(fmt.Sprintf("%T", v), "*")
	if i := strings.LastIndexByte(t, '.'); i >= 0 {
		t = t[i+1:]
	}
	return t
}

// truthy implements Python truthiness.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case *pyList:
		return len(x.items) > 0
	case pyTuple:
		return len(x) > 0
	case *pyDict:
		return len(x.keys) > 0
	case undefined:
		return false
	}
	return true
}

// pyStr is Python's str(v) as Jinja prints it.
func pyStr(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case undefined:
		return ""
	}
	var sb strings.Builder
	writeRepr(&sb, v, 0)
	return sb.String()
}

// pyRepr is Python's repr(v).
func pyRepr(v any) string {
	var sb strings.Builder
	writeRepr(&sb, v, 0)
	return sb.String()
}

func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
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

func quoteString(s string) string {
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

func writeRepr(sb *strings.Builder, v any, depth int) {
	if depth > maxDataDepth {
		sb.WriteString("...")
		return
	}
	switch x := v.(type) {
	case nil:
		sb.WriteString("None")
	case bool:
		if x {
			sb.WriteString("True")
		} else {
			sb.WriteString("False")
		}
	case int:
		sb.WriteString(strconv.Itoa(x))
	case float64:
		sb.WriteString(formatFloat(x))
	case string:
		sb.WriteString(quoteString(x))
	case *pyList:
		sb.WriteByte('[')
		for i, it := range x.items {
			if i > 0 {
				sb.WriteString(", ")
			}
			if it == any(x) {
				sb.WriteString("[...]")
				continue
			}
			writeRepr(sb, it, depth+1)
		}
		sb.WriteByte(']')
	case pyTuple:
		sb.WriteByte('(')
		for i, it := range x {
			if i > 0 {
				sb.WriteString(", ")
			}
			writeRepr(sb, it, depth+1)
		}
		if len(x) == 1 {
			sb.WriteByte(',')
		}
		sb.WriteByte(')')
	case *pyDict:
		sb.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				sb.WriteString(", ")
			}
			writeRepr(sb, x.key(k), depth+1)
			sb.WriteString(": ")
			if x.m[k] == any(x) {
				sb.WriteString("{...}")
				continue
			}
			writeRepr(sb, x.m[k], depth+1)
		}
		sb.WriteByte('}')
	case undefined:
		sb.WriteString("Undefined")
	case *macro:
		fmt.Fprintf(sb, "<Macro '%s'>", x.name)
	case *namespace:
		sb.WriteString("<Namespace ")
		writeRepr(sb, x.d, depth+1)
		sb.WriteString(">")
	case *loopObj:
		fmt.Fprintf(sb, "<LoopContext %d/%d>", x.index0+1, len(x.items))
	case Callable, *boundMethod, builtinFunc:
		sb.WriteString("<function>")
	case *module:
		fmt.Fprintf(sb, "<Template module '%s'>", x.name)
	default:
		fmt.Fprintf(sb, "%v", x)
	}
}

// toFloat reports v as a number (bool counts, as in Python).
func toNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case float64:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func isNumber(v any) bool {
	switch v.(type) {
	case int, float64, bool:
		return true
	}
	return false
}

// valuesEqual implements Python ==.
func valuesEqual(a, b any) bool { return eqDepth(a, b, 0) }

func eqDepth(a, b any, depth int) bool {
	if depth > maxDataDepth {
		return false
	}
	switch x := a.(type) {
	case int, float64, bool:
		if !isNumber(b) {
			return false
		}
		if ai, ok := a.(int); ok {
			if bi, ok := b.(int); ok {
				return ai == bi
			}
		}
		fa, _ := toNumber(a)
		fb, _ := toNumber(b)
		return fa == fb
	case string:
		y, ok := b.(string)
		return ok && x == y
	case nil:
		return b == nil
	case *pyList:
		y, ok := b.(*pyList)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		return seqEq(x.items, y.items, depth)
	case pyTuple:
		y, ok := b.(pyTuple)
		return ok && seqEq(x, y, depth)
	case *pyDict:
		y, ok := b.(*pyDict)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		if len(x.keys) != len(y.keys) {
			return false
		}
		for _, k := range x.keys {
			yv, ok := y.m[k]
			if !ok || !eqDepth(x.m[k], yv, depth+1) {
				return false
			}
		}
		return true
	case undefined:
		_, ok := b.(undefined)
		return ok
	}
	return sameIdentity(a, b)
}

func seqEq(a, b []any, depth int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !eqDepth(a[i], b[i], depth+1) {
			return false
		}
	}
	return true
}

// sameIdentity is Python's "is" for values without value semantics.
func sameIdentity(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	if ta != tb {
		return false
	}
	switch ta.Kind() {
	case reflect.Func:
		return reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer()
	case reflect.Slice:
		va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
		return va.Len() == vb.Len() && (va.Len() == 0 || va.Pointer() == vb.Pointer())
	}
	if !ta.Comparable() {
		return false
	}
	return a == b
}

// compareValues implements Python ordering (<, >, ...) for numbers, strings and sequences.
func compareValues(a, b any) (int, error) { return cmpDepth(a, b, 0) }

func cmpDepth(a, b any, depth int) (int, error) {
	if depth > maxDataDepth {
		return 0, fmt.Errorf("maximum recursion depth exceeded in comparison")
	}
	if isNumber(a) && isNumber(b) {
		ai, aok := a.(int)
		bi, bok := b.(int)
		if aok && bok {
			switch {
			case ai < bi:
				return -1, nil
			case ai > bi:
				return 1, nil
			}
			return 0, nil
		}
		fa, _ := toNumber(a)
		fb, _ := toNumber(b)
		switch {
		case fa < fb:
			return -1, nil
		case fa > fb:
			return 1, nil
		}
		return 0, nil
	}
	if sa, ok := a.(string); ok {
		if sb, ok := b.(string); ok {
			return strings.Compare(sa, sb), nil
		}
	}
	la, aok := asSeq(a)
	lb, bok := asSeq(b)
	_, aList := a.(*pyList)
	_, bList := b.(*pyList)
	if aok && bok && aList == bList {
		for i := 0; i < len(la) && i < len(lb); i++ {
			if eqDepth(la[i], lb[i], depth+1) {
				continue
			}
			return cmpDepth(la[i], lb[i], depth+1)
		}
		switch {
		case len(la) < len(lb):
			return -1, nil
		case len(la) > len(lb):
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("'<' not supported between instances of '%s' and '%s'", typeName(a), typeName(b))
}

func asSeq(v any) ([]any, bool) {
	switch x := v.(type) {
	case *pyList:
		return x.items, true
	case pyTuple:
		return x, true
	}
	return nil, false
}
