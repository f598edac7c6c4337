package jinja

import (
	"fmt"
	"math"
	"math/bits"
	"sort"
	"strings"
)

func sortStrings(s []string) { sort.Strings(s) }

// eval evaluates an expression in frame f with Python's semantics, as
// Jinja does. Errors abort the render (r.fail panics) and name r.line:
// evaluating an operand moves r.line to the operand's line, so each case
// sets it back to its own line before it can fail.
func (r *renderer) eval(e expr, f *frame) any {
	ln := e.exprLine()
	r.line = ln
	switch e := e.(type) {
	case *constExpr:
		return e.v
	case *nameExpr:
		// Template variables shadow the globals (range, dict, ...); a
		// name that is neither is undefined, which fails only when used.
		if v, ok := f.lookup(e.name); ok {
			return v
		}
		if v, ok := builtinGlobal(e.name); ok {
			return v
		}
		return undefined{name: e.name}
	case *listExpr:
		l := &pyList{items: make([]any, len(e.items))}
		for i, it := range e.items {
			l.items[i] = r.eval(it, f)
		}
		return l
	case *tupleExpr:
		t := make(pyTuple, len(e.items))
		for i, it := range e.items {
			t[i] = r.eval(it, f)
		}
		return t
	case *dictExpr:
		d := newDict()
		for i, k := range e.keys {
			kv := r.eval(k, f)
			vv := r.eval(e.vals[i], f)
			if !d.Set(kv, vv) {
				r.line = ln
				r.fail("unhashable type: '%s'", typeName(kv))
			}
		}
		return d
	case *unaryExpr:
		x := r.eval(e.x, f)
		r.line = ln
		switch e.op {
		case "not":
			return !truthy(x)
		case "-":
			switch v := x.(type) {
			case int:
				// Python's ints have no bounds; brine's are int64, and a
				// result that does not fit becomes a float, as in
				// arith.
				if v == math.MinInt {
					return -float64(v)
				}
				return -v
			case float64:
				return -v
			case bool:
				if v {
					return -1
				}
				return 0
			}
			r.undefinedCheck(x)
			r.fail("bad operand type for unary -: '%s'", typeName(x))
		case "+":
			if isNumber(x) {
				if b, ok := x.(bool); ok {
					if b {
						return 1
					}
					return 0
				}
				return x
			}
			r.undefinedCheck(x)
			r.fail("bad operand type for unary +: '%s'", typeName(x))
		}
	case *binExpr:
		// and/or short-circuit and return an operand, not a bool
		// ("{{ x or 'default' }}").
		switch e.op {
		case "and":
			l := r.eval(e.l, f)
			if !truthy(l) {
				return l
			}
			return r.eval(e.r, f)
		case "or":
			l := r.eval(e.l, f)
			if truthy(l) {
				return l
			}
			return r.eval(e.r, f)
		}
		l := r.eval(e.l, f)
		rv := r.eval(e.r, f)
		r.line = ln
		return r.binop(e.op, l, rv)
	case *compareExpr:
		// A chain "a < b <= c" is "a < b and b <= c", each operand
		// evaluated once, stopping at the first false comparison.
		l := r.eval(e.first, f)
		for i, op := range e.ops {
			rv := r.eval(e.rest[i], f)
			r.line = ln
			if !r.compare(op, l, rv) {
				return false
			}
			l = rv
		}
		return true
	case *condExpr:
		// "a if cond else b"; without else, a false condition gives an
		// undefined value (Jinja's), not None.
		if truthy(r.eval(e.cond, f)) {
			return r.eval(e.a, f)
		}
		if e.b == nil {
			return undefined{name: "<conditional>", hint: "the inline if-expression evaluated to false and no else section was defined"}
		}
		return r.eval(e.b, f)
	case *attrExpr:
		x := r.eval(e.x, f)
		r.line = ln
		return r.getAttr(x, e.name)
	case *itemExpr:
		x := r.eval(e.x, f)
		k := r.eval(e.key, f)
		r.line = ln
		return r.getItem(x, k)
	case *sliceExpr:
		x := r.eval(e.x, f)
		var lo, hi, st any
		if e.lo != nil {
			lo = r.eval(e.lo, f)
		}
		if e.hi != nil {
			hi = r.eval(e.hi, f)
		}
		if e.step != nil {
			st = r.eval(e.step, f)
		}
		r.line = ln
		return r.slice(x, lo, hi, st)
	case *callExpr:
		fn := r.eval(e.fn, f)
		args, kw := r.evalArgs(e.args, e.kwnames, e.kwvals, e.starArgs, e.starKw, f)
		r.line = ln
		return r.callValue(fn, args, kw)
	case *filterExpr:
		v := r.eval(e.x, f)
		return r.applyFilter(e, v, f)
	case *testExpr:
		v := r.eval(e.x, f)
		fn, ok := r.env.tests[e.name]
		if !ok {
			r.line = ln
			r.fail("No test named '%s'.", e.name)
		}
		args := make([]any, len(e.args))
		for i, a := range e.args {
			args[i] = r.eval(a, f)
		}
		r.line = ln
		res := fn(r, v, args)
		if e.negate {
			return !res
		}
		return res
	}
	r.fail("cannot evaluate %T", e)
	return nil
}

