package jinja

import (
	"fmt"
	"path"
	"strings"
)

const (
	maxCallDepth = 200       // nested macro calls, includes and imports
	maxSteps     = 20000000  // loop iterations + calls per render
	maxOutput    = 64 << 20  // bytes of output per render
	maxStringLen = 16 << 20  // bytes of one computed string
	maxItems     = 1 << 20   // items of one computed list
	maxAlloc     = 256 << 20 // bytes of strings and list slots computed per render
)

type ctl int

const (
	ctlNone ctl = iota
	ctlBreak
	ctlContinue
)

type frame struct {
	vars   map[string]any
	parent *frame
	tpl    *template
}

func newFrame(parent *frame, tpl *template) *frame { return &frame{parent: parent, tpl: tpl} }

func (f *frame) lookup(name string) (any, bool) {
	for ; f != nil; f = f.parent {
		if v, ok := f.vars[name]; ok {
			return v, true
		}
	}
	return nil, false
}

func (f *frame) set(name string, v any) {
	if f.vars == nil {
		f.vars = map[string]any{}
	}
	f.vars[name] = v
}

// renderer holds the mutable state of one Render call.
type renderer struct {
	env     *Env
	globals *frame
	out     *strings.Builder
	outLen  int
	name    string // top-level template name, for errors before any frame runs
	inherit *inheritance
	depth   int
	steps   int
	alloced int
	line    int
	cur     *frame // frame whose template is executing (for error file names)
	order   *KeyOrder
}

type macro struct {
	name     string
	params   []string
	defaults []expr
	body     []node
	closure  *frame
	caller   bool
}

type module struct {
	name string
	vars map[string]any
}

type namespace struct{ d *pyDict }

type builtinFunc func(r *renderer, args []any, kw map[string]any) any

type boundMethod struct {
	recv any
	name string
}

// fail aborts rendering with an error at the current line of the current template.
func (r *renderer) fail(format string, args ...any) {
	file := r.name
	if r.cur != nil {
		file = r.cur.tpl.display
	}
	panic(&Error{File: file, Line: r.line, Msg: fmt.Sprintf(format, args...)})
}

// failUndefined aborts rendering on the use of an undefined value.
func (r *renderer) failUndefined(u undefined) {
	file := r.name
	if r.cur != nil {
		file = r.cur.tpl.display
	}
	panic(&Error{File: file, Line: r.line, Msg: u.msg(), Undefined: true})
}

func (r *renderer) step() {
	r.steps++
	if r.steps > maxSteps {
		r.fail("template too expensive: more than %d loop iterations and calls", maxSteps)
	}
}

// alloc charges n bytes against the per-render memory budget.
func (r *renderer) alloc(n int) {
	r.alloced += n
	if n < 0 || r.alloced > maxAlloc {
		r.fail("template uses too much memory (more than %d MiB of computed values)", maxAlloc>>20)
	}
}

func (r *renderer) write(s string) {
	r.outLen += len(s)
	if r.outLen > maxOutput {
		r.fail("template output too large (more than %d bytes)", maxOutput)
	}
	r.out.WriteString(s)
}

// capture runs fn with output redirected into a fresh buffer and returns what it wrote.
func (r *renderer) capture(fn func()) string {
	saved := r.out
	var sb strings.Builder
	r.out = &sb
	defer func() { r.out = saved }()
	fn()
	return sb.String()
}

func (r *renderer) execBody(body []node, f *frame) ctl {
	savedCur := r.cur
	r.cur = f
	defer func() { r.cur = savedCur }()
	for _, n := range body {
		if c := r.exec(n, f); c != ctlNone {
			return c
		}
	}
	return ctlNone
}

