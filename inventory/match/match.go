// Package match implements Salt's minion targeting matchers: glob, pcre,
// list, grain, grain_pcre, pillar, pillar_pcre, ipcidr, compound
// expressions and nodegroups. Top files use them on the compiled host; the
// command line's targeting (inventory/target) uses them on cached grains.
package match

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"brine/provision/lib/fnmatch"
	"brine/provision/lib/pyfmt"
)

// Target is what a matcher looks at: the minion id, its grains and pillar.
type Target struct {
	ID     string
	Grains map[string]any
	Pillar map[string]any
	// Nodegroups are the named targets N@ and `match: nodegroup` refer to.
	Nodegroups Nodegroups
}

// Match evaluates expr with the matcher kind ("glob" when empty; see
// Parse for the kinds) against t.
func Match(kind, expr string, t Target) (bool, error) {
	e, err := Parse(kind, expr, t.Nodegroups)
	if err != nil {
		return false, err
	}
	return e.Match(t), nil
}

// regexMatch is Python's re.match: anchored at the start only.
func regexMatch(expr, s string) (bool, error) {
	re, err := compileMatch(expr)
	if err != nil {
		return false, err
	}
	return re.MatchString(s), nil
}

// compileMatch compiles expr anchored at the start, like re.match.
func compileMatch(expr string) (*regexp.Regexp, error) {
	re, err := regexp.Compile("^(?:" + expr + ")")
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %q: %w", expr, err)
	}
	return re, nil
}

// Data matches "key:sub:pattern" against nested data (grains or pillar) the
// way Salt's subdict_match does: the delimiter may appear in the key path
// and in the pattern, so every split is tried, the deepest key path first;
// a list value matches when any element matches; a mapping value matches a
// pattern that is one of its keys ("*" for any) or a sub-match below it.
// Globs and regexes compare lower-cased, as Salt does. delim is ":" unless
// the target gave another one (G%@a%b). The error is for a regex that no
// split makes valid.
func Data(expr string, data map[string]any, regex bool, delim string) (bool, error) {
	if delim == "" {
		delim = DefaultDelim
	}
	splits := strings.Split(expr, delim)
	if len(splits) == 1 {
		return false, nil
	}
	if regex {
		// A split whose pattern is not a valid regex is skipped, as Salt
		// does; when none is valid the target itself is wrong.
		var first error
		for i := 1; i < len(splits); i++ {
			_, err := compileMatch(strings.ToLower(strings.Join(splits[i:], delim)))
			if err == nil {
				first = nil
				break
			}
			if first == nil {
				first = err
			}
		}
		if first != nil {
			return false, first
		}
	}
	return subdictMatch(splits, data, regex, delim), nil
}

// DefaultDelim separates key path and pattern in grain and pillar targets.
const DefaultDelim = ":"

func subdictMatch(splits []string, data map[string]any, regex bool, delim string) bool {
	for i := len(splits) - 1; i > 0; i-- {
		key := strings.Join(splits[:i], delim)
		pattern := strings.Join(splits[i:], delim)
		var v any = data
		if key == "*" {
			pattern = strings.Join(splits, delim)
		} else {
			var ok bool
			if v, ok = Traverse(data, key, delim); !ok {
				continue
			}
		}
		if matchValue(v, pattern, regex, delim) {
			return true
		}
	}
	return false
}

// matchValue is subdict_match's per-value step: lists by element, maps by
// dictMatch, scalars by their string form.
func matchValue(v any, pattern string, regex bool, delim string) bool {
	switch t := v.(type) {
	case map[string]any:
		return dictMatch(t, pattern, regex, delim)
	case []any:
		for _, e := range t {
			if m, isMap := e.(map[string]any); isMap {
				if dictMatch(m, pattern, regex, delim) {
					return true
				}
				continue
			}
			if scalarMatch(e, pattern, regex) {
				return true
			}
		}
		return false
	}
	return scalarMatch(v, pattern, regex)
}

// dictMatch is Salt's _dict_match: "*" means the map is there, a pattern
// naming a key matches, else the pattern is tried below it; a leading "*:"
// searches every value.
func dictMatch(m map[string]any, pattern string, regex bool, delim string) bool {
	wildcard := strings.HasPrefix(pattern, "*"+delim)
	if wildcard {
		pattern = pattern[1+len(delim):]
	}
	if pattern == "*" {
		return true
	}
	if _, ok := m[pattern]; ok {
		return true
	}
	if splits := strings.Split(pattern, delim); len(splits) > 1 && subdictMatch(splits, m, regex, delim) {
		return true
	}
	if !wildcard {
		return false
	}
	for _, v := range m {
		switch t := v.(type) {
		case map[string]any:
			if dictMatch(t, pattern, regex, delim) {
				return true
			}
		case []any:
			for _, e := range t {
				if scalarMatch(e, pattern, regex) {
					return true
				}
			}
		default:
			if scalarMatch(v, pattern, regex) {
				return true
			}
		}
	}
	return false
}

// scalarMatch compares str(v) with pattern, both lower-cased: a glob, or a
// regex anchored at the start (re.match); an invalid regex matches nothing.
func scalarMatch(v any, pattern string, regex bool) bool {
	s, p := strings.ToLower(pyfmt.Str(v)), strings.ToLower(pattern)
	if regex {
		ok, err := regexMatch(p, s)
		return ok && err == nil
	}
	return fnmatch.Match(p, s)
}

// Traverse looks up a delimited key path ("a:b:0") in nested maps and
// lists, as Salt's traverse_dict_and_list does: in a list, a part is first
// looked up as a key of the maps the list holds, then as an index.
func Traverse(data any, key, delim string) (any, bool) {
	cur := data
	for _, part := range strings.Split(key, delim) {
		switch t := cur.(type) {
		case map[string]any:
			v, ok := t[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			found := false
			for _, e := range t {
				if m, ok := e.(map[string]any); ok {
					if v, ok := m[part]; ok {
						cur, found = v, true
						break
					}
				}
			}
			if found {
				continue
			}
			idx, err := strconv.Atoi(part)
			if err != nil || idx < 0 || idx >= len(t) {
				return nil, false
			}
			cur = t[idx]
		default:
			return nil, false
		}
	}
	return cur, true
}