// undefinedCheck fails with the undefined message when v is Undefined.
func (r *renderer) undefinedCheck(vs ...any) {
	for _, v := range vs {
		if u, ok := v.(undefined); ok {
			r.failUndefined(u)
		}
	}
}

// compare applies a comparison operator. Ordering uses compareValues,
// whose error names '<'; it is reworded with the operator the template
// used, as Python's TypeError would be.
func (r *renderer) compare(op string, a, b any) bool {
	switch op {
	case "==":
		return valuesEqual(a, b)
	case "!=":
		return !valuesEqual(a, b)
	case "in":
		return r.contains(b, a)
	case "not in":
		return !r.contains(b, a)
	}
	c, err := compareValues(a, b)
	if err != nil {
		r.undefinedCheck(a, b)
		r.fail("%s", strings.Replace(err.Error(), "'<'", "'"+op+"'", 1))
	}
	switch op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}

// contains is Python's "item in container": a substring for strings,
// equality for lists and tuples, a key for dicts and namespaces, and an
// item lookup for Go values (Getter). Nothing is in an undefined value.
func (r *renderer) contains(container, item any) bool {
	switch c := container.(type) {
	case string:
		s, ok := item.(string)
		if !ok {
			r.undefinedCheck(item)
			r.fail("'in <string>' requires string as left operand, not %s", typeName(item))
		}
		return strings.Contains(c, s)
	case *pyList:
		for _, it := range c.items {
			if valuesEqual(it, item) {
				return true
			}
		}
		return false
	case pyTuple:
		for _, it := range c {
			if valuesEqual(it, item) {
				return true
			}
		}
		return false
	case *pyDict:
		if _, hashable := hashKey(item); !hashable {
			r.fail("unhashable type: '%s'", typeName(item))
		}
		_, ok := c.Get(item)
		return ok
	case *namespace:
		_, ok := c.d.Get(item)
		return ok
	case undefined:
		return false
	case Getter:
		v, ok := c.GetItem(toGo(item))
		if _, missing := v.(Undefined); missing {
			return false
		}
		return ok
	}
	r.fail("argument of type '%s' is not iterable", typeName(container))
	return false
}

