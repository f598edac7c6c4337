package jinja

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// maxParseDepth bounds expression and block nesting so hostile input cannot exhaust the stack.
const maxParseDepth = 200

type parser struct {
	toks  []token
	i     int
	file  string
	depth int
}

type parseError struct{ err *Error }

func parseTemplate(name, display, src string) (t *template, err error) {
	src = strings.ReplaceAll(src, "\r\n", "\n")
	src = strings.ReplaceAll(src, "\r", "\n")
	trailing := strings.HasSuffix(src, "\n")
	if trailing {
		src = src[:len(src)-1]
	}
	toks, err := tokenize(display, src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, file: display}
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(parseError)
			if !ok {
				panic(r)
			}
			t, err = nil, pe.err
		}
	}()
	body, end := p.parseBody(nil)
	if end != "" {
		p.fail(p.peek().line, "Encountered unknown tag '%s'.", end)
	}
	return &template{name: name, display: display, body: body, trailingNewline: trailing}, nil
}

func (p *parser) fail(line int, format string, args ...any) {
	panic(parseError{&Error{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...), Syntax: true}})
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) peekN(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}
func (p *parser) isOp(v string) bool {
	t := p.peek()
	return t.kind == tOp && t.val == v
}
func (p *parser) isName(v string) bool {
	t := p.peek()
	return t.kind == tName && t.val == v
}
func (p *parser) skipOp(v string) bool {
	if p.isOp(v) {
		p.i++
		return true
	}
	return false
}
func (p *parser) skipName(v string) bool {
	if p.isName(v) {
		p.i++
		return true
	}
	return false
}
func (p *parser) expectOp(v string) token {
	t := p.next()
	if t.kind != tOp || t.val != v {
		p.fail(t.line, "expected '%s', got %s", v, t)
	}
	return t
}
func (p *parser) expectName() token {
	t := p.next()
	if t.kind != tName {
		p.fail(t.line, "expected a name, got %s", t)
	}
	return t
}
func (p *parser) expectKeyword(v string) {
	t := p.next()
	if t.kind != tName || t.val != v {
		p.fail(t.line, "expected '%s', got %s", v, t)
	}
}
func (p *parser) expectBlockEnd() {
	t := p.next()
	if t.kind != tBlockEnd {
		p.fail(t.line, "expected end of statement block, got %s", t)
	}
}

func (p *parser) enter(line int) {
	p.depth++
	if p.depth > maxParseDepth {
		p.fail(line, "template nested too deeply (more than %d levels)", maxParseDepth)
	}
}
func (p *parser) leave() { p.depth-- }

// parseBody parses nodes until a block tag whose name is in ends (returned, with the
// parser positioned after the name) or EOF (returns "" when ends is nil; fails otherwise).
func (p *parser) parseBody(ends []string, opener ...any) ([]node, string) {
	var body []node
	for {
		t := p.peek()
		switch t.kind {
		case tEOF:
			if ends != nil {
				want := make([]string, len(ends))
				for i, e := range ends {
					want[i] = "'" + e + "'"
				}
				p.fail(t.line, "Unexpected end of template. Jinja was looking for the following tags: %s. The innermost block that needs to be closed is '%s' (opened at line %d).", strings.Join(want, " or "), opener[0], opener[1])
			}
			return body, ""
		case tText:
			p.next()
			body = append(body, &textNode{pos{t.line}, t.val})
		case tVarBegin:
			p.next()
			x := p.parseTuple(true)
			if e := p.next(); e.kind != tVarEnd {
				p.fail(e.line, "expected end of print statement, got %s", e)
			}
			body = append(body, &outputNode{pos{t.line}, x})
		case tBlockBegin:
			p.next()
			kw := p.peek()
			if kw.kind != tName {
				p.fail(kw.line, "tag name expected, got %s", kw)
			}
			for _, e := range ends {
				if kw.val == e {
					p.next()
					return body, e
				}
			}
			p.next()
			body = append(body, p.parseStatement(kw))
		default:
			p.fail(t.line, "unexpected %s", t)
		}
	}
}

