// Package match implements Salt's minion targeting matchers as used in top
// files: glob, pcre, list, grain, grain_pcre, pillar, pillar_pcre, ipcidr and
// compound expressions.
package match

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// Target is what a matcher looks at: the minion id, its grains and pillar.
type Target struct {
	ID     string
	Grains map[string]any
	Pillar map[string]any
}

// Match evaluates expr with the matcher kind ("glob" when empty) against t.
func Match(kind, expr string, t Target) (bool, error) {
	switch kind {
	case "", "glob":
		return Glob(expr, t.ID), nil
	case "pcre":
		return regexMatch(expr, t.ID)
	case "list":
		return List(expr, t.ID), nil
	case "grain":
		return Data(expr, t.Grains, false)
	case "grain_pcre":
		return Data(expr, t.Grains, true)
	case "pillar":
		return Data(expr, t.Pillar, false)
	case "pillar_pcre":
		return Data(expr, t.Pillar, true)
	case "ipcidr":
		return IPCIDR(expr, t.Grains)
	case "compound":
		return Compound(expr, t)
	default:
		return false, fmt.Errorf("unsupported matcher %q", kind)
	}
}

// Glob matches a shell glob against s the way Python's fnmatch.fnmatchcase does.
func Glob(pattern, s string) bool {
	if pattern == "*" {
		return true
	}
	if !strings.ContainsAny(pattern, "*?[") {
		return pattern == s
	}
	re, err := regexp.Compile(globToRegexp(pattern))
	if err != nil {
		return pattern == s
	}
	return re.MatchString(s)
}

// globToRegexp translates an fnmatch pattern to an anchored regexp.
func globToRegexp(p string) string {
	var b strings.Builder
	b.WriteString("^(?s:")
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			j := strings.IndexByte(p[i+1:], ']')
			if j < 0 {
				b.WriteString(`\[`)
				continue
			}
			class := p[i+1 : i+1+j]
			if j == 0 { // "[]...]" : ']' first is literal
				k := strings.IndexByte(p[i+2:], ']')
				if k < 0 {
					b.WriteString(`\[`)
					continue
				}
				class = p[i+1 : i+2+k]
				j = k + 1
			}
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += j + 1
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(")$")
	return b.String()
}

// regexMatch is Python's re.match: anchored at the start only.
func regexMatch(expr, s string) (bool, error) {
	re, err := regexp.Compile("^(?:" + expr + ")")
	if err != nil {
		return false, fmt.Errorf("invalid regular expression %q: %w", expr, err)
	}
	return re.MatchString(s), nil
}

// List matches a comma separated list of ids.
func List(expr, id string) bool {
	for _, p := range strings.Split(expr, ",") {
		if strings.TrimSpace(p) == id {
			return true
		}
	}
	return false
}

// Data matches "key:sub:pattern" against nested data (grains or pillar), the
// way Salt's subdict_match does: every colon is tried as the split between the
// key path and the pattern; list values match when any element matches;
// mapping values match when one of their keys matches.
func Data(expr string, data map[string]any, regex bool) (bool, error) {
	if !strings.Contains(expr, ":") {
		return false, nil
	}
	for i := 0; i < len(expr); i++ {
		if expr[i] != ':' {
			continue
		}
		v, ok := Traverse(data, expr[:i], ":")
		if !ok {
			continue
		}
		ok, err := matchValue(v, expr[i+1:], regex)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

func matchValue(v any, pattern string, regex bool) (bool, error) {
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			if _, nested := e.(map[string]any); nested {
				continue
			}
			if ok, err := matchValue(e, pattern, regex); ok || err != nil {
				return ok, err
			}
		}
		return false, nil
	case map[string]any:
		for k := range t {
			if ok, err := matchValue(k, pattern, regex); ok || err != nil {
				return ok, err
			}
		}
		return false, nil
	}
	s := Str(v)
	if regex {
		return regexMatch(strings.ToLower(pattern), strings.ToLower(s))
	}
	return Glob(pattern, s), nil
}

// Str formats a scalar the way Python's str() would for YAML/JSON values.
func Str(v any) string {
	switch t := v.(type) {
	case nil:
		return "None"
	case bool:
		if t {
			return "True"
		}
		return "False"
	case string:
		return t
	case float64:
		if t == float64(int64(t)) && t < 1e15 && t > -1e15 {
			return fmt.Sprintf("%d", int64(t))
		}
		return fmt.Sprint(t)
	default:
		return fmt.Sprint(t)
	}
}

// Traverse looks up a delimited key path ("a:b:0") in nested maps and lists.
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
			var idx int
			if _, err := fmt.Sscanf(part, "%d", &idx); err != nil || idx < 0 || idx >= len(t) {
				return nil, false
			}
			cur = t[idx]
		default:
			return nil, false
		}
	}
	return cur, true
}

// IPCIDR matches the host's ipv4/ipv6 grains against a CIDR or single address.
func IPCIDR(expr string, grains map[string]any) (bool, error) {
	var pfx netip.Prefix
	var err error
	if strings.Contains(expr, "/") {
		pfx, err = netip.ParsePrefix(expr)
	} else {
		var a netip.Addr
		a, err = netip.ParseAddr(expr)
		if err == nil {
			pfx = netip.PrefixFrom(a, a.BitLen())
		}
	}
	if err != nil {
		return false, fmt.Errorf("invalid ipcidr target %q: %w", expr, err)
	}
	for _, g := range []string{"ipv4", "ipv6"} {
		list, _ := grains[g].([]any)
		for _, ip := range list {
			s, _ := ip.(string)
			if a, err := netip.ParseAddr(s); err == nil && pfx.Contains(a) {
				return true, nil
			}
		}
	}
	return false, nil
}