func (r *renderer) exec(n node, f *frame) ctl {
	r.line = n.nodeLine()
	switch n := n.(type) {
	case *textNode:
		r.write(n.s)
	case *outputNode:
		v := r.eval(n.x, f)
		if u, ok := v.(undefined); ok {
			// Salt renders with StrictUndefined: printing one fails
			r.failUndefined(u)
		}
		r.write(pyStr(v))
	case *ifNode:
		for i, c := range n.conds {
			if truthy(r.eval(c, f)) {
				return r.execBody(n.bodies[i], f)
			}
		}
		return r.execBody(n.els, f)
	case *forNode:
		return r.execFor(n, f, r.eval(n.iter, f), 0)
	case *setNode:
		v := r.eval(n.x, f)
		r.line = n.line
		r.assign(n.target, v, f)
	case *setBlockNode:
		var v any = r.capture(func() { r.execBody(n.body, newFrame(f, f.tpl)) })
		for _, fl := range n.filters {
			v = r.applyFilter(fl, v, f)
		}
		r.assign(n.target, v, f)
	case *doNode:
		r.eval(n.x, f)
	case *macroNode:
		f.set(n.name, &macro{name: n.name, params: n.params, defaults: n.defaults, body: n.body, closure: f})
	case *callBlockNode:
		caller := &macro{name: "caller", params: n.params, defaults: n.defaults, body: n.body, closure: f, caller: true}
		fn := r.eval(n.call.fn, f)
		args, kw := r.evalArgs(n.call.args, n.call.kwnames, n.call.kwvals, n.call.starArgs, n.call.starKw, f)
		kw["caller"] = caller
		r.line = n.line
		r.write(pyStr(r.callValue(fn, args, kw)))
	case *filterBlockNode:
		var v any = r.capture(func() { r.execBody(n.body, newFrame(f, f.tpl)) })
		for _, fl := range n.filters {
			v = r.applyFilter(fl, v, f)
		}
		r.write(pyStr(v))
	case *importNode:
		name := r.templateName(r.eval(n.tmpl, f), f)
		r.line = n.line
		f.set(n.alias, r.importModule(name, f, n.withContext))
	case *fromImportNode:
		name := r.templateName(r.eval(n.tmpl, f), f)
		r.line = n.line
		mod := r.importModule(name, f, n.withContext)
		for _, nm := range n.names {
			v, ok := mod.vars[nm[0]]
			if !ok || strings.HasPrefix(nm[0], "_") {
				r.line = n.line
				r.fail("the template %s (imported on line %d) does not export the requested name '%s'", pyRepr(name), n.line, nm[0])
			}
			f.set(nm[1], v)
		}
	case *includeNode:
		r.execInclude(n, f)
	case *importDataNode:
		name := r.templateName(r.eval(n.tmpl, f), f)
		r.line = n.line
		text := r.renderImported(name, f, n.withContext)
		r.line = n.line
		f.set(n.alias, r.loadData(n.kind, text, name))
	case *loadDataNode:
		text := r.capture(func() { r.execBody(n.body, newFrame(f, f.tpl)) })
		r.line = n.line
		f.set(n.name, r.loadData(n.kind, text, "load_"+n.kind+" block"))
	case *withNode:
		inner := newFrame(f, f.tpl)
		for i, t := range n.targets {
			r.assign(t, r.eval(n.values[i], f), inner)
		}
		return r.execBody(n.body, inner)
	case *blockNode:
		if n.name == "" || r.inherit == nil {
			return r.execBody(n.body, f)
		}
		if r.inherit.parent != nil {
			return ctlNone // a child template's output outside the parent's blocks is dropped
		}
		r.execBlock(n.name, 0, f)
	case *extendsNode:
		r.execExtends(n, f)
	case *loopCtlNode:
		if n.brk {
			return ctlBreak
		}
		return ctlContinue
	default:
		r.fail("unknown node %T", n)
	}
	return ctlNone
}

func (r *renderer) loadData(kind, text, what string) any {
	switch kind {
	case "yaml":
		v, err := loadYAML(text)
		if err != nil {
			r.fail("%s: %v", what, err)
		}
		return v
	case "json":
		v, err := loadJSON(text)
		if err != nil {
			r.fail("%s: %v", what, err)
		}
		return v
	}
	return text
}

