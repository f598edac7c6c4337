package jinja

import "strings"

func builtinTests() map[string]testFunc {
	cmp := func(op string) testFunc {
		return func(r *renderer, v any, a []any) bool {
			if len(a) != 1 {
				r.fail("test needs exactly one argument")
			}
			return r.compare(op, v, a[0])
		}
	}
	t := map[string]testFunc{
		"defined":   func(r *renderer, v any, a []any) bool { _, u := v.(undefined); return !u },
		"undefined": func(r *renderer, v any, a []any) bool { _, u := v.(undefined); return u },
		"none":      func(r *renderer, v any, a []any) bool { return v == nil },
		"mapping": func(r *renderer, v any, a []any) bool {
			switch v.(type) {
			case *pyDict, Getter, *namespace:
				return true
			}
			return false
		},
		"iterable": func(r *renderer, v any, a []any) bool {
			switch v.(type) {
			case *pyDict, *pyList, pyTuple, string, *namespace, undefined:
				return true
			}
			return false
		},
		"sequence": func(r *renderer, v any, a []any) bool {
			switch v.(type) {
			case *pyDict, *pyList, pyTuple, string, undefined:
				return true
			}
			return false
		},
		"string": func(r *renderer, v any, a []any) bool { _, ok := v.(string); return ok },
		"number": func(r *renderer, v any, a []any) bool {
			switch v.(type) {
			case int, float64, bool:
				return true
			}
			return false
		},
		"integer": func(r *renderer, v any, a []any) bool { _, ok := v.(int); return ok },
		"float":   func(r *renderer, v any, a []any) bool { _, ok := v.(float64); return ok },
		"boolean": func(r *renderer, v any, a []any) bool { _, ok := v.(bool); return ok },
		"true":    func(r *renderer, v any, a []any) bool { b, ok := v.(bool); return ok && b },
		"false":   func(r *renderer, v any, a []any) bool { b, ok := v.(bool); return ok && !b },
		"sameas": func(r *renderer, v any, a []any) bool {
			if len(a) != 1 {
				r.fail("sameas needs one argument")
			}
			switch x := v.(type) {
			case nil, bool:
				return v == a[0]
			case *pyList:
				y, ok := a[0].(*pyList)
				return ok && x == y
			case *pyDict:
				y, ok := a[0].(*pyDict)
				return ok && x == y
			case int, string, float64:
				return valuesEqual(v, a[0]) && typeName(v) == typeName(a[0])
			}
			return sameIdentity(v, a[0])
		},
		"in": func(r *renderer, v any, a []any) bool {
			if len(a) != 1 {
				r.fail("in test needs one argument")
			}
			return r.contains(a[0], v)
		},
		"eq": cmp("=="), "equalto": cmp("=="), "==": cmp("=="),
		"ne": cmp("!="), "!=": cmp("!="),
		"gt": cmp(">"), "greaterthan": cmp(">"), ">": cmp(">"),
		"lt": cmp("<"), "lessthan": cmp("<"), "<": cmp("<"),
		"ge": cmp(">="), ">=": cmp(">="),
		"le": cmp("<="), "<=": cmp("<="),
		"divisibleby": func(r *renderer, v any, a []any) bool {
			if len(a) != 1 {
				r.fail("divisibleby needs one argument")
			}
			return truthy(r.compare("==", r.binop("%", v, a[0]), 0))
		},
		"even": func(r *renderer, v any, a []any) bool {
			return valuesEqual(r.binop("%", v, 2), 0)
		},
		"odd": func(r *renderer, v any, a []any) bool {
			return valuesEqual(r.binop("%", v, 2), 1)
		},
		"lower": func(r *renderer, v any, a []any) bool {
			s := pyStr(v)
			return strings.ToLower(s) == s && strings.ToUpper(s) != s
		},
		"upper": func(r *renderer, v any, a []any) bool {
			s := pyStr(v)
			return strings.ToUpper(s) == s && strings.ToLower(s) != s
		},
		"match": func(r *renderer, v any, a []any) bool {
			if len(a) < 1 {
				r.fail("match test needs a pattern")
			}
			ic, ml := regexFlags(a, nil, 1)
			return r.compileRegex(`\A(?:`+pyStr(a[0])+`)`, ic, ml).MatchString(pyStr(v))
		},
		"search": func(r *renderer, v any, a []any) bool {
			if len(a) < 1 {
				r.fail("search test needs a pattern")
			}
			ic, ml := regexFlags(a, nil, 1)
			return r.compileRegex(pyStr(a[0]), ic, ml).MatchString(pyStr(v))
		},
		"callable": func(r *renderer, v any, a []any) bool {
			switch v.(type) {
			case *macro, Callable, *boundMethod, builtinFunc:
				return true
			}
			return false
		},
		"escaped": func(r *renderer, v any, a []any) bool { return false },
		"list":    func(r *renderer, v any, a []any) bool { _, ok := v.(*pyList); return ok },
	}
	return t
}
