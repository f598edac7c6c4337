// Package fnmatch is Python's fnmatch, the shell patterns Salt matches
// minion ids, state ids, file names and keys with.
package fnmatch

import (
	"regexp"
	"strings"
)

// Match reports whether s matches the shell pattern as Python's
// fnmatch.fnmatchcase says: '*' and '?' cross '/', [seq] and [!seq] are
// classes, case counts.
func Match(pattern, s string) bool {
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