func (r *renderer) assign(target expr, v any, f *frame) {
	switch t := target.(type) {
	case *nameExpr:
		f.set(t.name, v)
	case *tupleExpr:
		items := r.unpackable(v)
		if len(items) != len(t.items) {
			if len(items) > len(t.items) {
				r.fail("too many values to unpack (expected %d)", len(t.items))
			}
			r.fail("not enough values to unpack (expected %d, got %d)", len(t.items), len(items))
		}
		for i, it := range t.items {
			r.assign(it, items[i], f)
		}
	case *attrExpr:
		obj := r.eval(t.x, f)
		ns, ok := obj.(*namespace)
		if !ok {
			r.fail("cannot assign attribute on non-namespace object")
		}
		ns.d.Set(t.name, v)
	default:
		r.fail("cannot assign to %T", target)
	}
}

func (r *renderer) unpackable(v any) []any {
	switch x := v.(type) {
	case *pyList:
		return x.items
	case pyTuple:
		return x
	case string:
		return stringChars(x)
	case *pyDict:
		return dictKeys(x)
	}
	r.fail("cannot unpack non-iterable %s object", typeName(v))
	return nil
}

func stringChars(s string) []any {
	out := make([]any, 0, len(s))
	for _, c := range s {
		out = append(out, string(c))
	}
	return out
}

func dictKeys(d *pyDict) []any {
	out := make([]any, len(d.keys))
	for i, k := range d.keys {
		out[i] = d.key(k)
	}
	return out
}

// iterate returns the items of an iterable value (a snapshot).
func (r *renderer) iterate(v any) []any {
	switch x := v.(type) {
	case *pyList:
		return append([]any(nil), x.items...)
	case pyTuple:
		return x
	case *pyDict:
		return dictKeys(x)
	case string:
		return stringChars(x)
	case undefined:
		return nil
	case *namespace:
		return dictKeys(x.d)
	}
	r.fail("'%s' object is not iterable", typeName(v))
	return nil
}

type loopObj struct {
	r        *renderer
	node     *forNode
	frame    *frame
	items    []any
	index0   int
	depth0   int
	lastSeen any
	seen     bool
}

func (r *renderer) execFor(n *forNode, f *frame, iterV any, depth0 int) ctl {
	items := r.iterate(iterV)
	loopF := newFrame(f, f.tpl)
	if n.cond != nil {
		kept := items[:0:0]
		for _, it := range items {
			r.step()
			r.assign(n.target, it, loopF)
			if truthy(r.eval(n.cond, loopF)) {
				kept = append(kept, it)
			}
		}
		items = kept
	}
	if len(items) == 0 {
		if n.els != nil {
			return r.execBody(n.els, newFrame(f, f.tpl))
		}
		return ctlNone
	}
	lo := &loopObj{r: r, node: n, frame: f, items: items, depth0: depth0}
	loopF.set("loop", lo)
	for i, it := range items {
		r.step()
		lo.index0 = i
		r.line = n.line
		r.assign(n.target, it, loopF)
		if c := r.execBody(n.body, loopF); c == ctlBreak {
			break
		}
	}
	return ctlNone
}

func (l *loopObj) attr(name string) (any, bool) {
	n := len(l.items)
	switch name {
	case "index":
		return l.index0 + 1, true
	case "index0":
		return l.index0, true
	case "revindex":
		return n - l.index0, true
	case "revindex0":
		return n - l.index0 - 1, true
	case "first":
		return l.index0 == 0, true
	case "last":
		return l.index0 == n-1, true
	case "length":
		return n, true
	case "depth":
		return l.depth0 + 1, true
	case "depth0":
		return l.depth0, true
	case "previtem":
		if l.index0 > 0 {
			return l.items[l.index0-1], true
		}
		return undefined{name: "previtem", hint: "there is no previous item"}, true
	case "nextitem":
		if l.index0+1 < n {
			return l.items[l.index0+1], true
		}
		return undefined{name: "nextitem", hint: "there is no next item"}, true
	case "cycle":
		return &boundMethod{recv: l, name: "cycle"}, true
	case "changed":
		return &boundMethod{recv: l, name: "changed"}, true
	}
	return nil, false
}

