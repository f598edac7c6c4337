package main

import (
	"brine/inventory/roster"
	"brine/provision/controller/report"
	"brine/provision/host/state/builtin"
)

// sysReturn answers the sys.* functions that describe the state functions
// brine implements, from the same catalog the compiler checks SLS files
// against: sys.list_state_functions [MODULE|FUN|GLOB...] is a sorted list
// of "mod.fun", sys.state_doc [MODULE|FUN|GLOB...] a dict of "mod.fun" (and
// "mod") -> documentation, as Salt's are. ok is false for another function.
func sysReturn(fun string, args []string) (ret any, ok bool) {
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

// catalogReturns prints ret once per targeted host, as salt-ssh prints its
// per-host answers, without contacting any host: every host runs the same
// brine executor, so the answer is the controller's catalog for all of
// them. Hosts targeting could not resolve (failed) keep their failure.
func catalogReturns(p report.Printer, static bool, hosts []*roster.Host, failed []report.HostReturn, fun string, ret any) []report.HostReturn {
	all := append([]report.HostReturn(nil), failed...)
	for _, h := range failed {
		if !static {
			p.Host(h)
		}
	}
	for _, h := range hosts {
		r := report.HostReturn{ID: h.ID, Fun: fun, Return: ret}
		if !static {
			p.Host(r)
		}
		all = append(all, r)
	}
	return all
}