// binop applies an arithmetic or string operator: "~" concatenates any
// values as strings (Jinja's), "+" also joins strings, lists and tuples,
// "*" repeats a sequence, "%" on a string is printf-style formatting;
// everything else needs numbers (arith). Results are charged against the
// render's size bounds before they are built.
func (r *renderer) binop(op string, a, b any) any {
	switch op {
	case "~":
		return r.checkLen(pyStr(a) + pyStr(b))
	case "+":
		switch x := a.(type) {
		case string:
			if y, ok := b.(string); ok {
				return r.checkLen(x + y)
			}
		case *pyList:
			if y, ok := b.(*pyList); ok {
				r.checkItems(len(x.items)+len(y.items), len(x.items)+len(y.items))
				out := make([]any, 0, len(x.items)+len(y.items))
				return &pyList{items: append(append(out, x.items...), y.items...)}
			}
		case pyTuple:
			if y, ok := b.(pyTuple); ok {
				r.checkItems(len(x)+len(y), len(x)+len(y))
				return append(append(pyTuple{}, x...), y...)
			}
		}
	case "*":
		if s, n, ok := seqTimes(a, b); ok {
			return r.repeat(s, n)
		}
	case "%":
		if s, ok := a.(string); ok {
			out, err := percentFormat(s, b)
			if err != nil {
				r.fail("%v", err)
			}
			return r.checkLen(out)
		}
	}
	if isNumber(a) && isNumber(b) {
		return r.arith(op, a, b)
	}
	r.undefinedCheck(a, b)
	r.fail("unsupported operand type(s) for %s: '%s' and '%s'", op, typeName(a), typeName(b))
	return nil
}

// checkLen fails when a string result passes maxStringLen, and charges
// it to the render's allocation budget.
func (r *renderer) checkLen(s string) string {
	if len(s) > maxStringLen {
		r.fail("string too long (more than %d bytes)", maxStringLen)
	}
	r.alloc(len(s))
	return s
}

// checkItems checks a list's new length n and charges the added slots
// (16 bytes each: an interface value) to the render's allocation budget.
func (r *renderer) checkItems(n, added int) {
	if n > maxItems {
		r.fail("sequence too long (more than %d items)", maxItems)
	}
	r.alloc(added * 16)
}

// seqTimes recognises sequence repetition, "seq * n" or "n * seq" (a bool
// counts as 0 or 1), and returns the sequence and the count.
func seqTimes(a, b any) (any, int, bool) {
	a, b = boolToInt(a), boolToInt(b)
	if n, ok := b.(int); ok {
		switch a.(type) {
		case string, *pyList, pyTuple:
			return a, n, true
		}
	}
	if n, ok := a.(int); ok {
		switch b.(type) {
		case string, *pyList, pyTuple:
			return b, n, true
		}
	}
	return nil, 0, false
}

// repeat is s * n (a negative n is 0); the size is checked before the
// result is built, so "'x' * 10**12" fails instead of allocating.
func (r *renderer) repeat(s any, n int) any {
	if n < 0 {
		n = 0
	}
	switch x := s.(type) {
	case string:
		if len(x) > 0 && n > maxStringLen/len(x) {
			r.fail("string too long (more than %d bytes)", maxStringLen)
		}
		r.alloc(len(x) * n)
		return strings.Repeat(x, n)
	case *pyList:
		if len(x.items) > 0 && n > maxItems/len(x.items) {
			r.fail("sequence too long (more than %d items)", maxItems)
		}
		r.alloc(len(x.items) * n * 16)
		out := make([]any, 0, len(x.items)*n)
		for i := 0; i < n; i++ {
			out = append(out, x.items...)
		}
		return &pyList{items: out}
	case pyTuple:
		if len(x) > 0 && n > maxItems/len(x) {
			r.fail("sequence too long (more than %d items)", maxItems)
		}
		r.alloc(len(x) * n * 16)
		out := make(pyTuple, 0, len(x)*n)
		for i := 0; i < n; i++ {
			out = append(out, x...)
		}
		return out
	}
	return nil
}

// boolToInt reads a bool as Python does in arithmetic and indexing (True
// is 1); other values are returned as they are.
func boolToInt(v any) any {
	if b, ok := v.(bool); ok {
		if b {
			return 1
		}
		return 0
	}
	return v
}

