package fnmatch

import (
	"regexp"
	"strings"

	"brine/provision/lib/pyfmt"
)

// IncludeExclude is Salt's salt.utils.stringutils.check_include_exclude:
// whether path passes include (when given: it matches one of them) and
// exclude (when given: it matches none). Each of include and exclude is
// nil, a pattern or a list of patterns; a pattern is an fnmatch glob ('*'
// crosses '/') or "E@" and a regular expression searched in path. An empty
// pattern or list is no condition, as in Salt.
func IncludeExclude(path string, include, exclude any) bool {
	incl, excl := patterns(include), patterns(exclude)
	ok := true
	if len(incl) > 0 {
		ok = anyPattern(path, incl)
	}
	if len(excl) > 0 && anyPattern(path, excl) {
		ok = false
	}
	return ok
}

func patterns(v any) []string {
	switch t := v.(type) {
	case string:
		if t != "" {
			return []string{t}
		}
	case []any:
		var out []string
		for _, x := range t {
			out = append(out, pyfmt.Str(x))
		}
		return out
	case []string:
		return t
	}
	return nil
}

func anyPattern(path string, pats []string) bool {
	for _, p := range pats {
		if re, ok := strings.CutPrefix(p, "E@"); ok {
			if m, err := regexp.MatchString(re, path); err == nil && m {
				return true
			}
			continue
		}
		if Match(p, path) {
			return true
		}
	}
	return false
}