func (p *parser) parseStatement(kw token) node {
	p.enter(kw.line)
	defer p.leave()
	ps := pos{kw.line}
	switch kw.val {
	case "if":
		n := &ifNode{pos: ps}
		cond := p.parseExpr()
		for {
			p.expectBlockEnd()
			body, end := p.parseBody([]string{"elif", "else", "endif"}, "if", kw.line)
			n.conds = append(n.conds, cond)
			n.bodies = append(n.bodies, body)
			switch end {
			case "elif":
				cond = p.parseExpr()
				continue
			case "else":
				p.expectBlockEnd()
				n.els, _ = p.parseBody([]string{"endif"}, "if", kw.line)
			}
			p.expectBlockEnd()
			return n
		}
	case "for":
		n := &forNode{pos: ps}
		n.target = p.parseAssignTarget(false)
		p.expectKeyword("in")
		n.iter = p.parseTupleNoCond()
		if p.skipName("if") {
			n.cond = p.parseExpr()
		}
		n.recursive = p.skipName("recursive")
		p.expectBlockEnd()
		body, end := p.parseBody([]string{"endfor", "else"}, "for", kw.line)
		n.body = body
		if end == "else" {
			p.expectBlockEnd()
			n.els, _ = p.parseBody([]string{"endfor"}, "for", kw.line)
		}
		p.expectBlockEnd()
		return n
	case "set":
		target := p.parseAssignTarget(true)
		if p.skipOp("=") {
			x := p.parseTuple(false)
			p.expectBlockEnd()
			return &setNode{ps, target, x}
		}
		n := &setBlockNode{pos: ps, target: target}
		if _, ok := target.(*nameExpr); !ok {
			p.fail(kw.line, "block set needs a plain variable name")
		}
		for p.skipOp("|") {
			n.filters = append(n.filters, p.parseFilterCall(nil))
		}
		p.expectBlockEnd()
		n.body, _ = p.parseBody([]string{"endset"}, "set", kw.line)
		p.expectBlockEnd()
		return n
	case "do":
		x := p.parseTuple(false)
		p.expectBlockEnd()
		return &doNode{ps, x}
	case "macro":
		name := p.expectName()
		n := &macroNode{pos: ps, name: name.val}
		n.params, n.defaults = p.parseSignature(true)
		p.expectBlockEnd()
		n.body, _ = p.parseBody([]string{"endmacro"}, "macro", kw.line)
		p.expectBlockEnd()
		return n
	case "call":
		n := &callBlockNode{pos: ps}
		if p.isOp("(") {
			n.params, n.defaults = p.parseSignature(true)
		}
		x := p.parseExpr()
		c, ok := x.(*callExpr)
		if !ok {
			p.fail(kw.line, "expected a macro call after 'call'")
		}
		n.call = c
		p.expectBlockEnd()
		n.body, _ = p.parseBody([]string{"endcall"}, "call", kw.line)
		p.expectBlockEnd()
		return n
	case "filter":
		n := &filterBlockNode{pos: ps}
		n.filters = append(n.filters, p.parseFilterCall(nil))
		for p.skipOp("|") {
			n.filters = append(n.filters, p.parseFilterCall(nil))
		}
		p.expectBlockEnd()
		n.body, _ = p.parseBody([]string{"endfilter"}, "filter", kw.line)
		p.expectBlockEnd()
		return n
	case "import":
		tm := p.parseExpr()
		p.expectKeyword("as")
		alias := p.expectName().val
		wc := p.parseContextMod(false)
		p.expectBlockEnd()
		return &importNode{ps, tm, alias, wc}
	case "from":
		tm := p.parseExpr()
		p.expectKeyword("import")
		n := &fromImportNode{pos: ps, tmpl: tm}
		for {
			if p.isName("with") || p.isName("without") {
				break
			}
			name := p.expectName().val
			alias := name
			if p.skipName("as") {
				alias = p.expectName().val
			}
			n.names = append(n.names, [2]string{name, alias})
			if !p.skipOp(",") {
				break
			}
		}
		if len(n.names) == 0 {
			p.fail(kw.line, "expected names to import")
		}
		n.withContext = p.parseContextMod(false)
		p.expectBlockEnd()
		return n
	case "include":
		n := &includeNode{pos: ps, tmpl: p.parseExpr()}
		if p.isName("ignore") && p.peekN(1).kind == tName && p.peekN(1).val == "missing" {
			p.i += 2
			n.ignoreMissing = true
		}
		n.withContext = p.parseContextMod(true)
		p.expectBlockEnd()
		return n
	case "import_yaml", "import_json", "import_text":
		tm := p.parseExpr()
		p.expectKeyword("as")
		alias := p.expectName().val
		wc := p.parseContextMod(false)
		p.expectBlockEnd()
		return &importDataNode{ps, strings.TrimPrefix(kw.val, "import_"), tm, alias, wc}
	case "load_yaml", "load_json", "load_text":
		p.expectKeyword("as")
		name := p.expectName().val
		p.expectBlockEnd()
		body, _ := p.parseBody([]string{"endload"}, kw.val, kw.line)
		p.expectBlockEnd()
		return &loadDataNode{ps, strings.TrimPrefix(kw.val, "load_"), name, body}
	case "with":
		n := &withNode{pos: ps}
		for !(p.peek().kind == tBlockEnd) {
			if len(n.targets) > 0 {
				p.expectOp(",")
			}
			n.targets = append(n.targets, p.parseAssignTarget(false))
			p.expectOp("=")
			n.values = append(n.values, p.parseExpr())
		}
		p.expectBlockEnd()
		n.body, _ = p.parseBody([]string{"endwith"}, "with", kw.line)
		p.expectBlockEnd()
		return n
	case "block":
		name := p.expectName().val
		p.skipName("scoped")
		p.expectBlockEnd()
		body, _ := p.parseBody([]string{"endblock"}, "block", kw.line)
		p.skipName(name)
		p.expectBlockEnd()
		return &blockNode{ps, name, body}
	case "break", "continue":
		p.expectBlockEnd()
		return &loopCtlNode{ps, kw.val == "break"}
	case "extends":
		x := p.parseExpr()
		p.expectBlockEnd()
		return &extendsNode{ps, x}
	case "autoescape":
		p.parseExpr()
		p.expectBlockEnd()
		body, _ := p.parseBody([]string{"endautoescape"}, "autoescape", kw.line)
		p.expectBlockEnd()
		return &blockNode{ps, "", body}
	}
	p.fail(kw.line, "Encountered unknown tag '%s'.", kw.val)
	return nil
}

