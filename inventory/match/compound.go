package match

import (
	"fmt"
	"sort"
	"strings"

	"brine/provision/lib/pyfmt"
)

// Expr is a parsed target expression (one matcher, a compound expression or
// a nodegroup), ready to be evaluated against many hosts.
type Expr struct {
	src  string
	root node
}

// Parse parses expr as a target of the given kind: one of Salt's matcher
// names as a top file's `match:` gives them ("glob" when empty, "pcre",
// "list", "grain", "grain_pcre", "pillar", "pillar_pcre", "ipcidr",
// "compound", "nodegroup"). groups are the nodegroups N@ and "nodegroup"
// refer to.
func Parse(kind, expr string, groups Nodegroups) (*Expr, error) {
	return ParseDelim(kind, expr, groups, "")
}

// ParseDelim is Parse with the delimiter of a grain or pillar expression
// ("" for ":"; salt's --delimiter). Compound expressions give theirs per
// term (G%@a%b).
func ParseDelim(kind, expr string, groups Nodegroups, delim string) (*Expr, error) {
	switch kind {
	case "compound":
		return parseCompound(expr, strings.Fields(expr), groups)
	case "nodegroup":
		words, err := groups.expand(expr, nil)
		if err != nil {
			return nil, err
		}
		return parseCompound(expr, words, groups)
	}
	t, err := newTerm(kind, expr, delim)
	if err != nil {
		return nil, err
	}
	return &Expr{src: expr, root: t}, nil
}

// String is the expression as written.
func (e *Expr) String() string { return e.src }

// Match evaluates the expression against t.
func (e *Expr) Match(t Target) bool { return e.root.eval(&t, false) == yes }

// MatchID evaluates the expression knowing only the host id: decided is
// false when the answer depends on grains or pillar, e.g. for hosts that
// match web* in "web* and G@os:Debian"; hosts whose answer is decided
// need no grains.
func (e *Expr) MatchID(id string) (match, decided bool) {
	v := e.root.eval(&Target{ID: id}, true)
	return v == yes, v != unknown
}

// Needs reports which host data the expression reads.
func (e *Expr) Needs() (grains, pillar bool) {
	e.root.walk(func(t *term) {
		switch t.kind {
		case "grain", "grain_pcre", "ipcidr":
			grains = true
		case "pillar", "pillar_pcre":
			pillar = true
		}
	})
	return grains, pillar
}

// Nodegroups are named targets (Salt's nodegroups option), each a list of
// words: a compound expression split on spaces, or a list of ids.
type Nodegroups map[string][]string

// NewNodegroups checks raw nodegroup definitions as YAML gives them: each a
// compound string or a list of words (usually ids).
func NewNodegroups(raw map[string]any) (Nodegroups, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	g := Nodegroups{}
	for name, v := range raw {
		switch t := v.(type) {
		case string:
			g[name] = strings.Fields(t)
		case []any:
			words := []string{}
			for _, w := range t {
				switch w.(type) {
				case map[string]any, []any, nil:
					return nil, fmt.Errorf("nodegroup %q: %v is not an id or a word of a compound expression", name, w)
				}
				words = append(words, pyfmt.Str(w))
			}
			g[name] = words
		default:
			return nil, fmt.Errorf("nodegroup %q: want a compound expression string or a list of ids, not %v", name, v)
		}
	}
	return g, nil
}