func (r *renderer) execInclude(n *includeNode, f *frame) {
	v := r.eval(n.tmpl, f)
	names := []any{v}
	if l, ok := v.(*pyList); ok {
		names = l.items
	} else if t, ok := v.(pyTuple); ok {
		names = t
	}
	r.line = n.line
	var lastErr error
	for _, nv := range names {
		name := r.templateName(nv, f)
		tpl, err := r.loadTemplate(name)
		if err != nil {
			lastErr = err
			continue
		}
		r.enterCall()
		parent := r.globals
		if n.withContext {
			parent = f
		}
		r.runTemplate(tpl, newFrame(parent, tpl))
		r.depth--
		return
	}
	if n.ignoreMissing {
		return
	}
	r.line = n.line
	if e, ok := lastErr.(*Error); ok {
		panic(e)
	}
	r.fail("%v", lastErr)
}

func (r *renderer) enterCall() {
	r.depth++
	if r.depth > maxCallDepth {
		r.fail("maximum recursion depth exceeded (more than %d nested macro calls, includes or imports)", maxCallDepth)
	}
	r.step()
}

// templateName resolves a template reference: strips salt://, resolves ./ and ../ against the current template.
func (r *renderer) templateName(v any, f *frame) string {
	s, ok := v.(string)
	if !ok {
		if u, isU := v.(undefined); isU {
			r.fail("template name is undefined: %s", u.msg())
		}
		r.fail("template name must be a string, got %s", typeName(v))
	}
	s = strings.TrimPrefix(s, "salt://")
	if strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") {
		base := path.Dir(f.tpl.name)
		if !f.tpl.loaded {
			// The top-level template's name may be a display path; like Salt, resolve
			// relative names against the tpldir global when the caller provides it.
			if td, ok := r.globals.vars["tpldir"].(string); ok {
				base = td
			}
		}
		if base == "." {
			base = ""
		}
		s = path.Join(base, s)
	}
	return s
}

func (r *renderer) loadTemplate(name string) (*template, error) {
	if r.env.loader == nil {
		return nil, fmt.Errorf("template %s not found: no loader configured", pyRepr(name))
	}
	src, display, err := r.env.loader.Load(name)
	if err != nil {
		return nil, fmt.Errorf("template %s not found: %w", pyRepr(name), err)
	}
	if display == "" {
		display = name
	}
	return r.env.parse(name, display, src, true)
}

func (r *renderer) mustLoad(name string) *template {
	tpl, err := r.loadTemplate(name)
	if err != nil {
		if e, ok := err.(*Error); ok {
			panic(e)
		}
		r.fail("%v", err)
	}
	return tpl
}

// tplDir is the tpldir and tpldot Salt's loader sets for the template
// name: its directory ("." at the top) and that directory dotted.
func tplDir(name string) (tpldir, tpldot string) {
	dir := path.Dir(name)
	if dir == "." || dir == "/" {
		dir = ""
	}
	tpldir = dir
	if tpldir == "" {
		tpldir = "."
	}
	return tpldir, strings.ReplaceAll(dir, "/", ".")
}

// importFrame returns the frame an imported template runs in. Without context it sees the
// render globals, and — like Salt's loader, which updates tpldir/tplfile/tpldot for every template
// it loads — its own location when the globals carry those names; with context it sees the importer.
func (r *renderer) importFrame(name string, tpl *template, f *frame, withContext bool) *frame {
	if withContext {
		return newFrame(f, tpl)
	}
	mf := newFrame(r.globals, tpl)
	if _, ok := r.globals.vars["tpldir"]; ok {
		tpldir, tpldot := tplDir(name)
		mf.set("tplfile", name)
		mf.set("tpldir", tpldir)
		mf.set("tpldot", tpldot)
	}
	return mf
}