func (p *parser) parseContextMod(def bool) bool {
	if p.isName("with") && p.peekN(1).kind == tName && p.peekN(1).val == "context" {
		p.i += 2
		return true
	}
	if p.isName("without") && p.peekN(1).kind == tName && p.peekN(1).val == "context" {
		p.i += 2
		return false
	}
	return def
}

// parseSignature parses "(a, b=1, c='x')".
func (p *parser) parseSignature(allowDefaults bool) ([]string, []expr) {
	p.expectOp("(")
	var names []string
	var defs []expr
	for !p.isOp(")") {
		if len(names) > 0 {
			p.expectOp(",")
			if p.isOp(")") {
				break
			}
		}
		n := p.expectName()
		for _, existing := range names {
			if existing == n.val {
				p.fail(n.line, "duplicate argument '%s' in macro definition", n.val)
			}
		}
		names = append(names, n.val)
		if allowDefaults && p.skipOp("=") {
			defs = append(defs, p.parseExpr())
		} else {
			if len(defs) > 0 && defs[len(defs)-1] != nil {
				p.fail(n.line, "non-default argument '%s' follows default argument", n.val)
			}
			defs = append(defs, nil)
		}
	}
	p.expectOp(")")
	return names, defs
}

// parseAssignTarget parses a name, a (possibly nested, parenthesized) tuple of names, or (for set) ns.attr.
func (p *parser) parseAssignTarget(allowAttr bool) expr {
	first := p.parseTargetAtom(allowAttr)
	if !p.isOp(",") {
		return first
	}
	items := []expr{first}
	for p.skipOp(",") {
		if !(p.peek().kind == tName && !p.isName("in")) && !p.isOp("(") {
			break
		}
		items = append(items, p.parseTargetAtom(false))
	}
	return &tupleExpr{pos{first.exprLine()}, items}
}

