package pyfmt

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Equal is Python's a == b: 1 == 1.0 == True, lists and tuples by their
// items (a list never equals a tuple), dicts by their keys and values.
func Equal(a, b any) bool { return eq(a, b, 0) }

func eq(a, b any, depth int) bool {
	if depth > MaxDepth {
		return false
	}
	if ai, af, aInt, ok := number(a); ok {
		bi, bf, bInt, ok := number(b)
		if !ok {
			return false
		}
		if aInt && bInt {
			return ai == bi
		}
		return af == bf
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case nil:
		return b == nil
	case Missing:
		_, ok := b.(Missing)
		return ok
	case Object:
		return Is(a, b)
	}
	if la, aTuple, ok := seq(a); ok {
		lb, bTuple, ok := seq(b)
		if !ok || aTuple != bTuple {
			return false
		}
		if !aTuple && same(a, b) {
			return true
		}
		return seqEq(la, lb, depth)
	}
	if ma, ok := mapping(a); ok {
		mb, ok := mapping(b)
		if !ok {
			return false
		}
		if same(a, b) {
			return true
		}
		if ma.PyLen() != mb.PyLen() {
			return false
		}
		for k, v := range ma.PyItems {
			w, ok := mb.PyGet(k)
			if !ok || !eq(v, w, depth+1) {
				return false
			}
		}
		return true
	}
	return Is(a, b)
}

func seqEq(a, b []any, depth int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !eq(a[i], b[i], depth+1) {
			return false
		}
	}
	return true
}

// Is is Python's a is b, for values without value semantics: the same
// function, list, dict or object (equal scalars are the same).
func Is(a, b any) bool {
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

// Compare is Python's ordering of a and b (-1, 0 or 1) for numbers,
// strings and lists or tuples of them; other pairs are an error, worded as
// Python's TypeError.
func Compare(a, b any) (int, error) { return cmp(a, b, 0) }

func cmp(a, b any, depth int) (int, error) {
	if depth > MaxDepth {
		return 0, fmt.Errorf("maximum recursion depth exceeded in comparison")
	}
	if ai, af, aInt, ok := number(a); ok {
		if bi, bf, bInt, ok := number(b); ok {
			if aInt && bInt {
				return sign(ai, bi), nil
			}
			return sign(af, bf), nil
		}
	}
	if sa, ok := a.(string); ok {
		if sb, ok := b.(string); ok {
			return strings.Compare(sa, sb), nil
		}
	}
	la, aTuple, aok := seq(a)
	lb, bTuple, bok := seq(b)
	if aok && bok && aTuple == bTuple {
		for i := 0; i < len(la) && i < len(lb); i++ {
			if eq(la[i], lb[i], depth+1) {
				continue
			}
			return cmp(la[i], lb[i], depth+1)
		}
		return sign(len(la), len(lb)), nil
	}
	return 0, fmt.Errorf("'<' not supported between instances of '%s' and '%s'", TypeName(a), TypeName(b))
}

// sign is -1, 0 or 1 as a is less than, neither less nor greater than, or
// greater than b (a NaN is neither, as in Python).
func sign[T int | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// SortKeys sorts values in Python's order, and by their repr where Python
// cannot order them, so that Go maps print the same every time.
func SortKeys(keys []any) {
	sort.SliceStable(keys, func(i, j int) bool { return keyLess(keys[i], keys[j]) })
}

// keyLess is SortKeys' order.
func keyLess(a, b any) bool {
	c, err := Compare(a, b)
	if err != nil {
		return Repr(a) < Repr(b)
	}
	return c < 0
}

// number reads a Python number (bool counts, as in Python): as an int when
// isInt, and always as a float.
func number(v any) (i int, f float64, isInt, ok bool) {
	switch x := v.(type) {
	case int:
		return x, float64(x), true, true
	case float64:
		return 0, x, false, true
	case bool:
		if x {
			return 1, 1, true, true
		}
		return 0, 0, true, true
	case int64, int32, int16, int8:
		n := reflect.ValueOf(x).Int()
		return int(n), float64(n), true, true
	case uint, uint64, uint32, uint16, uint8, uintptr:
		n := reflect.ValueOf(x).Uint()
		if n > 1<<63-1 {
			return 0, float64(n), false, true
		}
		return int(n), float64(n), true, true
	case float32:
		return 0, float64(x), false, true
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return int(n), float64(n), true, true
		}
		if f, err := x.Float64(); err == nil {
			return 0, f, false, true
		}
	}
	return 0, 0, false, false
}
