package jinja

import (
	"path"
	"strings"
)

// Reads is what a template, with everything it includes and imports, reads
// of some context variables: the top-level keys it looks up by constant
// names, or the whole variable when it uses it any other way. A render
// cache keyed on just these values is shared by hosts whose other grains
// differ. The analysis is conservative: what it cannot narrow counts whole.
type Reads struct {
	// Keys holds, per tracked variable, the top-level keys read by name.
	Keys map[string]map[string]bool
	// Whole lists the tracked variables read as a whole.
	Whole map[string]bool
	// Calls are the calls made through the salt variable with a constant
	// function name; what they read is the caller's to map.
	Calls []SaltCall
	// Dynamic: a template name or a salt function that is not a constant,
	// or a use of salt other than a call: anything may be read.
	Dynamic bool
}

// SaltCall is one salt['mod.fun'](...) or salt.mod.fun(...) call.
type SaltCall struct {
	Fun    string
	Args   []Arg
	Kwargs map[string]Arg
}

// Arg is a call's argument: its value when it is a constant.
type Arg struct {
	Value any
	Const bool
}

// Reads analyses src (named display) for the tracked variables. statics are
// context variables that are the same for every host (tpldir, sls...): a
// template name built from them and constants is followed. Included and
// imported templates are loaded through the Env's loader and analysed too.
func (e *Env) Reads(display string, src []byte, statics map[string]any, tracked []string) (Reads, error) {
	tpl, err := e.parse(display, display, src, false)
	if err != nil {
		return Reads{}, err
	}
	a := &readsWalker{env: e, tracked: map[string]bool{}, seen: map[string]bool{},
		out: Reads{Keys: map[string]map[string]bool{}, Whole: map[string]bool{}}}
	for _, t := range tracked {
		a.tracked[t] = true
	}
	a.template(tpl, statics)
	return a.out, nil
}

type readsWalker struct {
	env     *Env
	tracked map[string]bool
	seen    map[string]bool
	out     Reads
	statics map[string]any
	tpl     *template
}

func (a *readsWalker) key(v, k string) {
	if a.out.Keys[v] == nil {
		a.out.Keys[v] = map[string]bool{}
	}
	a.out.Keys[v][k] = true
}

func (a *readsWalker) template(t *template, statics map[string]any) {
	saved, savedTpl := a.statics, a.tpl
	a.statics, a.tpl = statics, t
	a.nodes(t.body)
	a.statics, a.tpl = saved, savedTpl
}

func (a *readsWalker) nodes(ns []node) {
	for _, n := range ns {
		a.node(n)
	}
}

func (a *readsWalker) node(n node) {
	switch n := n.(type) {
	case *textNode, *loopCtlNode:
	case *outputNode:
		a.expr(n.x)
	case *ifNode:
		a.exprs(n.conds)
		for _, b := range n.bodies {
			a.nodes(b)
		}
		a.nodes(n.els)
	case *forNode:
		a.expr(n.iter)
		a.expr(n.cond)
		a.nodes(n.body)
		a.nodes(n.els)
	case *setNode:
		a.assignTarget(n.target)
		a.expr(n.x)
	case *setBlockNode:
		a.assignTarget(n.target)
		for _, f := range n.filters {
			a.expr(f)
		}
		a.nodes(n.body)
	case *doNode:
		a.expr(n.x)
	case *macroNode:
		a.exprs(n.defaults)
		a.nodes(n.body)
	case *callBlockNode:
		a.expr(n.call)
		a.exprs(n.defaults)
		a.nodes(n.body)
	case *filterBlockNode:
		for _, f := range n.filters {
			a.expr(f)
		}
		a.nodes(n.body)
	case *importNode:
		a.load(n.tmpl)
	case *fromImportNode:
		a.load(n.tmpl)
	case *includeNode:
		a.load(n.tmpl)
	case *importDataNode:
		a.load(n.tmpl)
	case *extendsNode:
		a.load(n.tmpl)
	case *loadDataNode:
		a.nodes(n.body)
	case *withNode:
		a.exprs(n.targets)
		a.exprs(n.values)
		a.nodes(n.body)
	case *blockNode:
		a.nodes(n.body)
	default:
		a.out.Dynamic = true // a node this analysis does not know
	}
}