func (p *parser) parseTargetAtom(allowAttr bool) expr {
	if p.isOp("(") {
		t := p.next()
		p.enter(t.line)
		defer p.leave()
		var items []expr
		for !p.isOp(")") {
			if len(items) > 0 {
				p.expectOp(",")
				if p.isOp(")") {
					break
				}
			}
			items = append(items, p.parseTargetAtom(false))
		}
		p.expectOp(")")
		return &tupleExpr{pos{t.line}, items}
	}
	t := p.expectName()
	switch t.val {
	case "true", "false", "none", "True", "False", "None", "in", "not", "and", "or", "if", "else", "is":
		p.fail(t.line, "can't assign to keyword '%s'", t.val)
	}
	var first expr = &nameExpr{pos{t.line}, t.val}
	if allowAttr && p.isOp(".") {
		p.next()
		a := p.expectName()
		return &attrExpr{pos{t.line}, first, a.val}
	}
	return first
}

// parseTuple parses an expression list that may form an implicit tuple.
func (p *parser) parseTuple(allowEmpty bool) expr {
	return p.parseTupleWith(p.parseExpr)
}

func (p *parser) parseTupleNoCond() expr {
	return p.parseTupleWith(p.parseOr)
}

func (p *parser) parseTupleWith(f func() expr) expr {
	line := p.peek().line
	first := f()
	if !p.isOp(",") {
		return first
	}
	items := []expr{first}
	for p.skipOp(",") {
		if p.exprEnds() {
			break
		}
		items = append(items, f())
	}
	return &tupleExpr{pos{line}, items}
}

func (p *parser) exprEnds() bool {
	t := p.peek()
	switch t.kind {
	case tVarEnd, tBlockEnd, tEOF:
		return true
	case tOp:
		return t.val == ")" || t.val == "]" || t.val == "}" || t.val == "="
	case tName:
		return t.val == "if" || t.val == "recursive"
	}
	return false
}

func (p *parser) parseExpr() expr {
	t := p.peek()
	p.enter(t.line)
	defer p.leave()
	x := p.parseOr()
	for p.isName("if") {
		line := p.next().line
		cond := p.parseOr()
		var b expr
		if p.skipName("else") {
			b = p.parseExpr()
		}
		x = &condExpr{pos{line}, cond, x, b}
	}
	return x
}

func (p *parser) parseOr() expr {
	x := p.parseAnd()
	for p.isName("or") {
		line := p.next().line
		x = &binExpr{pos{line}, "or", x, p.parseAnd()}
	}
	return x
}

func (p *parser) parseAnd() expr {
	x := p.parseNot()
	for p.isName("and") {
		line := p.next().line
		x = &binExpr{pos{line}, "and", x, p.parseNot()}
	}
	return x
}

func (p *parser) parseNot() expr {
	if p.isName("not") {
		t := p.next()
		p.enter(t.line)
		defer p.leave()
		return &unaryExpr{pos{t.line}, "not", p.parseNot()}
	}
	return p.parseCompare()
}

func (p *parser) parseCompare() expr {
	line := p.peek().line
	x := p.parseMath1()
	var ops []string
	var rest []expr
	for {
		t := p.peek()
		switch {
		case t.kind == tOp && (t.val == "==" || t.val == "!=" || t.val == "<" || t.val == ">" || t.val == "<=" || t.val == ">="):
			p.next()
			ops = append(ops, t.val)
		case t.kind == tName && t.val == "in":
			p.next()
			ops = append(ops, "in")
		case t.kind == tName && t.val == "not" && p.peekN(1).kind == tName && p.peekN(1).val == "in":
			p.i += 2
			ops = append(ops, "not in")
		default:
			if ops == nil {
				return x
			}
			return &compareExpr{pos{line}, x, ops, rest}
		}
		rest = append(rest, p.parseMath1())
	}
}

func (p *parser) parseMath1() expr {
	x := p.parseConcat()
	for p.isOp("+") || p.isOp("-") {
		t := p.next()
		x = &binExpr{pos{t.line}, t.val, x, p.parseConcat()}
	}
	return x
}

func (p *parser) parseConcat() expr {
	x := p.parseMath2()
	for p.isOp("~") {
		t := p.next()
		x = &binExpr{pos{t.line}, "~", x, p.parseMath2()}
	}
	return x
}