// inheritance tracks {% extends %} for one template execution: the block chains
// (child-most first) and the parent template still to render.
type inheritance struct {
	blocks map[string][]*blockNode
	parent *template
	pframe *frame
}

func collectBlocks(body []node, into map[string][]*blockNode) {
	for _, n := range body {
		switch n := n.(type) {
		case *blockNode:
			if n.name != "" {
				into[n.name] = append(into[n.name], n)
			}
			collectBlocks(n.body, into)
		case *ifNode:
			for _, b := range n.bodies {
				collectBlocks(b, into)
			}
			collectBlocks(n.els, into)
		case *forNode:
			collectBlocks(n.body, into)
			collectBlocks(n.els, into)
		case *withNode:
			collectBlocks(n.body, into)
		}
	}
}

// runTemplate executes a template body with template inheritance support.
func (r *renderer) runTemplate(tpl *template, f *frame) {
	saved := r.inherit
	inh := &inheritance{blocks: map[string][]*blockNode{}}
	collectBlocks(tpl.body, inh.blocks)
	r.inherit = inh
	out := r.out
	defer func() { r.inherit, r.out = saved, out }()
	r.execBody(tpl.body, f)
	r.out = out
	levels := 0
	defer func() { r.depth -= levels }()
	for inh.parent != nil {
		parent := inh.parent
		inh.parent = nil
		own := map[string][]*blockNode{}
		collectBlocks(parent.body, own)
		for name, chain := range own {
			inh.blocks[name] = append(inh.blocks[name], chain...)
		}
		r.enterCall()
		levels++
		r.execBody(parent.body, newFrame(inh.pframe, parent))
		r.out = out
	}
}

func (r *renderer) execExtends(n *extendsNode, f *frame) {
	if r.inherit == nil {
		r.fail("extends is only allowed at the top level of a template")
	}
	if r.inherit.parent != nil {
		r.fail("extended multiple times")
	}
	name := r.templateName(r.eval(n.tmpl, f), f)
	r.line = n.line
	r.inherit.parent = r.mustLoad(name)
	r.inherit.pframe = f
	// Like Jinja: once extended, the child's own output is dropped (its statements still run).
	r.out = &strings.Builder{}
}

// execBlock renders level i of block name's chain; super() renders level i+1.
func (r *renderer) execBlock(name string, i int, f *frame) {
	chain := r.inherit.blocks[name]
	if i >= len(chain) {
		r.fail("no parent block %q to call super() on", name)
	}
	bf := newFrame(f, f.tpl)
	inh := r.inherit
	bf.set("super", builtinFunc(func(r *renderer, args []any, kw map[string]any) any {
		saved := r.inherit
		r.inherit = inh
		defer func() { r.inherit = saved }()
		return r.capture(func() { r.execBlock(name, i+1, f) })
	}))
	r.execBody(chain[i].body, bf)
}

// renderImported renders template name in a fresh frame and returns its output.
func (r *renderer) renderImported(name string, f *frame, withContext bool) string {
	tpl := r.mustLoad(name)
	r.enterCall()
	defer func() { r.depth-- }()
	mf := r.importFrame(name, tpl, f, withContext)
	return r.capture(func() { r.runTemplate(tpl, newFrame(mf, tpl)) })
}

func (r *renderer) importModule(name string, f *frame, withContext bool) *module {
	tpl := r.mustLoad(name)
	r.enterCall()
	defer func() { r.depth-- }()
	mf := newFrame(r.importFrame(name, tpl, f, withContext), tpl)
	r.capture(func() { r.runTemplate(tpl, mf) })
	vars := mf.vars
	if vars == nil {
		vars = map[string]any{}
	}
	return &module{name: name, vars: vars}
}