// arith is numeric arithmetic with Python's semantics. Two ints stay an
// int while the result fits in int64; Python's ints have no bounds, so a
// result that overflows is computed as a float instead (close, where
// Python would be exact). Division "/" always gives a float; floor
// division "//" and modulo "%" round toward negative infinity, so the
// remainder takes the divisor's sign (-7 // 2 == -4, -7 % 2 == 1), unlike
// Go's truncating operators.
func (r *renderer) arith(op string, a, b any) any {
	a, b = boolToInt(a), boolToInt(b)
	ai, aInt := a.(int)
	bi, bInt := b.(int)
	if aInt && bInt {
		switch op {
		case "+":
			// Overflow wrapped the sum when it moved the wrong way.
			s := ai + bi
			if (s > ai) == (bi > 0) {
				return s
			}
			return float64(ai) + float64(bi)
		case "-":
			s := ai - bi
			if (s < ai) == (bi > 0) {
				return s
			}
			return float64(ai) - float64(bi)
		case "*":
			// The full 128-bit product of the magnitudes says whether
			// the result fits.
			if ai == 0 || bi == 0 {
				return 0
			}
			hi, lo := bits.Mul64(uint64(abs(ai)), uint64(abs(bi)))
			if hi == 0 && lo <= math.MaxInt64 && ai != math.MinInt && bi != math.MinInt {
				p := int(lo)
				if (ai < 0) != (bi < 0) {
					p = -p
				}
				return p
			}
			return float64(ai) * float64(bi)
		case "/":
			if bi == 0 {
				r.fail("division by zero")
			}
			return float64(ai) / float64(bi)
		case "//":
			if bi == 0 {
				r.fail("integer division or modulo by zero")
			}
			// MinInt // -1 is the one quotient that overflows.
			if ai == math.MinInt && bi == -1 {
				return -float64(ai)
			}
			// Go truncates toward zero; step down when the signs
			// differ and there is a remainder.
			q := ai / bi
			if (ai%bi != 0) && ((ai < 0) != (bi < 0)) {
				q--
			}
			return q
		case "%":
			if bi == 0 {
				r.fail("integer division or modulo by zero")
			}
			// x % -1 is 0, and MinInt % -1 would trap in Go.
			if bi == -1 {
				return 0
			}
			// Go's remainder has the dividend's sign; Python's the
			// divisor's.
			m := ai % bi
			if m != 0 && ((m < 0) != (bi < 0)) {
				m += bi
			}
			return m
		case "**":
			// A negative exponent gives a float; otherwise square and
			// multiply, falling back to a float on overflow.
			if bi < 0 {
				if ai == 0 {
					r.fail("0.0 cannot be raised to a negative power")
				}
				return math.Pow(float64(ai), float64(bi))
			}
			res := 1
			base := ai
			e := bi
			for e > 0 {
				if e&1 == 1 {
					nr, ok := mulCheck(res, base)
					if !ok {
						return math.Pow(float64(ai), float64(bi))
					}
					res = nr
				}
				e >>= 1
				if e > 0 {
					nb, ok := mulCheck(base, base)
					if !ok {
						return math.Pow(float64(ai), float64(bi))
					}
					base = nb
				}
			}
			return res
		}
	}
	// Any float operand: float arithmetic, with Python's errors for
	// division by zero (Go would give Inf or NaN).
	fa, _ := toNumber(a)
	fb, _ := toNumber(b)
	switch op {
	case "+":
		return fa + fb
	case "-":
		return fa - fb
	case "*":
		return fa * fb
	case "/":
		if fb == 0 {
			r.fail("float division by zero")
		}
		return fa / fb
	case "//":
		if fb == 0 {
			r.fail("float floor division by zero")
		}
		return math.Floor(fa / fb)
	case "%":
		if fb == 0 {
			r.fail("float modulo")
		}
		// As for ints, the result takes the divisor's sign, a zero
		// result included (-0.0 for a negative divisor).
		m := math.Mod(fa, fb)
		if m != 0 && ((m < 0) != (fb < 0)) {
			m += fb
		}
		if m == 0 {
			m = math.Copysign(0, fb)
		}
		return m
	case "**":
		if fa == 0 && fb < 0 {
			r.fail("0.0 cannot be raised to a negative power")
		}
		return math.Pow(fa, fb)
	}
	r.fail("unsupported operator %s", op)
	return nil
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// mulCheck multiplies a and b, reporting false when the product does not
// fit in an int.
func mulCheck(a, b int) (int, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	if a == math.MinInt || b == math.MinInt {
		return 0, false
	}
	hi, lo := bits.Mul64(uint64(abs(a)), uint64(abs(b)))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	p := int(lo)
	if (a < 0) != (b < 0) {
		p = -p
	}
	return p, true
}

// dictMethods and listMethods are the method names "x.name" binds on a
// dict or a list (str methods are the Env's strMethods table). A dict's
// methods win over its keys of the same name, as in Jinja ("d.items" is
// the method; "d['items']" the key).
var dictMethods = map[string]bool{"get": true, "items": true, "keys": true, "values": true, "update": true, "setdefault": true, "pop": true, "copy": true, "popitem": true, "clear": true, "iteritems": true, "iterkeys": true, "itervalues": true, "has_key": true}
var listMethods = map[string]bool{"append": true, "extend": true, "pop": true, "insert": true, "index": true, "count": true, "remove": true, "reverse": true, "sort": true, "copy": true, "clear": true}

// getAttr is "x.name": a method bound to x, a dict's key, a Go value's
// field (Getter), a module's export, a loop or namespace attribute, a
// macro's name and arguments. What x lacks is an undefined value saying
// so, which fails only when it is used (Jinja's default Undefined).
func (r *renderer) getAttr(x any, name string) any {
	switch v := x.(type) {
	case undefined:
		r.failUndefined(v)
	case *pyDict:
		if dictMethods[name] {
			return &boundMethod{recv: v, name: name}
		}
		if it, ok := v.Get(name); ok {
			return it
		}
		return undefined{name: name, hint: fmt.Sprintf("'dict object' has no attribute '%s'", name)}
	case *pyList:
		if listMethods[name] {
			return &boundMethod{recv: v, name: name}
		}
	case pyTuple:
		if name == "index" || name == "count" {
			return &boundMethod{recv: v, name: name}
		}
	case string:
		if _, ok := r.env.strMethods[name]; ok {
			return &boundMethod{recv: v, name: name}
		}
	case Getter:
		if it, ok := v.GetAttr(name); ok {
			return fromGoOrdered(it, r.order)
		}
		return undefined{name: name, hint: fmt.Sprintf("'%s' has no attribute '%s'", typeName(x), name)}
	case *module:
		if it, ok := v.vars[name]; ok {
			return it
		}
		return undefined{name: name, hint: fmt.Sprintf("the template %s does not export '%s'", pyRepr(v.name), name)}
	case *loopObj:
		if it, ok := v.attr(name); ok {
			return it
		}
	case *namespace:
		if it, ok := v.d.Get(name); ok {
			return it
		}
	case *macro:
		switch name {
		case "name":
			return v.name
		case "arguments":
			t := make(pyTuple, len(v.params))
			for i, p := range v.params {
				t[i] = p
			}
			return t
		}
	case int, float64:
		switch name {
		case "real":
			return x
		case "imag":
			return 0
		}
	}
	return undefined{name: name, hint: fmt.Sprintf("'%s' has no attribute '%s'", objDesc(x), name)}
}

func objDesc(x any) string {
	if x == nil {
		return "None"
	}
	return typeName(x) + " object"
}

// getItem is "x[key]": a dict's key, a list's or tuple's index (negative
// from the end), a string's character (by rune). As Jinja does, a string
// key x lacks falls back to the attribute (so "d['items']" on a dict
// without that key is the items method); a missing item is undefined.
func (r *renderer) getItem(x any, key any) any {
	switch v := x.(type) {
	case undefined:
		r.failUndefined(v)
	case *pyDict:
		if it, ok := v.Get(key); ok {
			return it
		}
	case *pyList:
		if i, ok := indexOf(key, len(v.items)); ok {
			return v.items[i]
		}
	case pyTuple:
		if i, ok := indexOf(key, len(v)); ok {
			return v[i]
		}
	case string:
		if _, isInt := key.(int); isInt {
			rs := []rune(v)
			if i, ok := indexOf(key, len(rs)); ok {
				return string(rs[i])
			}
		}
	case Getter:
		if it, ok := v.GetItem(toGo(key)); ok {
			return fromGoOrdered(it, r.order)
		}
		return undefined{name: pyStr(key), hint: fmt.Sprintf("'%s' has no item %s", typeName(x), pyRepr(key))}
	case *module, *loopObj, *namespace, *macro:
		if s, ok := key.(string); ok {
			return r.getAttr(x, s)
		}
	}
	if s, ok := key.(string); ok {
		if _, isDict := x.(*pyDict); isDict && dictMethods[s] {
			return &boundMethod{recv: x, name: s}
		}
		return undefined{name: s, hint: fmt.Sprintf("'%s' has no attribute '%s'", objDesc(x), s)}
	}
	return undefined{name: pyStr(key), hint: fmt.Sprintf("'%s' has no attribute %s", objDesc(x), pyRepr(key))}
}

// indexOf turns an index into a position in a sequence of n: negative
// counts from the end, a bool is 0 or 1; ok is false out of range or for a
// key that is no integer.
func indexOf(key any, n int) (int, bool) {
	i, ok := boolToInt(key).(int)
	if !ok {
		return 0, false
	}
	if i < 0 {
		i += n
	}
	return i, i >= 0 && i < n
}

// slice is Python's x[lo:hi:step] on a list, tuple or string (by rune).
// Missing bounds default to the whole sequence in the step's direction;
// bounds are clamped as Python clamps them (a negative step walks from
// n-1 down to, not including, the stop, and -1 there means "past the
// start", not "the last item").
func (r *renderer) slice(x, lo, hi, st any) any {
	var n int
	switch v := x.(type) {
	case *pyList:
		n = len(v.items)
	case pyTuple:
		n = len(v)
	case string:
		n = len([]rune(v))
	case undefined:
		r.failUndefined(v)
	case *pyDict:
		r.fail("unhashable type: 'slice'")
	default:
		r.fail("'%s' object is not subscriptable", typeName(x))
	}
	step := 1
	if st != nil {
		s, ok := boolToInt(st).(int)
		if !ok {
			r.fail("slice indices must be integers or None")
		}
		if s == 0 {
			r.fail("slice step cannot be zero")
		}
		step = s
	}
	bound := func(v any, def int) int {
		if v == nil {
			return def
		}
		i, ok := boolToInt(v).(int)
		if !ok {
			r.fail("slice indices must be integers or None")
		}
		if i < 0 {
			i += n
			if i < 0 {
				if step < 0 {
					return -1
				}
				return 0
			}
		}
		if i >= n {
			if step < 0 {
				return n - 1
			}
			return n
		}
		return i
	}
	var start, stop int
	if step > 0 {
		start, stop = bound(lo, 0), bound(hi, n)
	} else {
		start, stop = bound(lo, n-1), bound(hi, -1)
		if hi == nil {
			stop = -1
		}
	}
	var idx []int
	if step > 0 {
		for i := start; i < stop; i += step {
			idx = append(idx, i)
		}
	} else {
		for i := start; i > stop; i += step {
			idx = append(idx, i)
		}
	}
	switch v := x.(type) {
	case *pyList:
		out := make([]any, len(idx))
		for j, i := range idx {
			out[j] = v.items[i]
		}
		return &pyList{items: out}
	case pyTuple:
		out := make(pyTuple, len(idx))
		for j, i := range idx {
			out[j] = v[i]
		}
		return out
	case string:
		rs := []rune(v)
		out := make([]rune, len(idx))
		for j, i := range idx {
			out[j] = rs[i]
		}
		return string(out)
	}
	return nil
}