func (p *parser) parseMath2() expr {
	x := p.parsePow()
	for p.isOp("*") || p.isOp("/") || p.isOp("//") || p.isOp("%") {
		t := p.next()
		x = &binExpr{pos{t.line}, t.val, x, p.parsePow()}
	}
	return x
}

func (p *parser) parsePow() expr {
	x := p.parseUnary(true)
	for p.isOp("**") {
		t := p.next()
		x = &binExpr{pos{t.line}, "**", x, p.parseUnary(true)}
	}
	return x
}

func (p *parser) parseUnary(withFilter bool) expr {
	t := p.peek()
	var x expr
	if t.kind == tOp && (t.val == "-" || t.val == "+") {
		p.next()
		p.enter(t.line)
		x = &unaryExpr{pos{t.line}, t.val, p.parseUnary(false)}
		p.leave()
	} else {
		x = p.parsePostfix(p.parsePrimary())
	}
	if withFilter {
		x = p.parseFilterExpr(x)
	}
	return x
}

func (p *parser) parsePrimary() expr {
	t := p.next()
	ps := pos{t.line}
	switch t.kind {
	case tName:
		switch t.val {
		case "true", "True":
			return &constExpr{ps, true}
		case "false", "False":
			return &constExpr{ps, false}
		case "none", "None":
			return &constExpr{ps, nil}
		}
		return &nameExpr{ps, t.val}
	case tString:
		s := t.val
		for p.peek().kind == tString {
			s += p.next().val
		}
		return &constExpr{ps, s}
	case tInt:
		return &constExpr{ps, p.parseInt(t)}
	case tFloat:
		f, err := strconv.ParseFloat(t.val, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			p.fail(t.line, "invalid float literal %q", t.val)
		}
		return &constExpr{ps, f}
	case tOp:
		p.enter(t.line)
		defer p.leave()
		switch t.val {
		case "(":
			if p.skipOp(")") {
				return &tupleExpr{ps, nil}
			}
			first := p.parseExpr()
			if p.skipOp(")") {
				return first
			}
			items := []expr{first}
			for p.skipOp(",") {
				if p.isOp(")") {
					break
				}
				items = append(items, p.parseExpr())
			}
			p.expectOp(")")
			return &tupleExpr{ps, items}
		case "[":
			var items []expr
			for !p.isOp("]") {
				if len(items) > 0 {
					p.expectOp(",")
					if p.isOp("]") {
						break
					}
				}
				items = append(items, p.parseExpr())
			}
			p.expectOp("]")
			return &listExpr{ps, items}
		case "{":
			d := &dictExpr{pos: ps}
			for !p.isOp("}") {
				if len(d.keys) > 0 {
					p.expectOp(",")
					if p.isOp("}") {
						break
					}
				}
				d.keys = append(d.keys, p.parseExpr())
				p.expectOp(":")
				d.vals = append(d.vals, p.parseExpr())
			}
			p.expectOp("}")
			return d
		}
	}
	p.fail(t.line, "unexpected %s", t)
	return nil
}

func (p *parser) parseInt(t token) any {
	s := t.val
	base := 10
	if len(s) > 2 && s[0] == '0' {
		switch s[1] {
		case 'x', 'X':
			base, s = 16, s[2:]
		case 'o', 'O':
			base, s = 8, s[2:]
		case 'b', 'B':
			base, s = 2, s[2:]
		}
	}
	n, err := strconv.ParseInt(s, base, 64)
	if err != nil {
		if bi, ok := new(big.Int).SetString(s, base); ok {
			f, _ := new(big.Float).SetInt(bi).Float64()
			return f
		}
		p.fail(t.line, "invalid integer literal %q", t.val)
	}
	return int(n)
}

func (p *parser) parsePostfix(x expr) expr {
	for {
		t := p.peek()
		if t.kind != tOp {
			return x
		}
		switch t.val {
		case ".":
			p.next()
			n := p.next()
			switch n.kind {
			case tName:
				x = &attrExpr{pos{n.line}, x, n.val}
			case tInt:
				x = &itemExpr{pos{n.line}, x, &constExpr{pos{n.line}, p.parseInt(n)}}
			default:
				p.fail(n.line, "expected name or number after '.', got %s", n)
			}
		case "[":
			p.next()
			p.enter(t.line)
			x = p.parseSubscript(x, t.line)
			p.leave()
		case "(":
			p.enter(t.line)
			x = p.parseCall(x, t.line)
			p.leave()
		default:
			return x
		}
	}
}

