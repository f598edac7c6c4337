package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"brine/inventory/roster"
	"brine/provision/controller/adhoc"
	"brine/provision/controller/compile"
	"brine/provision/controller/dispatch"
	"brine/provision/controller/report"
	"brine/provision/wire/funcs"
	"brine/provision/wire/lowstate"
)

// The hook into the execution-function layer (provision/controller/adhoc):
// a dotted name the function table lacks is one of Salt's execution
// functions, checked and bound against the catalog before any host is
// contacted.

// execFunction is the table entry for such a name (an unknown one too:
// adhoc refuses it with Salt's words and the closest names).
func execFunction(name string) (function, bool) {
	if mod, fun, ok := strings.Cut(name, "."); !ok || mod == "" || fun == "" {
		return function{}, false
	}
	return function{name: name, kind: execFun}, true
}

// prepareExec reads and binds the words after the function name. A
// guarded function (system.reboot...) runs only with --yes.
func prepareExec(c *cli.Context, fn *function, words []string) error {
	call, err := adhoc.Prepare(funcs.New(), fn.name, words)
	if r, ok := err.(*adhoc.Refused); ok {
		fn.refused = r
		return nil
	}
	if err == nil && call.Func.Guarded && !c.Bool("yes") {
		return usagef("%s takes every targeted host down: add --yes to run it", fn.name)
	}
	fn.call = call
	return err
}

// execJob is the dispatcher's job: one executor call per host for a host
// function; for a function salt-ssh answers on the master (pillar.*,
// config.*), the compiler's answer from the host's grains and pillar.
func execJob(c *cli.Context, fn function, job dispatch.Job) (dispatch.Job, error) {
	call := fn.call
	if call == nil {
		return job, nil
	}
	var comp *compile.Compiler
	if call.Func.Where == funcs.Controller || len(call.Sources()) > 0 {
		var err error
		if comp, err = newCompiler(c); err != nil {
			return job, err
		}
	}
	if call.Func.Where == funcs.Host {
		job.Call = call.Wire()
		if srcs := call.Sources(); len(srcs) > 0 {
			// the salt:// files it reads travel with the request
			job.Compile = func(ctx context.Context, id string, g map[string]any, hc dispatch.Caller) (*lowstate.Bundle, error) {
				b, err := comp.Sources(ctx, withTarget(compile.Host{ID: id, Grains: g}, hc, nil), srcs)
				return b, targetErr(err)
			}
		}
		return job, nil
	}
	if call.RunsStates() {
		// state.single, low, template_str, sls_id: compiled here, applied
		// on the host as state.apply is
		job.Test = call.Test()
		job.Compile = func(ctx context.Context, id string, g map[string]any, hc dispatch.Caller) (*lowstate.Bundle, error) {
			res, err := call.Compile(ctx, comp, withTarget(compile.Host{ID: id, Grains: g, Opts: map[string]any{"test": job.Test}}, hc, nil))
			if err != nil {
				return nil, targetErr(err)
			}
			return &lowstate.Bundle{Chunks: res.Low, Files: res.Files, Pillar: res.Pillar}, nil
		}
		return job, nil
	}
	args, kw := call.Positional()
	job.Show = func(ctx context.Context, id string, g map[string]any, hc dispatch.Caller) (any, error) {
		host := withTarget(compile.Host{ID: id, Grains: g}, hc, nil)
		if v, ok, err := call.Show(ctx, comp, host); ok {
			return v, targetErr(err)
		}
		v, ok, err := comp.Call(ctx, host, call.Func.Name, args, kw)
		if !ok && err == nil {
			err = fmt.Errorf("%s is answered by the controller but brine has no answer for it yet", call.Func.Name)
		}
		return v, targetErr(err)
	}
	return job, nil
}

// execAnswer is the answer of a call the controller gives every targeted
// host without contacting any: a refused call (Salt's error words), or a
// sys.* function answered from the catalogs.
func execAnswer(fn function, stderr io.Writer) (report.HostReturn, bool) {
	if r := fn.refused; r != nil {
		if h := r.Hint(); h != "" {
			fmt.Fprintf(stderr, "brine: %s\n", h)
		}
		h := report.HostReturn{Fun: fn.name, Retcode: r.Retcode, Error: r.Msg}
		if r.Stdout != "" {
			h.Return = r.Stdout
		}
		return h, true
	}
	if fn.call != nil {
		if ret, ok := adhoc.Sys(fn.call); ok {
			return report.HostReturn{Fun: fn.name, Return: ret}, true
		}
	}
	return report.HostReturn{}, false
}

// constReturns gives every targeted host the same answer, printed as
// salt-ssh prints per-host answers; hosts targeting could not resolve
// keep their failure.
func constReturns(p report.Printer, static bool, hosts []*roster.Host, failed []report.HostReturn, tmpl report.HostReturn) []report.HostReturn {
	all := append([]report.HostReturn(nil), failed...)
	for _, h := range failed {
		if !static {
			p.Host(h)
		}
	}
	for _, h := range hosts {
		r := tmpl
		r.ID = h.ID
		if !static {
			p.Host(r)
		}
		all = append(all, r)
	}
	return all
}

// passthroughCode is --retcode-passthrough's exit code: the highest
// return code a host reported (as salt-call exits with its function's).
func passthroughCode(all []report.HostReturn) int {
	code := 0
	for _, r := range all {
		rc := r.Retcode
		if rc == 0 && r.Failed() {
			rc = 1
		}
		code = max(code, rc)
	}
	return code
}