// Names lists the nodegroups, sorted.
func (g Nodegroups) Names() []string {
	n := make([]string, 0, len(g))
	for k := range g {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

var operators = map[string]bool{"and": true, "or": true, "not": true, "(": true, ")": true}

// expand returns the words nodegroup name stands for, nested N@ references
// expanded, in parentheses so that it binds as one term (Salt adds them only
// for nested groups, which lets "N@g and x" regroup; brine always does).
// A definition with no operators, globs or matchers is a list of ids, as in
// Salt's nodegroup_comp: L@a,b (E@ when a word holds regex characters).
func (g Nodegroups) expand(name string, stack []string) ([]string, error) {
	for _, s := range stack {
		if s == name {
			return nil, fmt.Errorf("nodegroup %q refers to itself (%s -> %s)", name, strings.Join(stack, " -> "), name)
		}
	}
	def, ok := g[name]
	if !ok {
		if len(g) == 0 {
			return nil, fmt.Errorf("unknown nodegroup %q: no nodegroups are defined (nodegroups: in brine.yaml)", name)
		}
		return nil, fmt.Errorf("unknown nodegroup %q (nodegroups: %s)", name, strings.Join(g.Names(), ", "))
	}
	if w, ok := idList(def); ok {
		return []string{w}, nil
	}
	words, err := g.expandWords(def, append(stack, name))
	if err != nil {
		return nil, err
	}
	return append(append([]string{"("}, words...), ")"), nil
}

// expandWords replaces every N@name word with its nodegroup's words.
func (g Nodegroups) expandWords(words []string, stack []string) ([]string, error) {
	var out []string
	for _, w := range words {
		if name, ok := strings.CutPrefix(w, "N@"); ok && name != "" {
			sub, err := g.expand(name, stack)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
			continue
		}
		out = append(out, w)
	}
	return out, nil
}

// idList is Salt's _nodegroup_regex: words with no operator, no '*' and no
// X@ matcher are ids joined into one L@ term, or an E@ term when one of them
// holds a regex character.
func idList(words []string) (string, bool) {
	regex := false
	for _, w := range words {
		if operators[w] || strings.Contains(w, "*") || len(w) >= 2 && w[1] == '@' && w[0] >= 'A' && w[0] <= 'Z' {
			return "", false
		}
		if strings.ContainsAny(w, `([{\?}])`) {
			regex = true
		}
	}
	if regex {
		return "E@" + strings.Join(words, ","), true
	}
	return "L@" + strings.Join(words, ","), true
}

// parseCompound parses words with Salt's compound grammar, which is
// Python's: "or" binds loosest, then "and", then "not"; parentheses are
// words of their own; "not" right after a term or ")" means "and not".
func parseCompound(src string, words []string, groups Nodegroups) (*Expr, error) {
	words, err := groups.expandWords(words, nil)
	if err != nil {
		return nil, fmt.Errorf("compound target %q: %w", src, err)
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("empty compound target")
	}
	var toks []string
	for _, w := range words {
		if w == "not" && len(toks) > 0 {
			if last := toks[len(toks)-1]; last != "and" && last != "or" && last != "(" {
				toks = append(toks, "and")
			}
		}
		toks = append(toks, w)
	}
	p := &parser{toks: toks}
	root, err := p.or()
	if err == nil && p.pos < len(p.toks) {
		err = fmt.Errorf("unexpected %q", p.toks[p.pos])
	}
	if err != nil {
		return nil, fmt.Errorf("compound target %q: %w", src, err)
	}
	return &Expr{src: src, root: root}, nil
}

type parser struct {
	toks []string
	pos  int
}

func (p *parser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *parser) or() (node, error)  { return p.binary("or", yes, p.and) }
func (p *parser) and() (node, error) { return p.binary("and", no, p.not) }

// binary parses next (op next)..., grouping to the left.
func (p *parser) binary(op string, short tri, next func() (node, error)) (node, error) {
	l, err := next()
	for err == nil && p.peek() == op {
		p.pos++
		var r node
		if r, err = next(); err == nil {
			l = binNode{l, r, short}
		}
	}
	return l, err
}

func (p *parser) not() (node, error) {
	if p.peek() == "not" {
		p.pos++
		x, err := p.not()
		return notNode{x}, err
	}
	return p.atom()
}

func (p *parser) atom() (node, error) {
	w := p.peek()
	switch w {
	case "":
		return nil, fmt.Errorf("unexpected end of expression")
	case "(":
		p.pos++
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("missing ')'")
		}
		p.pos++
		return x, nil
	case ")", "and", "or":
		return nil, fmt.Errorf("unexpected operator %q", w)
	}
	p.pos++
	return compoundTerm(w)
}

// engines maps compound prefixes to matcher kinds; the ones brine cannot
// evaluate map to why.
var engines = map[byte]string{
	'G': "grain", 'P': "grain_pcre", 'I': "pillar", 'J': "pillar_pcre",
	'L': "list", 'S': "ipcidr", 'E': "pcre",
}

var unsupported = map[byte]string{
	'R': "range (SECO range server)", 'T': "resource", 'M': "managing minion",
}

// compoundTerm reads one word: X@pattern, G%@a%b (a delimiter of its own
// for G, P, I and J, as Salt allows), or a glob.
func compoundTerm(w string) (node, error) {
	if len(w) >= 2 && w[0] >= 'A' && w[0] <= 'Z' {
		engine, delim, pattern := w[0], "", ""
		switch {
		case w[1] == '@':
			pattern = w[2:]
		case len(w) >= 3 && w[2] == '@' && strings.IndexByte("GPIJ", w[0]) >= 0:
			delim, pattern = w[1:2], w[3:]
		default:
			return newTerm("glob", w, "")
		}
		if engine == 'N' {
			return nil, fmt.Errorf("N@ needs a nodegroup name")
		}
		if why, ok := unsupported[engine]; ok {
			return nil, fmt.Errorf("%c@ (%s) is not supported by brine", engine, why)
		}
		kind, ok := engines[engine]
		if !ok {
			return nil, fmt.Errorf("unknown matcher %q (brine knows G@ P@ I@ J@ L@ S@ E@ N@)", w[:2])
		}
		return newTerm(kind, pattern, delim)
	}
	return newTerm("glob", w, "")
}

// tri is a three-valued truth: a data term is unknown when only the id is.
type tri int8

const (
	no tri = iota
	yes
	unknown
)

func truth(b bool) tri {
	if b {
		return yes
	}
	return no
}

type node interface {
	eval(t *Target, idOnly bool) tri
	walk(func(*term))
}

// binNode is "and" (short is no: one no decides) or "or" (short is yes).
type binNode struct {
	l, r  node
	short tri
}

type notNode struct{ x node }

func (n binNode) eval(t *Target, idOnly bool) tri {
	l := n.l.eval(t, idOnly)
	if l == n.short {
		return l
	}
	r := n.r.eval(t, idOnly)
	if r == n.short || r == unknown {
		return r
	}
	return l
}

func (n notNode) eval(t *Target, idOnly bool) tri {
	switch n.x.eval(t, idOnly) {
	case yes:
		return no
	case no:
		return yes
	}
	return unknown
}

func (n binNode) walk(f func(*term)) { n.l.walk(f); n.r.walk(f) }
func (n notNode) walk(f func(*term)) { n.x.walk(f) }