func (p *parser) parseSubscript(x expr, line int) expr {
	var parts [3]expr
	idx := 0
	isSlice := false
	for !p.isOp("]") {
		if p.skipOp(":") {
			isSlice = true
			idx++
			if idx > 2 {
				p.fail(line, "invalid slice")
			}
			continue
		}
		if parts[idx] != nil {
			if p.isOp(",") {
				// tuple subscript: x[a, b]
				p.next()
				items := []expr{parts[idx]}
				for !p.isOp("]") {
					items = append(items, p.parseExpr())
					if !p.skipOp(",") {
						break
					}
				}
				parts[idx] = &tupleExpr{pos{line}, items}
				continue
			}
			p.fail(p.peek().line, "expected ']', got %s", p.peek())
		}
		parts[idx] = p.parseExpr()
	}
	p.expectOp("]")
	if isSlice {
		return &sliceExpr{pos{line}, x, parts[0], parts[1], parts[2]}
	}
	if parts[0] == nil {
		p.fail(line, "expected subscript expression")
	}
	return &itemExpr{pos{line}, x, parts[0]}
}

// parseArgs parses "(args, kw=v, *a, **k)" after the '(' has been peeked.
func (p *parser) parseArgs() (args []expr, kwn []string, kwv []expr, star, starKw expr) {
	p.expectOp("(")
	first := true
	for !p.isOp(")") {
		if !first {
			p.expectOp(",")
			if p.isOp(")") {
				break
			}
		}
		first = false
		switch {
		case p.skipOp("**"):
			starKw = p.parseExpr()
		case p.skipOp("*"):
			star = p.parseExpr()
		case p.peek().kind == tName && p.peekN(1).kind == tOp && p.peekN(1).val == "=":
			kwn = append(kwn, p.next().val)
			p.next()
			kwv = append(kwv, p.parseExpr())
		default:
			if kwn != nil {
				p.fail(p.peek().line, "positional argument follows keyword argument")
			}
			args = append(args, p.parseExpr())
		}
	}
	p.expectOp(")")
	return
}

func (p *parser) parseCall(fn expr, line int) expr {
	c := &callExpr{pos: pos{line}, fn: fn}
	c.args, c.kwnames, c.kwvals, c.starArgs, c.starKw = p.parseArgs()
	return c
}

func (p *parser) parseFilterCall(x expr) *filterExpr {
	name := p.expectName()
	fname := name.val
	for p.isOp(".") && p.peekN(1).kind == tName {
		p.next()
		fname += "." + p.next().val
	}
	f := &filterExpr{pos: pos{name.line}, x: x, name: fname}
	if p.isOp("(") {
		f.args, f.kwnames, f.kwvals, f.star, f.starKw = p.parseArgs()
	}
	return f
}

func (p *parser) parseFilterExpr(x expr) expr {
	for {
		switch {
		case p.isOp("|"):
			p.next()
			x = p.parseFilterCall(x)
		case p.isName("is"):
			p.next()
			t := &testExpr{pos: pos{p.peek().line}, x: x}
			t.negate = p.skipName("not")
			n := p.expectName()
			t.name = n.val
			for p.isOp(".") && p.peekN(1).kind == tName {
				p.next()
				t.name += "." + p.next().val
			}
			nt := p.peek()
			if p.isOp("(") {
				args, kwn, _, _, _ := p.parseArgs()
				if kwn != nil {
					p.fail(nt.line, "tests do not take keyword arguments")
				}
				t.args = args
			} else if nt.kind == tString || nt.kind == tInt || nt.kind == tFloat || (nt.kind == tOp && (nt.val == "[" || nt.val == "{")) ||
				(nt.kind == tName && nt.val != "else" && nt.val != "or" && nt.val != "and" && nt.val != "if" && nt.val != "in" && nt.val != "not" && nt.val != "is" && nt.val != "recursive") {
				t.args = []expr{p.parsePostfix(p.parsePrimary())}
			}
			x = t
		default:
			return x
		}
	}
}
