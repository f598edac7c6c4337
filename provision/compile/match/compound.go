package match

import (
	"fmt"
	"strings"
)

// engines maps compound prefixes to matcher kinds.
func engines() map[string]string {
	return map[string]string{
		"G": "grain", "P": "grain_pcre", "E": "pcre", "L": "list",
		"I": "pillar", "J": "pillar_pcre", "S": "ipcidr",
	}
}

// Compound evaluates a compound target such as
// "G@os:Debian and ( web* or E@db[0-9]+ ) and not L@x,y".
// Operators and parentheses are separate words, as in Salt; "not" directly
// after a term means "and not".
func Compound(expr string, t Target) (bool, error) {
	p := &compound{words: strings.Fields(expr), t: t, eng: engines()}
	if len(p.words) == 0 {
		return false, fmt.Errorf("empty compound target")
	}
	v, err := p.or()
	if err != nil {
		return false, fmt.Errorf("compound target %q: %w", expr, err)
	}
	if p.pos != len(p.words) {
		return false, fmt.Errorf("compound target %q: unexpected %q", expr, p.words[p.pos])
	}
	return v, nil
}

type compound struct {
	words []string
	pos   int
	t     Target
	eng   map[string]string
}

func (p *compound) peek() string {
	if p.pos < len(p.words) {
		return p.words[p.pos]
	}
	return ""
}

func (p *compound) or() (bool, error) {
	v, err := p.and()
	if err != nil {
		return false, err
	}
	for p.peek() == "or" {
		p.pos++
		r, err := p.and()
		if err != nil {
			return false, err
		}
		v = v || r
	}
	return v, nil
}

func (p *compound) and() (bool, error) {
	v, err := p.unary()
	if err != nil {
		return false, err
	}
	for {
		switch p.peek() {
		case "and":
			p.pos++
		case "not":
			// implicit "and" before "not"
		default:
			return v, nil
		}
		r, err := p.unary()
		if err != nil {
			return false, err
		}
		v = v && r
	}
}

func (p *compound) unary() (bool, error) {
	w := p.peek()
	switch w {
	case "":
		return false, fmt.Errorf("unexpected end of expression")
	case "not":
		p.pos++
		v, err := p.unary()
		return !v, err
	case "(":
		p.pos++
		v, err := p.or()
		if err != nil {
			return false, err
		}
		if p.peek() != ")" {
			return false, fmt.Errorf("missing ')'")
		}
		p.pos++
		return v, nil
	case ")", "and", "or":
		return false, fmt.Errorf("unexpected operator %q", w)
	}
	p.pos++
	return p.term(w)
}

func (p *compound) term(w string) (bool, error) {
	if len(w) > 2 && w[1] == '@' {
		kind, ok := p.eng[w[:1]]
		if !ok {
			return false, fmt.Errorf("unsupported matcher %q", w[:2])
		}
		return Match(kind, w[2:], p.t)
	}
	return Glob(w, p.t.ID), nil
}
