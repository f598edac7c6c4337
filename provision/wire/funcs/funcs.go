// Package funcs is the catalog of the execution functions brine implements
// (Salt's execution modules: test.ping, cmd.run, pkg.install...): each
// function's Salt 3007.1 signature, where it is answered (on the host by the
// executor, or on the controller) and whether it only reads. The controller
// binds command-line arguments against it before contacting any host and
// prints it (sys.doc, sys.list_functions, sys.argspec, the README's table);
// the executor binds a call against it again before running the function.
//
// The signatures are Salt's, read from Salt 3007.1's source
// (salt/modules/*.py, or salt/client/ssh/wrapper/*.py where salt-ssh
// answers a function on the master); they live in table.go. The docs live
// apart (docs.go, read only by Documented) so the executor does not link
// their text.
package funcs

//go:generate go test -run TestREADMEFunctions -update .

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"brine/provision/lib/fnmatch"
	"brine/provision/wire/spec"
)

// Where says where a function is answered.
type Where uint8

const (
	// Host functions run in the executor on each targeted host.
	Host Where = iota
	// Controller functions are answered on the controller: from the state
	// tree and pillar compiled with the host's grains (pillar.*, config.*,
	// state.show_*), or from this catalog (sys.*).
	Controller
)

// Param is one named parameter of a Python function.
type Param struct {
	Name string
	// Default is Salt's default as a Python literal ("None", "'debug'",
	// "True"); empty for a required parameter.
	Default string
	// Required parameters have no default.
	Required bool
	// KwOnly parameters follow *args (or a bare *): only a keyword sets
	// them.
	KwOnly bool
}

// Func is one execution function.
type Func struct {
	// Name is "mod.fun".
	Name string
	// PyName is the Python function's name, which Python's TypeErrors
	// print ("true_" for test.true); usually the fun part of Name.
	PyName string
	Params []Param
	// Varargs names the *args parameter ("" when the function has none).
	Varargs string
	// Kwargs names the **kwargs parameter ("" when the function has none).
	Kwargs string
	Where  Where
	// Pure functions only read: two calls with nothing run between them
	// give the same answer (templates remember their answers).
	Pure bool
	// Local host functions compute from their arguments alone (file.join,
	// test.true): the controller answers them in templates itself, with
	// the same code.
	Local bool
	// Guarded functions take the host away or destroy what it runs
	// (system.reboot, system.poweroff): the command line runs them only
	// with --yes.
	Guarded bool
	// Doc is one line of documentation (set by Documented only).
	Doc string
	// Err is set by parsing for a malformed signature (a bug the catalog
	// test catches).
	Err error
}

// Signature writes the function's signature as Python declares it:
// "run(cmd, cwd=None, ..., **kwargs)".
func (f *Func) Signature() string {
	var parts []string
	star := false
	for _, p := range f.Params {
		if p.KwOnly && !star {
			star = true
			if f.Varargs != "" {
				parts = append(parts, "*"+f.Varargs)
			} else {
				parts = append(parts, "*")
			}
		}
		if p.Required {
			parts = append(parts, p.Name)
		} else {
			parts = append(parts, p.Name+"="+p.Default)
		}
	}
	if f.Varargs != "" && !star {
		parts = append(parts, "*"+f.Varargs)
	}
	if f.Kwargs != "" {
		parts = append(parts, "**"+f.Kwargs)
	}
	return f.Name + "(" + strings.Join(parts, ", ") + ")"
}

