package jinja

import (
	"strconv"

	"brine/provision/lib/pyfmt"
)

// The engine's Python semantics (str, repr, truth, ==, ordering, type
// names, json.dumps, yaml.safe_dump) are pyfmt's; the engine's own value
// types tell pyfmt what they are through its hooks below.

func pyStr(v any) string                  { return pyfmt.Str(v) }
func pyRepr(v any) string                 { return pyfmt.Repr(v) }
func typeName(v any) string               { return pyfmt.TypeName(v) }
func truthy(v any) bool                   { return pyfmt.Truth(v) }
func valuesEqual(a, b any) bool           { return pyfmt.Equal(a, b) }
func compareValues(a, b any) (int, error) { return pyfmt.Compare(a, b) }
func sortValues(keys []any)               { pyfmt.SortKeys(keys) }
func sameIdentity(a, b any) bool          { return pyfmt.Is(a, b) }

// Lists, tuples and dicts (pyfmt.Sequence, pyfmt.Mapping).

func (l *pyList) PySeq() ([]any, bool)    { return l.items, false }
func (t pyTuple) PySeq() ([]any, bool)    { return t, true }
func (d *pyDict) PyLen() int              { return len(d.keys) }
func (d *pyDict) PyGet(k any) (any, bool) { return d.Get(k) }

// PyOrdered reports whether the dict is an OrderedDict in Salt (see
// pyDict.ordered).
func (d *pyDict) PyOrdered() bool { return d.ordered }

// PyItems yields the dict's items in insertion order, keys as written.
func (d *pyDict) PyItems(yield func(k, v any) bool) {
	for _, hk := range d.keys {
		if !yield(d.key(hk), d.m[hk]) {
			return
		}
	}
}

// Undefined (pyfmt.Missing): "" in str(), false, not dumpable.

func (u undefined) PyType() string          { return "Undefined" }
func (u undefined) PyRepr(p *pyfmt.Printer) { p.WriteString("Undefined") }
func (u undefined) PyMissing() string       { return u.msg() }

// Macros, namespaces, loops, modules and functions (pyfmt.Object).

func (m *macro) PyType() string              { return "Macro" }
func (m *macro) PyRepr(p *pyfmt.Printer)     { p.WriteString("<Macro '" + m.name + "'>") }
func (n *namespace) PyType() string          { return "Namespace" }
func (l *loopObj) PyType() string            { return "LoopContext" }
func (m *module) PyType() string             { return "module" }
func (*boundMethod) PyType() string          { return "function" }
func (*boundMethod) PyRepr(p *pyfmt.Printer) { p.WriteString("<function>") }
func (builtinFunc) PyType() string           { return "function" }
func (builtinFunc) PyRepr(p *pyfmt.Printer)  { p.WriteString("<function>") }

// PyType is the Python type name of a function: "function".
func (Callable) PyType() string { return "function" }

// PyRepr writes a function's repr: "<function>".
func (Callable) PyRepr(p *pyfmt.Printer) { p.WriteString("<function>") }

func (n *namespace) PyRepr(p *pyfmt.Printer) {
	p.WriteString("<Namespace ")
	p.Repr(n.d)
	p.WriteString(">")
}

func (l *loopObj) PyRepr(p *pyfmt.Printer) {
	p.WriteString("<LoopContext " + strconv.Itoa(l.index0+1) + "/" + strconv.Itoa(len(l.items)) + ">")
}

func (m *module) PyRepr(p *pyfmt.Printer) {
	p.WriteString("<Template module '" + m.name + "'>")
}
