// Package shquote quotes strings for /bin/sh, the one place brine does it:
// remote command lines built on the controller, commands states run on the
// host, and Jinja's quote filter.
package shquote

import "strings"

// Quote always single-quotes s, so nothing in it is interpreted by the
// shell (use it for every interpolation into a command line).
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// Arg is Python's shlex.quote: s as is when it holds only characters no
// shell interprets ([A-Za-z0-9_@%+=:,./-]), else Quote(s). Jinja's quote
// filter and command displays use it.
func Arg(s string) string {
	if s == "" {
		return "''"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_@%+=:,./-", c) >= 0) {
			return Quote(s)
		}
	}
	return s
}
