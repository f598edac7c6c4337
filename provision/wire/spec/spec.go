// Package spec describes the state functions brine implements: each
// function's arguments (name, type, required or default), which arguments
// are salt:// file sources, and its documentation. Every state module
// declares the specs of its functions next to their implementations; the
// compiler checks each chunk against them on the controller before anything
// runs (Salt's verify_data and format_call, done early), and the engine
// checks again on the host. A module declares its documentation apart (a
// Doc), which only the controller's catalog reads: the executor checks
// chunks without carrying the text.
package spec

import (
	"fmt"
	"sort"
	"strings"

	"brine/provision/lib/fnmatch"
)

// Type is the kind of value an argument takes. Only the types brine can
// check without guessing at Salt's intent are enforced: Bool, Int, Float,
// Mode, Str (a scalar) and Map; the others are documentation.
type Type uint8

// Argument types.
const (
	// Any value Salt passes through unchanged.
	Any Type = iota
	// Str is a scalar: a string, or a number or boolean read as text.
	Str
	// Bool is True or False (YAML booleans, 0/1, "true"/"false", ...).
	Bool
	// Int is an integer (or a string of digits).
	Int
	// Float is a number.
	Float
	// Mode is a file mode in octal digits (644, "0644", "0o644").
	Mode
	// List is a list, or one scalar that stands for a list of one.
	List
	// Map is a dictionary, or a list of one-key dictionaries.
	Map
)

// String names the type as the documentation shows it.
func (t Type) String() string {
	switch t {
	case Str:
		return "string"
	case Bool:
		return "bool"
	case Int:
		return "int"
	case Float:
		return "number"
	case Mode:
		return "mode"
	case List:
		return "list"
	case Map:
		return "dict"
	}
	return "any"
}

// Source says how the compiler resolves a salt:// argument into the bundle.
type Source uint8

// Source kinds.
const (
	// NoSource is an ordinary argument.
	NoSource Source = iota
	// File is a salt:// file (or a list of candidates, the first that
	// exists wins), rendered with the state's `template` when it has one.
	File
	// Raw is a salt:// file bundled as is, never rendered.
	Raw
	// Dir is a salt:// directory bundled file by file (file.recurse).
	Dir
)

// Arg is one argument of a state function, as Salt's signature declares it.
type Arg struct {
	Name string
	Type Type
	// Required arguments have no default in Salt's signature; a chunk
	// without one fails with "Missing parameter NAME for state MOD.FUN".
	Required bool
	// Default is Salt's default as Python writes it ("None", "False",
	// "'root'"); empty for a required argument.
	Default string
	// Source marks a salt:// file source the compiler resolves and bundles.
	Source Source
	// Ignored arguments are accepted as Salt accepts them but have no
	// effect in brine (Windows, SELinux, GPG ... options).
	Ignored bool
}

// Func is one state function.
type Func struct {
	// Doc is one paragraph: what the function does, Salt's result and
	// comments, and where brine differs (set from the module's Doc).
	Doc  string
	Args []Arg
	// Kwargs is set when Salt's function takes **kwargs: any other
	// argument is accepted (and ignored). Without it Salt rejects an
	// unknown argument: "'x' is an invalid keyword argument for 'mod.fun'".
	Kwargs bool
	// Err is set by Fn for a malformed signature (a bug the catalog test
	// catches); Check reports it instead of checking.
	Err error
}

// Arg returns the argument named name.
func (f *Func) Arg(name string) (Arg, bool) {
	for _, a := range f.Args {
		if a.Name == name {
			return a, true
		}
	}
	return Arg{}, false
}

// Module is one state module: its documentation and functions.
type Module struct {
	Doc   string
	Funcs map[string]*Func
}

// Doc is a state module's documentation: a paragraph for the module and
// one for each function (see Func.Doc).
type Doc struct {
	Module string
	Funcs  map[string]string
}

// Document sets m's documentation from d; it reports the functions d
// documents that m does not have.
func (m *Module) Document(d Doc) (unknown []string) {
	m.Doc = d.Module
	for name, text := range d.Funcs {
		f, ok := m.Funcs[name]
		if !ok || f == nil {
			unknown = append(unknown, name)
			continue
		}
		f.Doc = text
	}
	sort.Strings(unknown)
	return unknown
}