// assignTarget walks the expressions inside an assignment target (a
// namespace attribute); a plain name assigned is a local.
func (a *readsWalker) assignTarget(x expr) {
	switch t := x.(type) {
	case *nameExpr:
	case *tupleExpr:
		for _, i := range t.items {
			a.assignTarget(i)
		}
	default:
		a.expr(x)
	}
}

func (a *readsWalker) exprs(xs []expr) {
	for _, x := range xs {
		a.expr(x)
	}
}

// load follows a template reference: a name made of constants and static
// variables is loaded and analysed (once); any other is dynamic.
func (a *readsWalker) load(x expr) {
	names, ok := a.constNames(x)
	if !ok {
		a.expr(x)
		a.out.Dynamic = true
		return
	}
	for _, name := range names {
		name = strings.TrimPrefix(name, "salt://")
		if strings.HasPrefix(name, "./") || strings.HasPrefix(name, "../") {
			base := path.Dir(a.tpl.name)
			if !a.tpl.loaded {
				if td, ok := a.statics["tpldir"].(string); ok {
					base = td
				}
			}
			if base == "." {
				base = ""
			}
			name = path.Join(base, name)
		}
		if a.seen[name] {
			continue
		}
		a.seen[name] = true
		if a.env.loader == nil {
			continue // the render fails the same way for every host
		}
		src, display, err := a.env.loader.Load(name)
		if err != nil {
			continue // likewise (or ignore missing): no read
		}
		if display == "" {
			display = name
		}
		t, err := a.env.parse(name, display, src, true)
		if err != nil {
			continue
		}
		// Like the renderer's importFrame: a loaded template sees its own
		// location in tplfile, tpldir and tpldot.
		st := a.statics
		if _, ok := st["tpldir"]; ok {
			st = make(map[string]any, len(a.statics)+3)
			for k, v := range a.statics {
				st[k] = v
			}
			tpldir, tpldot := tplDir(name)
			st["tplfile"], st["tpldir"], st["tpldot"] = name, tpldir, tpldot
		}
		a.template(t, st)
	}
}

// constNames evaluates a template name made of constants, static
// variables, ~ and +, or a list of them.
func (a *readsWalker) constNames(x expr) ([]string, bool) {
	switch t := x.(type) {
	case *listExpr:
		return a.constNameList(t.items)
	case *tupleExpr:
		return a.constNameList(t.items)
	}
	s, ok := a.constString(x)
	if !ok {
		return nil, false
	}
	return []string{s}, true
}

