package jinja

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

type tokKind int

const (
	tEOF tokKind = iota
	tText
	tVarBegin
	tVarEnd
	tBlockBegin
	tBlockEnd
	tName
	tString
	tInt
	tFloat
	tOp
)

type token struct {
	kind tokKind
	val  string
	line int
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of template"
	case tVarBegin:
		return "'{{'"
	case tVarEnd:
		return "'}}'"
	case tBlockBegin:
		return "'{%'"
	case tBlockEnd:
		return "'%}'"
	case tString:
		return "string " + pyRepr(t.val)
	case tText:
		return "template data"
	}
	return "'" + t.val + "'"
}

var (
	rawStartRe = regexp.MustCompile(`^\{%[-+]?\s*raw\s*(-?)%\}`)
	rawEndRe   = regexp.MustCompile(`\{%(-?)\s*endraw\s*(-?)%\}`)
)

// operators, longest first.
var operators = []string{"**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", ".", ",", ":", "|", "(", ")", "[", "]", "{", "}"}

type lexer struct {
	src    string
	name   string
	pos    int
	line   int
	toks   []token
	lstrip bool // strip leading whitespace of the next text (previous tag ended with '-')
}

func isSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' || b == '\v'
}

func (l *lexer) errf(line int, format string, args ...any) *Error {
	return &Error{File: l.name, Line: line, Msg: fmt.Sprintf(format, args...), Syntax: true}
}

// advance moves pos to p, counting newlines.
func (l *lexer) advance(p int) {
	l.line += strings.Count(l.src[l.pos:p], "\n")
	l.pos = p
}

func (l *lexer) emitText(s string, line int, rstrip bool) {
	if l.lstrip {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		l.lstrip = false
	}
	if rstrip {
		s = strings.TrimRightFunc(s, unicode.IsSpace)
	}
	if s != "" {
		l.toks = append(l.toks, token{kind: tText, val: s, line: line})
	}
}

func tokenize(name, src string) ([]token, error) {
	l := &lexer{src: src, name: name, line: 1}
	for l.pos < len(src) {
		i := nextTagStart(src, l.pos)
		if i < 0 {
			l.emitText(src[l.pos:], l.line, false)
			l.advance(len(src))
			break
		}
		strip := i+2 < len(src) && src[i+2] == '-'
		textLine := l.line
		l.emitText(src[l.pos:i], textLine, strip)
		l.advance(i)
		switch src[i+1] {
		case '#':
			if err := l.comment(); err != nil {
				return nil, err
			}
		case '{':
			if err := l.tag(tVarBegin, tVarEnd, "}}"); err != nil {
				return nil, err
			}
		case '%':
			if m := rawStartRe.FindStringSubmatch(src[i:]); m != nil {
				if err := l.raw(len(m[0]), m[1] == "-"); err != nil {
					return nil, err
				}
				continue
			}
			if err := l.tag(tBlockBegin, tBlockEnd, "%}"); err != nil {
				return nil, err
			}
		}
	}
	l.toks = append(l.toks, token{kind: tEOF, line: l.line})
	return l.toks, nil
}

// nextTagStart finds the next "{{", "{%" or "{#" at or after p.
func nextTagStart(src string, p int) int {
	for {
		j := strings.IndexByte(src[p:], '{')
		if j < 0 || p+j+1 >= len(src) {
			return -1
		}
		k := p + j
		if c := src[k+1]; c == '{' || c == '%' || c == '#' {
			return k
		}
		p = k + 1
	}
}

func (l *lexer) comment() error {
	start := l.line
	end := strings.Index(l.src[l.pos+2:], "#}")
	if end < 0 {
		return l.errf(start, "missing end of comment tag")
	}
	end += l.pos + 2
	l.lstrip = end > l.pos+2 && l.src[end-1] == '-'
	l.advance(end + 2)
	return nil
}

func (l *lexer) raw(startLen int, lstripBody bool) error {
	start := l.line
	l.advance(l.pos + startLen)
	loc := rawEndRe.FindStringSubmatchIndex(l.src[l.pos:])
	if loc == nil {
		return l.errf(start, "missing end of raw directive ('{%% endraw %%}')")
	}
	body := l.src[l.pos : l.pos+loc[0]]
	l.lstrip = l.lstrip || lstripBody
	l.emitText(body, l.line, loc[3] > loc[2])
	l.advance(l.pos + loc[1])
	l.lstrip = loc[5] > loc[4]
	return nil
}

