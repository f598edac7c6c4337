package run

import "brine/provision/host/state/builtin"

// catalogReturn answers the sys.* functions that describe the state
// functions brine implements, from the same catalog the compiler checks SLS
// files against: sys.list_state_functions [MODULE|FUN|GLOB...] is a sorted
// list of "mod.fun", sys.state_doc [MODULE|FUN|GLOB...] a dict of
// "mod.fun" (and "mod") -> documentation, as Salt's are. ok is false for
// another function.
func catalogReturn(fun string, args []string) (ret any, ok bool) {
	cat := builtin.Catalog()
	switch fun {
	case "sys.list_state_functions":
		l := cat.List(args...)
		out := make([]any, len(l))
		for i, f := range l {
			out[i] = f
		}
		return out, true
	case "sys.state_doc":
		out := map[string]any{}
		for k, v := range cat.Docs(args...) {
			out[k] = v
		}
		return out, true
	}
	return nil, false
}