func (a *readsWalker) constNameList(items []expr) ([]string, bool) {
	var out []string
	for _, i := range items {
		s, ok := a.constString(i)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func (a *readsWalker) constString(x expr) (string, bool) {
	switch t := x.(type) {
	case *constExpr:
		s, ok := t.v.(string)
		return s, ok
	case *nameExpr:
		if a.tracked[t.name] {
			return "", false
		}
		s, ok := a.statics[t.name].(string)
		return s, ok
	case *binExpr:
		if t.op != "~" && t.op != "+" {
			return "", false
		}
		l, ok1 := a.constString(t.l)
		r, ok2 := a.constString(t.r)
		return l + r, ok1 && ok2
	}
	return "", false
}

// constValue is an argument's value when it is a constant.
func constValue(x expr) (any, bool) {
	switch t := x.(type) {
	case *constExpr:
		return t.v, true
	case *listExpr:
		l := make([]any, len(t.items))
		for i, it := range t.items {
			v, ok := constValue(it)
			if !ok {
				return nil, false
			}
			l[i] = v
		}
		return l, true
	}
	return nil, false
}

// constStr is x's value when it is a constant string.
func constStr(x expr) (string, bool) {
	c, ok := x.(*constExpr)
	if !ok {
		return "", false
	}
	s, ok := c.v.(string)
	return s, ok
}

// trackedName is the tracked variable x names, or "".
func (a *readsWalker) trackedName(x expr) string {
	if n, ok := x.(*nameExpr); ok && a.tracked[n.name] {
		return n.name
	}
	return ""
}

// saltFun is the function named by salt['mod.fun'], salt.mod.fun or
// salt.mod['fun'] (ok false when x is none of those).
func (a *readsWalker) saltFun(x expr) (fun string, constant bool, ok bool) {
	switch t := x.(type) {
	case *itemExpr:
		if n, isName := t.x.(*nameExpr); isName && n.name == "salt" {
			if s, isStr := constStr(t.key); isStr {
				return s, true, true
			}
			return "", false, true
		}
		if at, isAttr := t.x.(*attrExpr); isAttr {
			if n, isName := at.x.(*nameExpr); isName && n.name == "salt" {
				if s, isStr := constStr(t.key); isStr {
					return at.name + "." + s, true, true
				}
				return "", false, true
			}
		}
	case *attrExpr:
		if at, isAttr := t.x.(*attrExpr); isAttr {
			if n, isName := at.x.(*nameExpr); isName && n.name == "salt" {
				return at.name + "." + t.name, true, true
			}
		}
	}
	return "", false, false
}

func (a *readsWalker) expr(x expr) {
	if x == nil {
		return
	}
	switch t := x.(type) {
	case *constExpr:
	case *nameExpr:
		switch {
		case a.tracked[t.name]:
			a.out.Whole[t.name] = true
		case t.name == "salt":
			a.out.Dynamic = true
		}
	case *listExpr:
		a.exprs(t.items)
	case *tupleExpr:
		a.exprs(t.items)
	case *dictExpr:
		a.exprs(t.keys)
		a.exprs(t.vals)
	case *unaryExpr:
		a.expr(t.x)
	case *binExpr:
		a.expr(t.l)
		a.expr(t.r)
	case *compareExpr:
		// 'key' in grains
		if len(t.ops) == 1 && (t.ops[0] == "in" || t.ops[0] == "not in") {
			if v := a.trackedName(t.rest[0]); v != "" {
				if k, ok := constStr(t.first); ok {
					a.key(v, k)
					return
				}
			}
		}
		a.expr(t.first)
		a.exprs(t.rest)
	case *condExpr:
		a.expr(t.cond)
		a.expr(t.a)
		a.expr(t.b)
	case *attrExpr:
		if v := a.trackedName(t.x); v != "" && !dictMethods[t.name] {
			a.key(v, t.name) // grains.os: Jinja's getattr falls back to the item
			return
		}
		if _, _, isSalt := a.saltFun(t); isSalt {
			a.out.Dynamic = true // a salt function not called: passed around
			return
		}
		a.expr(t.x)
	case *itemExpr:
		if v := a.trackedName(t.x); v != "" {
			if k, ok := constStr(t.key); ok {
				a.key(v, k)
				return
			}
		}
		if _, _, isSalt := a.saltFun(t); isSalt {
			a.out.Dynamic = true
			return
		}
		a.expr(t.x)
		a.expr(t.key)
	case *sliceExpr:
		a.expr(t.x)
		a.expr(t.lo)
		a.expr(t.hi)
		a.expr(t.step)
	case *callExpr:
		a.call(t)
	case *filterExpr:
		a.expr(t.x)
		a.exprs(t.args)
		a.exprs(t.kwvals)
		a.expr(t.star)
		a.expr(t.starKw)
	case *testExpr:
		// salt['x'] is defined / callable: only the catalog, same for all.
		if _, _, isSalt := a.saltFun(t.x); !isSalt {
			a.expr(t.x)
		}
		a.exprs(t.args)
	default:
		a.out.Dynamic = true
	}
}

func (a *readsWalker) call(t *callExpr) {
	a.exprs(t.args)
	a.exprs(t.kwvals)
	a.expr(t.starArgs)
	a.expr(t.starKw)
	// grains.get('os') and grains.has_key('os')
	if at, ok := t.fn.(*attrExpr); ok {
		if v := a.trackedName(at.x); v != "" {
			if (at.name == "get" || at.name == "has_key") && len(t.args) > 0 {
				if k, ok := constStr(t.args[0]); ok {
					a.key(v, k)
					return
				}
			}
			a.out.Whole[v] = true
			return
		}
	}
	if fun, constant, isSalt := a.saltFun(t.fn); isSalt {
		if !constant || t.starArgs != nil || t.starKw != nil {
			a.out.Dynamic = true
			return
		}
		c := SaltCall{Fun: fun, Kwargs: map[string]Arg{}}
		for _, x := range t.args {
			v, ok := constValue(x)
			c.Args = append(c.Args, Arg{Value: v, Const: ok})
		}
		for i, k := range t.kwnames {
			v, ok := constValue(t.kwvals[i])
			c.Kwargs[k] = Arg{Value: v, Const: ok}
		}
		a.out.Calls = append(a.out.Calls, c)
		return
	}
	a.expr(t.fn)
}