// tag lexes one {{ ... }} or {% ... %} tag starting at l.pos.
func (l *lexer) tag(begin, endKind tokKind, end string) error {
	src := l.src
	l.toks = append(l.toks, token{kind: begin, line: l.line})
	p := l.pos + 2
	if p < len(src) && (src[p] == '-' || (begin == tBlockBegin && src[p] == '+')) {
		p++
	}
	l.advance(p)
	var stack []byte
	startLine := l.line
	for {
		// skip whitespace
		p = l.pos
		for p < len(src) && isSpace(src[p]) {
			p++
		}
		l.advance(p)
		if p >= len(src) {
			return l.errf(startLine, "unexpected end of template, expected end of tag %q", end)
		}
		if len(stack) == 0 {
			if strings.HasPrefix(src[p:], end) {
				l.toks = append(l.toks, token{kind: endKind, line: l.line})
				l.advance(p + 2)
				return nil
			}
			if src[p] == '-' && strings.HasPrefix(src[p+1:], end) {
				l.toks = append(l.toks, token{kind: endKind, line: l.line})
				l.advance(p + 3)
				l.lstrip = true
				return nil
			}
		}
		c := src[p]
		line := l.line
		switch {
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			q := p + 1
			for q < len(src) && (src[q] == '_' || src[q] >= 'a' && src[q] <= 'z' || src[q] >= 'A' && src[q] <= 'Z' || src[q] >= '0' && src[q] <= '9') {
				q++
			}
			l.toks = append(l.toks, token{kind: tName, val: src[p:q], line: line})
			l.advance(q)
		case c >= '0' && c <= '9' || (c == '.' && p+1 < len(src) && src[p+1] >= '0' && src[p+1] <= '9' && !l.prevIsValue()):
			q, kind := scanNumber(src, p)
			l.toks = append(l.toks, token{kind: kind, val: strings.ReplaceAll(src[p:q], "_", ""), line: line})
			l.advance(q)
		case c == '"' || c == '\'':
			s, q, err := scanString(src, p)
			if err != nil {
				return l.errf(line, "%s", err.Error())
			}
			l.toks = append(l.toks, token{kind: tString, val: s, line: line})
			l.advance(q)
		default:
			op := ""
			for _, o := range operators {
				if strings.HasPrefix(src[p:], o) {
					op = o
					break
				}
			}
			if op == "" {
				return l.errf(line, "unexpected char %q at %d", rune(src[p]), p)
			}
			switch op {
			case "(", "[", "{":
				stack = append(stack, op[0])
			case ")", "]", "}":
				want := map[string]byte{")": '(', "]": '[', "}": '{'}[op]
				if len(stack) == 0 {
					return l.errf(line, "unexpected '%s'", op)
				}
				if stack[len(stack)-1] != want {
					return l.errf(line, "unexpected '%s', expected '%s'", op, closing(stack[len(stack)-1]))
				}
				stack = stack[:len(stack)-1]
			}
			l.toks = append(l.toks, token{kind: tOp, val: op, line: line})
			l.advance(p + len(op))
		}
	}
}

func closing(b byte) string {
	switch b {
	case '(':
		return ")"
	case '[':
		return "]"
	}
	return "}"
}

func (l *lexer) prevIsValue() bool {
	if len(l.toks) == 0 {
		return false
	}
	t := l.toks[len(l.toks)-1]
	return t.kind == tName || t.kind == tInt || t.kind == tFloat || t.kind == tString || (t.kind == tOp && (t.val == ")" || t.val == "]" || t.val == "}"))
}

func isDigitOrUnderscore(b byte) bool { return b >= '0' && b <= '9' || b == '_' }

func scanNumber(src string, p int) (int, tokKind) {
	q := p
	if src[q] == '0' && q+1 < len(src) && strings.ContainsRune("xXoObB", rune(src[q+1])) {
		q += 2
		for q < len(src) && (isDigitOrUnderscore(src[q]) || strings.ContainsRune("abcdefABCDEF", rune(src[q]))) {
			q++
		}
		return q, tInt
	}
	kind := tInt
	for q < len(src) && isDigitOrUnderscore(src[q]) {
		q++
	}
	if q+1 < len(src) && src[q] == '.' && src[q+1] >= '0' && src[q+1] <= '9' {
		kind = tFloat
		q++
		for q < len(src) && isDigitOrUnderscore(src[q]) {
			q++
		}
	}
	if q < len(src) && (src[q] == 'e' || src[q] == 'E') {
		r := q + 1
		if r < len(src) && (src[r] == '+' || src[r] == '-') {
			r++
		}
		if r < len(src) && src[r] >= '0' && src[r] <= '9' {
			for r < len(src) && isDigitOrUnderscore(src[r]) {
				r++
			}
			q = r
			kind = tFloat
		}
	}
	return q, kind
}

// scanString scans a Python string literal at p; it returns the value and the end offset.
func scanString(src string, p int) (string, int, error) {
	quote := src[p]
	var sb strings.Builder
	q := p + 1
	for q < len(src) {
		c := src[q]
		switch {
		case c == quote:
			return sb.String(), q + 1, nil
		case c == '\\' && q+1 < len(src):
			n := src[q+1]
			q += 2
			switch n {
			case 'n':
				sb.WriteByte('\n')
			case 't':
				sb.WriteByte('\t')
			case 'r':
				sb.WriteByte('\r')
			case '\\', '\'', '"':
				sb.WriteByte(n)
			case '\n':
			case '0':
				sb.WriteByte(0)
			case 'a':
				sb.WriteByte('\a')
			case 'b':
				sb.WriteByte('\b')
			case 'f':
				sb.WriteByte('\f')
			case 'v':
				sb.WriteByte('\v')
			case 'x', 'u', 'U':
				w := map[byte]int{'x': 2, 'u': 4, 'U': 8}[n]
				if q+w > len(src) {
					return "", 0, fmt.Errorf("truncated \\%c escape in string", n)
				}
				var r rune
				for _, h := range src[q : q+w] {
					d := hexVal(byte(h))
					if d < 0 {
						return "", 0, fmt.Errorf("truncated \\%c escape in string", n)
					}
					r = r*16 + rune(d)
				}
				if r > unicode.MaxRune {
					return "", 0, fmt.Errorf("illegal unicode escape in string")
				}
				sb.WriteRune(r)
				q += w
			default:
				sb.WriteByte('\\')
				sb.WriteByte(n)
			}
		default:
			sb.WriteByte(c)
			q++
		}
	}
	return "", 0, fmt.Errorf("unexpected end of string literal")
}

func hexVal(b byte) int {
	switch {
	case b >= '0' && b <= '9':
		return int(b - '0')
	case b >= 'a' && b <= 'f':
		return int(b-'a') + 10
	case b >= 'A' && b <= 'F':
		return int(b-'A') + 10
	}
	return -1
}