// Catalog maps module names ("file") to their specs. Build one per use
// (builtin.Catalog()); it is never global.
type Catalog map[string]*Module

// Func returns the spec of mod.fun.
func (c Catalog) Func(mod, fun string) (*Func, bool) {
	m, ok := c[mod]
	if !ok || m == nil {
		return nil, false
	}
	f, ok := m.Funcs[fun]
	return f, ok && f != nil
}

// All returns every "mod.fun", sorted.
func (c Catalog) All() []string {
	var out []string
	for m, mod := range c {
		for f := range mod.Funcs {
			out = append(out, m+"."+f)
		}
	}
	sort.Strings(out)
	return out
}

// List is sys.list_state_functions: every function, or those of the named
// modules ("file"), functions ("file.managed") or globs ("file.s*").
func (c Catalog) List(args ...string) []string {
	all := c.All()
	if len(args) == 0 {
		return all
	}
	seen := map[string]bool{}
	for _, a := range args {
		for _, f := range all {
			if strings.ContainsAny(a, "*.") {
				if fnmatch.Match(a, f) {
					seen[f] = true
				}
			} else if strings.HasPrefix(f, a+".") {
				seen[f] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// Docs is sys.state_doc: "mod.fun" -> documentation for every function,
// or those args select (modules, functions or globs, as Salt selects them),
// plus "mod" -> the module's documentation for each module listed.
func (c Catalog) Docs(args ...string) map[string]string {
	out := map[string]string{}
	add := func(full string) {
		mod, fun, _ := strings.Cut(full, ".")
		if f, ok := c.Func(mod, fun); ok {
			out[full] = f.Document(full)
			out[mod] = c[mod].Doc
		}
	}
	if len(args) == 0 {
		for _, f := range c.All() {
			add(f)
		}
		return out
	}
	for _, a := range args {
		for _, f := range c.All() {
			switch {
			case strings.Contains(a, "*"):
				if fnmatch.Match(a, f) {
					add(f)
				}
			case a == f || strings.HasPrefix(f, strings.TrimSuffix(a, ".")+"."):
				add(f)
			}
		}
	}
	return out
}

// Document renders the function's doc followed by its arguments, the way
// sys.state_doc prints it.
func (f *Func) Document(full string) string {
	var b strings.Builder
	b.WriteString(f.Doc)
	b.WriteString("\n\nArguments:")
	for _, a := range f.Args {
		fmt.Fprintf(&b, "\n    %s (%s", a.Name, a.Type)
		if a.Required {
			b.WriteString(", required")
		} else {
			fmt.Fprintf(&b, ", default %s", a.Default)
		}
		switch a.Source {
		case File, Raw:
			b.WriteString(", salt:// file source")
		case Dir:
			b.WriteString(", salt:// directory source")
		}
		if a.Ignored {
			b.WriteString(", accepted and ignored by brine")
		}
		b.WriteString(")")
	}
	if f.Kwargs {
		b.WriteString("\n    **kwargs (other arguments are accepted and ignored)")
	} else {
		fmt.Fprintf(&b, "\n    (any other argument is an error: Salt's %s takes no **kwargs)", full)
	}
	return b.String()
}

// SourceArg returns the argument of chunk c the compiler must resolve into
// the bundle: the first Source argument c sets other than name, or name
// itself when it is a source and holds a salt:// URL (cmd.script, cron.file).
func (f *Func) SourceArg(c map[string]any) (Arg, bool) {
	var byName *Arg
	for i, a := range f.Args {
		if a.Source == NoSource {
			continue
		}
		v, ok := c[a.Name]
		if !ok || v == nil {
			continue
		}
		if a.Name == "name" {
			if s, ok := v.(string); ok && strings.HasPrefix(s, "salt://") {
				byName = &f.Args[i]
			}
			continue
		}
		return a, true
	}
	if byName != nil {
		return *byName, true
	}
	return Arg{}, false
}
