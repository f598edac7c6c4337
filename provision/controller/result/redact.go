package result

import (
	"fmt"
	"sort"
	"strings"
)

// Mask replaces secret values in output.
const Mask = "XXX-REDACTED-XXX"

// MinSecret is the shortest value redacted: masking every "1" or "on" in
// the output would hide more than it protects.
const MinSecret = 4

// Redact returns r with every occurrence of a secret value replaced by Mask
// in its return (strings anywhere in it, map keys included) and its error.
func Redact(r HostReturn, secrets []string) HostReturn {
	var use []string
	for _, s := range secrets {
		if len(s) >= MinSecret {
			use = append(use, s)
		}
	}
	if len(use) == 0 {
		return r
	}
	// Longest first, so a secret containing another is masked whole.
	sort.Slice(use, func(i, j int) bool { return len(use[i]) > len(use[j]) })
	pairs := make([]string, 0, 2*len(use))
	for _, s := range use {
		pairs = append(pairs, s, Mask)
	}
	rep := strings.NewReplacer(pairs...)
	r.Error = rep.Replace(r.Error)
	r.Return = redactValue(r.Return, rep)
	if len(r.Notes) > 0 {
		notes := make([]string, len(r.Notes))
		for i, n := range r.Notes {
			notes[i] = rep.Replace(n)
		}
		r.Notes = notes
	}
	return r
}

func redactValue(v any, rep *strings.Replacer) any {
	switch t := v.(type) {
	case string:
		return rep.Replace(t)
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = redactValue(x, rep)
		}
		return out
	case []string:
		out := make([]string, len(t))
		for i, x := range t {
			out[i] = rep.Replace(x)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[rep.Replace(k)] = redactValue(x, rep)
		}
		return out
	default:
		return v
	}
}

// SecretValues collects the string forms of the values at colon-separated
// pillar paths (a map or list at a path contributes every leaf under it).
func SecretValues(pillar map[string]any, paths []string) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case nil:
		case string:
			out = append(out, t)
		case map[string]any:
			for _, x := range t {
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		default:
			out = append(out, fmt.Sprint(t))
		}
	}
	for _, p := range paths {
		var cur any = pillar
		for _, k := range strings.Split(p, ":") {
			m, ok := cur.(map[string]any)
			if !ok {
				cur = nil
				break
			}
			cur = m[k]
		}
		walk(cur)
	}
	return out
}
