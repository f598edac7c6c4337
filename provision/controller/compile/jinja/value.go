package jinja

import (
	"fmt"
	"math"
	"reflect"

	"brine/provision/lib/pyfmt"
)

// maxDataDepth bounds recursion over nested (possibly self-referencing) values.
const maxDataDepth = pyfmt.MaxDepth

// pyList is the engine's mutable list (Python list); shared by reference.
type pyList struct{ items []any }

// pyTuple is an immutable sequence (Python tuple).
type pyTuple []any

// pyDict is the engine's mutable, insertion-ordered dict (Python dict).
type pyDict struct {
	keys []any       // normalized keys, insertion order
	m    map[any]any // normalized key -> value
	orig map[any]any // normalized key -> original key, only where they differ (tuples, bools, 1.0)
	// ordered: an OrderedDict in Salt (data of the state tree's and
	// pillar's YAML), which `|yaml` dumps in its own order; a plain dict
	// (a literal, import_yaml, load_json, grains) is dumped sorted.
	ordered bool
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
	n := &pyDict{keys: append([]any(nil), d.keys...), m: make(map[any]any, len(d.m)), ordered: d.ordered}
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

// fromGoOrdered is fromGo with dictionary keys in o's order.
func fromGoOrdered(v any, o *KeyOrder) any { return fromGoDepth(v, 0, o) }

func fromGoDepth(v any, depth int, o *KeyOrder) any {
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
			l.items[i] = fromGoDepth(it, depth+1, o)
		}
		return l
	case []string:
		l := &pyList{items: make([]any, len(x))}
		for i, it := range x {
			l.items[i] = it
		}
		return l
	case map[string]any:
		keys := o.Keys(x)
		d := &pyDict{keys: make([]any, len(keys)), m: make(map[any]any, len(keys)), ordered: o.Ordered(x)}
		for i, k := range keys {
			d.keys[i] = k
			d.m[k] = fromGoDepth(x[k], depth+1, o)
		}
		return d
	case map[any]any:
		keys := make([]any, 0, len(x))
		for k := range x {
			keys = append(keys, fromGoDepth(k, depth+1, o))
		}
		sortValues(keys)
		d := newDict()
		for _, k := range keys {
			d.Set(k, fromGoDepth(x[k], depth+1, o))
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
			l.items[i] = fromGoDepth(rv.Index(i).Interface(), depth+1, o)
		}
		return l
	case reflect.Map:
		keys := make([]any, 0, rv.Len())
		vals := map[any]reflect.Value{}
		iter := rv.MapRange()
		for iter.Next() {
			k := fromGoDepth(iter.Key().Interface(), depth+1, o)
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
			d.Set(k, fromGoDepth(vals[hk].Interface(), depth+1, o))
		}
		return d
	case reflect.Pointer:
		if rv.IsNil() {
			return nil
		}
		return fromGoDepth(rv.Elem().Interface(), depth+1, o)
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

// toGo converts engine values back into plain Go values.
func toGo(v any) any { return toGoDepth(v, 0, nil) }

// toGoOrdered is toGo noting each dictionary's key order in o.
func toGoOrdered(v any, o *KeyOrder) any { return toGoDepth(v, 0, o) }

func toGoDepth(v any, depth int, o *KeyOrder) any {
	if depth > maxDataDepth {
		return nil
	}
	switch x := v.(type) {
	case *pyList:
		out := make([]any, len(x.items))
		for i, it := range x.items {
			out[i] = toGoDepth(it, depth+1, o)
		}
		return out
	case pyTuple:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = toGoDepth(it, depth+1, o)
		}
		return out
	case *pyDict:
		out := make(map[string]any, len(x.keys))
		var order []string
		for _, k := range x.keys {
			ks, ok := x.key(k).(string)
			if !ok {
				ks = pyStr(x.key(k))
			}
			out[ks] = toGoDepth(x.m[k], depth+1, o)
			if o != nil {
				order = append(order, ks)
			}
		}
		o.noteDict(out, order, x.ordered)
		return out
	case *namespace:
		return toGoDepth(x.d, depth, o)
	case undefined:
		return nil
	}
	return v
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

func asSeq(v any) ([]any, bool) {
	switch x := v.(type) {
	case *pyList:
		return x.items, true
	case pyTuple:
		return x, true
	}
	return nil, false
}
