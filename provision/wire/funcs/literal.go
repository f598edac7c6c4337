package funcs

import (
	"fmt"
	"strconv"
	"strings"
)

// Literal reads a Python literal, as a signature's default is written:
// None, True, False, integers, floats, quoted strings, and lists, tuples
// and dicts of those. Tuples read as lists.
func Literal(s string) (any, error) {
	p := &litParser{s: s}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("literal %q: unexpected %q", s, p.s[p.i:])
	}
	return v, nil
}

type litParser struct {
	s string
	i int
}

func (p *litParser) space() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *litParser) value() (any, error) {
	p.space()
	if p.i >= len(p.s) {
		return nil, fmt.Errorf("literal %q: value missing", p.s)
	}
	switch ch := p.s[p.i]; {
	case ch == '\'' || ch == '"':
		return p.str()
	case ch == '[' || ch == '(':
		return p.seq()
	case ch == '{':
		return p.dict()
	}
	j := p.i
	for j < len(p.s) && !strings.ContainsRune(",:)]} ", rune(p.s[j])) {
		j++
	}
	word := p.s[p.i:j]
	p.i = j
	switch word {
	case "None", "DEFAULT_SHELL":
		// DEFAULT_SHELL is the login user's shell, found when the
		// command runs (cmdmod's DEFAULT_SHELL).
		return nil, nil
	case "DEFAULT_TARGET_DELIM":
		return ":", nil
	case "True":
		return true, nil
	case "False":
		return false, nil
	}
	if n, err := strconv.Atoi(strings.ReplaceAll(word, "_", "")); err == nil {
		return n, nil
	}
	if f, err := strconv.ParseFloat(word, 64); err == nil {
		return f, nil
	}
	return nil, fmt.Errorf("literal %q: %q is not a Python literal", p.s, word)
}

func (p *litParser) str() (any, error) {
	q := p.s[p.i]
	var b strings.Builder
	for j := p.i + 1; j < len(p.s); j++ {
		switch ch := p.s[j]; ch {
		case '\\':
			if j+1 < len(p.s) {
				j++
				switch e := p.s[j]; e {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				case 'r':
					b.WriteByte('\r')
				default:
					b.WriteByte(e)
				}
			}
		case q:
			p.i = j + 1
			return b.String(), nil
		default:
			b.WriteByte(ch)
		}
	}
	return nil, fmt.Errorf("literal %q: unterminated string", p.s)
}

func (p *litParser) seq() (any, error) {
	closing := byte(']')
	if p.s[p.i] == '(' {
		closing = ')'
	}
	p.i++
	out := []any{}
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == closing {
			p.i++
			return out, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
		}
	}
}

func (p *litParser) dict() (any, error) {
	p.i++
	out := map[string]any{}
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return out, nil
		}
		k, err := p.value()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, fmt.Errorf("literal %q: want ':'", p.s)
		}
		p.i++
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out[fmt.Sprint(k)] = v
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
		}
	}
}
