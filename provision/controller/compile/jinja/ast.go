package jinja

// template is a parsed, immutable template; safe to share between renders.
type template struct {
	name            string // logical name (for relative imports)
	display         string // name shown in errors
	body            []node
	trailingNewline bool
	loaded          bool // loaded through the Loader (name is a tree-relative name)
}

type node interface{ nodeLine() int }
type expr interface{ exprLine() int }

type pos struct{ line int }

func (p pos) nodeLine() int { return p.line }
func (p pos) exprLine() int { return p.line }

// statements
type (
	textNode struct {
		pos
		s string
	}
	outputNode struct {
		pos
		x expr
	}
	ifNode struct {
		pos
		conds  []expr
		bodies [][]node
		els    []node
	}
	forNode struct {
		pos
		target    expr // nameExpr or tupleExpr of names
		iter      expr
		cond      expr
		body, els []node
		recursive bool
	}
	setNode struct {
		pos
		target expr // nameExpr, tupleExpr or attrExpr (namespace)
		x      expr
	}
	setBlockNode struct {
		pos
		target  expr
		filters []*filterExpr
		body    []node
	}
	doNode struct {
		pos
		x expr
	}
	macroNode struct {
		pos
		name     string
		params   []string
		defaults []expr // same length as params; nil = required
		body     []node
	}
	callBlockNode struct {
		pos
		call     *callExpr
		params   []string
		defaults []expr
		body     []node
	}
	filterBlockNode struct {
		pos
		filters []*filterExpr
		body    []node
	}
	importNode struct {
		pos
		tmpl        expr
		alias       string
		withContext bool
	}
	fromImportNode struct {
		pos
		tmpl        expr
		names       [][2]string // name, alias
		withContext bool
	}
	includeNode struct {
		pos
		tmpl          expr
		ignoreMissing bool
		withContext   bool
	}
	importDataNode struct {
		pos
		kind        string // yaml, json, text
		tmpl        expr
		alias       string
		withContext bool
	}
	loadDataNode struct {
		pos
		kind string
		name string
		body []node
	}
	withNode struct {
		pos
		targets []expr
		values  []expr
		body    []node
	}
	blockNode struct {
		pos
		name string // "" for the autoescape wrapper
		body []node
	}
	extendsNode struct {
		pos
		tmpl expr
	}
	loopCtlNode struct {
		pos
		brk bool
	}
)

// expressions
type (
	constExpr struct {
		pos
		v any
	}
	nameExpr struct {
		pos
		name string
	}
	listExpr struct {
		pos
		items []expr
	}
	tupleExpr struct {
		pos
		items []expr
	}
	dictExpr struct {
		pos
		keys, vals []expr
	}
	unaryExpr struct {
		pos
		op string
		x  expr
	}
	binExpr struct {
		pos
		op   string
		l, r expr
	}
	compareExpr struct {
		pos
		first expr
		ops   []string
		rest  []expr
	}
	condExpr struct {
		pos
		cond, a, b expr
	}
	attrExpr struct {
		pos
		x    expr
		name string
	}
	itemExpr struct {
		pos
		x, key expr
	}
	sliceExpr struct {
		pos
		x, lo, hi, step expr
	}
	callExpr struct {
		pos
		fn       expr
		args     []expr
		kwnames  []string
		kwvals   []expr
		starArgs expr
		starKw   expr
	}
	filterExpr struct {
		pos
		x       expr // nil inside filter blocks
		name    string
		args    []expr
		kwnames []string
		kwvals  []expr
		star    expr
		starKw  expr
	}
	testExpr struct {
		pos
		x      expr
		name   string
		args   []expr
		negate bool
	}
)
