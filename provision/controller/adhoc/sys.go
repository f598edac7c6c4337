package adhoc

import (
	"sort"
	"strings"

	"brine/provision/host/state/builtin"
	"brine/provision/lib/fnmatch"
	"brine/provision/lib/pyfmt"
	"brine/provision/wire/funcs"
	"brine/provision/wire/spec"
)

// Sys answers the sys.* functions from brine's catalogs, as Salt's sysmod
// answers them from the loaded modules: the execution functions brine
// implements (provision/wire/funcs) and its state functions (the state
// catalog). Every host runs the same executor, so the answer is the same
// for all of them and no host is contacted. ok is false for another
// function.
func Sys(c *Call) (ret any, ok bool) {
	args := make([]string, 0, len(c.Bound.Rest))
	for _, a := range c.Bound.Rest {
		args = append(args, pyfmt.Str(a))
	}
	cat, _ := funcs.Documented()
	switch c.Func.Name {
	case "sys.doc":
		out := map[string]any{}
		for _, n := range selectDoc(cat.Names(), args) {
			f := cat[n]
			out[n] = f.Doc + "\n\n" + f.Signature()
		}
		return out, true
	case "sys.list_functions":
		return anyList(cat.Select(args...)), true
	case "sys.list_modules":
		return anyList(modulesOf(cat.Names(), args)), true
	case "sys.argspec":
		out := map[string]any{}
		for _, n := range selectArgspec(cat.Names(), c.Bound.Str("module")) {
			out[n] = execArgspec(cat[n])
		}
		return out, true
	case "sys.list_state_functions":
		return anyList(builtin.Catalog().List(args...)), true
	case "sys.list_state_modules":
		return anyList(modulesOf(builtin.Catalog().All(), args)), true
	case "sys.state_doc":
		out := map[string]any{}
		for k, v := range builtin.Catalog().Docs(args...) {
			out[k] = v
		}
		return out, true
	case "sys.state_argspec":
		sc := builtin.Catalog()
		out := map[string]any{}
		for _, n := range selectArgspec(sc.All(), c.Bound.Str("module")) {
			mod, fun, _ := strings.Cut(n, ".")
			f, _ := sc.Func(mod, fun)
			out[n] = stateArgspec(f)
		}
		return out, true
	}
	return nil, false
}

func anyList(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// selectDoc is sys.doc's selection: a glob, or a module ("sys" and "sys."
// match sys, not sysctl), or a function.
func selectDoc(all, args []string) []string {
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
			case a == "":
				seen[n] = true
			default:
				prefix := a
				if !strings.HasSuffix(prefix, ".") {
					prefix += "."
				}
				if n == a || strings.HasPrefix(n, prefix) {
					seen[n] = true
				}
			}
		}
	}
	return sortedKeys(seen)
}

// modulesOf is sys.list_modules: the module names of all, or those a
// name or glob selects.
func modulesOf(all, args []string) []string {
	seen := map[string]bool{}
	for _, n := range all {
		mod, _, _ := strings.Cut(n, ".")
		if len(args) == 0 {
			seen[mod] = true
			continue
		}
		for _, a := range args {
			if strings.Contains(a, "*") && fnmatch.Match(a, n) || a == mod {
				seen[mod] = true
			}
		}
	}
	return sortedKeys(seen)
}

// selectArgspec is salt.utils.args.argspec_report's selection: a glob or a
// function name when module holds "*" or ".", else the module's functions
// (none for "").
func selectArgspec(all []string, module string) []string {
	var out []string
	for _, n := range all {
		if strings.ContainsAny(module, "*.") {
			if fnmatch.Match(module, n) {
				out = append(out, n)
			}
		} else if strings.HasPrefix(n, module+".") {
			out = append(out, n)
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// execArgspec is one function's argspec_report entry: args, defaults,
// varargs and kwargs (None when empty or absent).
func execArgspec(f *funcs.Func) map[string]any {
	var args, defs []any
	for _, p := range f.Params {
		args = append(args, p.Name)
		if !p.Required {
			v, _ := funcs.Literal(p.Default)
			defs = append(defs, v)
		}
	}
	return argspec(args, defs, f.Varargs != "", f.Kwargs != "")
}

func stateArgspec(f *spec.Func) map[string]any {
	var args, defs []any
	for _, a := range f.Args {
		args = append(args, a.Name)
		if !a.Required {
			v, _ := funcs.Literal(a.Default)
			defs = append(defs, v)
		}
	}
	return argspec(args, defs, false, f.Kwargs)
}

func argspec(args, defs []any, varargs, kwargs bool) map[string]any {
	out := map[string]any{"args": nil, "defaults": nil, "varargs": nil, "kwargs": nil}
	if len(args) > 0 {
		out["args"] = args
	}
	if len(defs) > 0 {
		out["defaults"] = defs
	}
	if varargs {
		out["varargs"] = true
	}
	if kwargs {
		out["kwargs"] = true
	}
	return out
}
