// Package target selects roster hosts the way salt-ssh does: a glob by
// default, a regular expression (-E) or a list (-L).
package target

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// Kind is a targeting mode.
type Kind int

const (
	// Glob matches ids with shell-style wildcards (*, ?, [abc]).
	Glob Kind = iota
	// PCRE matches ids with a regular expression anchored at the start, as
	// Salt's re.match does.
	PCRE
	// List matches ids named in a comma- or space-separated list.
	List
)

// Matcher reports whether a host id is targeted.
type Matcher func(id string) bool

// New compiles an expression of the given kind.
func New(kind Kind, expr string) (Matcher, error) {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return nil, fmt.Errorf("empty target: give a glob such as '*', a regex with -E or a list with -L")
	}
	switch kind {
	case PCRE:
		re, err := regexp.Compile("^(?:" + expr + ")")
		if err != nil {
			return nil, fmt.Errorf("target %q is not a valid regular expression: %w", expr, err)
		}
		return re.MatchString, nil
	case List:
		set := map[string]bool{}
		for _, f := range strings.FieldsFunc(expr, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			set[f] = true
		}
		return func(id string) bool { return set[id] }, nil
	default:
		if _, err := path.Match(expr, ""); err != nil {
			return nil, fmt.Errorf("target %q is not a valid glob: %w", expr, err)
		}
		return func(id string) bool {
			ok, _ := path.Match(expr, id)
			return ok
		}, nil
	}
}

// Select returns the ids that m matches, in the given order.
func Select(ids []string, m Matcher) []string {
	var out []string
	for _, id := range ids {
		if m(id) {
			out = append(out, id)
		}
	}
	return out
}