// Param returns the named parameter.
func (f *Func) Param(name string) (Param, bool) {
	for _, p := range f.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// Catalog maps "mod.fun" to its function. Build one per use (Catalog() or
// Documented()); it is never global.
type Catalog map[string]*Func

// shared is the catalog Lookup reads, parsed once.
var shared = sync.OnceValue(New)

// Lookup finds fun in the catalog without docs, parsed once per process
// (the Func is shared: read it, do not change it).
func Lookup(fun string) (*Func, bool) { return shared().Get(fun) }

// New parses the signature table into a catalog, without docs: what the
// executor links.
func New() Catalog {
	c := Catalog{}
	for _, e := range table() {
		f := parse(e.name, e.sig)
		f.Where = Host
		if e.flags&ctl != 0 {
			f.Where = Controller
		}
		f.Pure = e.flags&pure != 0
		f.Local = e.flags&local != 0
		f.Guarded = e.flags&guarded != 0
		c[e.name] = f
	}
	return c
}

// Documented is New with every function's doc line (the controller's
// catalog: sys.doc, the README). It reports functions documented but not
// in the table, and the reverse, through Err of a placeholder entry, which
// the catalog test checks.
func Documented() (Catalog, []string) {
	c := New()
	var problems []string
	docs := docs()
	for name, d := range docs {
		f, ok := c[name]
		if !ok {
			problems = append(problems, name+" is documented but not in the table")
			continue
		}
		f.Doc = d
	}
	for name, f := range c {
		if f.Doc == "" {
			problems = append(problems, name+" has no doc")
		}
	}
	sort.Strings(problems)
	return c, problems
}

// Get returns the function named full ("mod.fun").
func (c Catalog) Get(full string) (*Func, bool) {
	f, ok := c[full]
	return f, ok
}

// Names returns every "mod.fun", sorted.
func (c Catalog) Names() []string {
	out := make([]string, 0, len(c))
	for n := range c {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Modules returns the module names, sorted.
func (c Catalog) Modules() []string {
	seen := map[string]bool{}
	for n := range c {
		mod, _, _ := strings.Cut(n, ".")
		seen[mod] = true
	}
	out := make([]string, 0, len(seen))
	for m := range seen {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// Select returns the functions args name, as sys.doc and
// sys.list_functions select them: every function without args, else for
// each arg a module ("pkg"), a function ("pkg.install") or a glob
// ("pkg.*", "*.ping"), in sorted order.
func (c Catalog) Select(args ...string) []string {
	all := c.Names()
	if len(args) == 0 {
		return all
	}
	seen := map[string]bool{}
	for _, a := range args {
		for _, n := range all {
			switch {
			case strings.Contains(a, "*"):
				if fnmatch.Match(a, n) {
					seen[n] = true
				}
			case strings.Contains(a, "."):
				if n == a {
					seen[n] = true
				}
			case strings.HasPrefix(n, a+"."):
				seen[n] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Closest returns up to n names nearest to full (same module first, then
// by edit distance), for "'x.y' is not available." hints.
func (c Catalog) Closest(full string, n int) []string {
	type cand struct {
		name string
		d    int
	}
	mod, fun, _ := strings.Cut(full, ".")
	var cs []cand
	for name := range c {
		m, f, _ := strings.Cut(name, ".")
		d := distance(full, name)
		switch {
		case m == mod:
			d = distance(fun, f)
		case f == fun:
			d = distance(mod, m)
		default:
			d += 4
		}
		cs = append(cs, cand{name, d})
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].name < cs[j].name
	})
	var out []string
	limit := len(full)/2 + 2
	for _, x := range cs {
		if len(out) == n || x.d > limit {
			break
		}
		out = append(out, x.name)
	}
	return out
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// parse reads a signature written as in Salt's source:
// "cmd, cwd=None, *args, runas=None, **kwargs". A name prefixed "py:" in
// the table gives the Python function's name (see entry).
func parse(full, sig string) *Func {
	_, fun, _ := strings.Cut(full, ".")
	f := &Func{Name: full, PyName: fun}
	kwOnly := false
	for _, item := range spec.SplitSig(sig) {
		switch {
		case item == "":
			continue
		case strings.HasPrefix(item, "py:"):
			f.PyName = strings.TrimPrefix(item, "py:")
			continue
		case strings.HasPrefix(item, "**"):
			f.Kwargs = item[2:]
			continue
		case item == "*":
			kwOnly = true
			continue
		case strings.HasPrefix(item, "*"):
			f.Varargs, kwOnly = item[1:], true
			continue
		}
		name, def, hasDef := strings.Cut(item, "=")
		name, def = strings.TrimSpace(name), strings.TrimSpace(def)
		if !validName(name) {
			f.Err = fmt.Errorf("%s: bad parameter %q", full, item)
			return f
		}
		if _, dup := f.Param(name); dup {
			f.Err = fmt.Errorf("%s: parameter %s twice", full, name)
			return f
		}
		if hasDef {
			if _, err := Literal(def); err != nil {
				f.Err = fmt.Errorf("%s: parameter %s: %w", full, name, err)
				return f
			}
		}
		f.Params = append(f.Params, Param{Name: name, Default: def, Required: !hasDef, KwOnly: kwOnly})
	}
	return f
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