func (r *renderer) callMacro(m *macro, args []any, kw map[string]any) any {
	r.enterCall()
	savedLine := r.line
	defer func() { r.depth--; r.line = savedLine }()
	mf := newFrame(m.closure, m.closure.tpl)
	np := len(m.params)
	for i, p := range m.params {
		if i < len(args) {
			mf.set(p, args[i])
		} else if v, ok := kw[p]; ok {
			mf.set(p, v)
		} else if m.defaults[i] != nil {
			mf.set(p, r.eval(m.defaults[i], mf))
		} else {
			mf.set(p, undefined{name: p, hint: fmt.Sprintf("parameter '%s' was not provided", p)})
		}
	}
	var extra pyTuple
	if len(args) > np {
		extra = append(pyTuple{}, args[np:]...)
	}
	mf.set("varargs", extra)
	kwd := newDict()
	for k, v := range kw {
		found := false
		for _, p := range m.params {
			if p == k {
				found = true
				break
			}
		}
		if k == "caller" {
			mf.set("caller", v)
			continue
		}
		if !found {
			kwd.Set(k, v)
		}
	}
	sortDictKeys(kwd)
	mf.set("kwargs", kwd)
	return r.capture(func() { r.execBody(m.body, mf) })
}

func sortDictKeys(d *pyDict) {
	sortValues(d.keys)
}

func (r *renderer) evalArgs(args []expr, kwn []string, kwv []expr, star, starKw expr, f *frame) ([]any, map[string]any) {
	av := make([]any, 0, len(args))
	for _, a := range args {
		av = append(av, r.eval(a, f))
	}
	if star != nil {
		av = append(av, r.iterate(r.eval(star, f))...)
	}
	kw := make(map[string]any, len(kwn))
	for i, k := range kwn {
		kw[k] = r.eval(kwv[i], f)
	}
	if starKw != nil {
		d, ok := r.eval(starKw, f).(*pyDict)
		if !ok {
			r.fail("argument after ** must be a mapping")
		}
		for _, k := range d.keys {
			ks, ok := k.(string)
			if !ok {
				r.fail("keywords must be strings")
			}
			kw[ks] = d.m[k]
		}
	}
	return av, kw
}

// callValue calls fn with already evaluated arguments.
func (r *renderer) callValue(fn any, args []any, kw map[string]any) any {
	r.step()
	switch c := fn.(type) {
	case *macro:
		return r.callMacro(c, args, kw)
	case Callable:
		return r.callGo(c, args, kw)
	case *boundMethod:
		return r.callMethod(c.recv, c.name, args, kw)
	case builtinFunc:
		return c(r, args, kw)
	case *loopObj:
		if !c.node.recursive {
			r.fail("the loop is not recursive; use 'recursive' in the for statement to call loop()")
		}
		if len(args) != 1 {
			r.fail("loop() takes exactly one argument")
		}
		r.enterCall()
		defer func() { r.depth-- }()
		return r.capture(func() { r.execFor(c.node, c.frame, args[0], c.depth0+1) })
	case undefined:
		r.failUndefined(c)
	}
	r.fail("'%s' object is not callable", typeName(fn))
	return nil
}

func (r *renderer) callGo(c Callable, args []any, kw map[string]any) any {
	ga := make([]any, len(args))
	for i, a := range args {
		ga[i] = toGoOrdered(a, r.order)
	}
	gk := make(map[string]any, len(kw))
	for k, v := range kw {
		gk[k] = toGoOrdered(v, r.order)
	}
	line, cur := r.line, r.cur
	res, err := safeCall(c, ga, gk)
	r.line, r.cur = line, cur
	if err != nil {
		r.fail("%v", err)
	}
	return fromGoOrdered(res, r.order)
}

// safeCall runs a Go callback, turning a panic in it into an error.
func safeCall(c Callable, args []any, kw map[string]any) (res any, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("function call failed: %v", p)
		}
	}()
	return c(args, kw)
}

func (r *renderer) applyFilter(fl *filterExpr, v any, f *frame) any {
	fn, ok := r.env.filters[fl.name]
	if !ok {
		r.line = fl.line
		r.fail("No filter named '%s'.", fl.name)
	}
	args, kw := r.evalArgs(fl.args, fl.kwnames, fl.kwvals, fl.star, fl.starKw, f)
	r.line = fl.line
	r.step()
	return fn(r, v, args, kw)
}

// global functions available to every template.
func builtinGlobal(name string) (any, bool) {
	switch name {
	case "range":
		return builtinFunc(fnRange), true
	case "dict":
		return builtinFunc(fnDict), true
	case "namespace":
		return builtinFunc(func(r *renderer, args []any, kw map[string]any) any {
			d := fnDict(r, args, kw).(*pyDict)
			return &namespace{d: d}
		}), true
	case "raise":
		return builtinFunc(func(r *renderer, args []any, kw map[string]any) any {
			msg := "raise() called"
			if len(args) > 0 {
				msg = pyStr(args[0])
			}
			r.fail("%s", msg)
			return nil
		}), true
	case "lipsum":
		return builtinFunc(func(r *renderer, args []any, kw map[string]any) any { return "Lorem ipsum dolor sit amet." }), true
	}
	return nil, false
}

func fnRange(r *renderer, args []any, kw map[string]any) any {
	ints := make([]int, len(args))
	for i, a := range args {
		n, ok := a.(int)
		if !ok {
			if b, isB := a.(bool); isB {
				n = map[bool]int{true: 1}[b]
			} else {
				r.fail("range() argument must be an integer, not '%s'", typeName(a))
			}
		}
		ints[i] = n
	}
	start, stop, stepN := 0, 0, 1
	switch len(ints) {
	case 1:
		stop = ints[0]
	case 2:
		start, stop = ints[0], ints[1]
	case 3:
		start, stop, stepN = ints[0], ints[1], ints[2]
	default:
		r.fail("range expected 1 to 3 arguments, got %d", len(ints))
	}
	if stepN == 0 {
		r.fail("range() arg 3 must not be zero")
	}
	var n int
	if stepN > 0 && stop > start {
		n = int((uint64(stop-start) + uint64(stepN) - 1) / uint64(stepN))
	} else if stepN < 0 && start > stop {
		n = int((uint64(start-stop) + uint64(-stepN) - 1) / uint64(-stepN))
	}
	if n > maxItems {
		r.fail("range() too large (%d items)", n)
	}
	r.alloc(n * 16)
	out := make([]any, n)
	for i := range out {
		out[i] = start + i*stepN
	}
	return &pyList{items: out}
}

func fnDict(r *renderer, args []any, kw map[string]any) any {
	d := newDict()
	if len(args) > 1 {
		r.fail("dict expected at most 1 argument, got %d", len(args))
	}
	if len(args) == 1 {
		r.updateDict(d, args[0])
	}
	keys := make([]string, 0, len(kw))
	for k := range kw {
		keys = append(keys, k)
	}
	sortStrings(keys)
	for _, k := range keys {
		d.Set(k, kw[k])
	}
	return d
}

// updateDict implements dict.update(other) for dicts and sequences of pairs.
func (r *renderer) updateDict(d *pyDict, other any) {
	switch o := other.(type) {
	case *pyDict:
		for _, k := range append([]any(nil), o.keys...) {
			d.Set(o.key(k), o.m[k])
		}
	case *namespace:
		r.updateDict(d, o.d)
	default:
		for _, it := range r.iterate(other) {
			pair, ok := asSeq(it)
			if !ok || len(pair) != 2 {
				r.fail("dictionary update sequence element has wrong length or type")
			}
			if !d.Set(pair[0], pair[1]) {
				r.fail("unhashable type: '%s'", typeName(pair[0]))
			}
		}
	}
}
