package run

import (
	"context"
	"fmt"

	"brine/provision/controller/adhoc"
	"brine/provision/controller/compile"
	"brine/provision/controller/dispatch"
	"brine/provision/controller/result"
	"brine/provision/wire/funcs"
	"brine/provision/wire/lowstate"
)

// Salt's execution functions (ExecFun): the words after the name are read
// and bound to the catalog's signature (provision/controller/adhoc,
// provision/wire/funcs) before any host is contacted.

// prepareExec reads and binds fn's words. A call Salt would refuse (an
// unknown function, arguments that do not fit) is kept as fn.refused,
// every host's answer; a guarded function (system.reboot...) runs only
// with Yes.
func (o *Options) prepareExec(fn *Function) error {
	call, err := adhoc.Prepare(funcs.New(), fn.Name, o.Args, o.NoParse...)
	if r, ok := err.(*adhoc.Refused); ok {
		fn.refused = r
		return nil
	}
	if err != nil {
		return err
	}
	if call.Func.Guarded && !o.Yes {
		return Usagef("%s takes every targeted host down: add --yes to run it", fn.Name)
	}
	fn.call = call
	return nil
}

// execAnswer is the answer the controller gives every targeted host
// without contacting any: a refused call (Salt's error words, the closest
// names on the log), or a sys.* function answered from the catalogs.
func (o *Options) execAnswer(fn Function) (result.HostReturn, bool) {
	if r := fn.refused; r != nil {
		if h := r.Hint(); h != "" {
			fmt.Fprintf(o.Log, "brine: %s\n", h)
		}
		ans := result.HostReturn{Fun: fn.Name, Retcode: r.Retcode, Error: r.Msg}
		if r.Stdout != "" {
			ans.Return = r.Stdout
		}
		return ans, true
	}
	if fn.call != nil {
		if ret, ok := adhoc.Sys(fn.call); ok {
			return result.HostReturn{Fun: fn.Name, Return: ret}, true
		}
	}
	return result.HostReturn{}, false
}

// execJob is the job of an execution function: one executor call per host
// for a host function (with the salt:// files it reads); state.single and
// friends compiled here and applied as state.apply is; for a function
// salt-ssh answers on the master (pillar.*, config.*, state.show_low_sls),
// the compiler's answer from the host's grains and pillar.
func (o *Options) execJob(fn Function, job dispatch.Job) (dispatch.Job, error) {
	call := fn.call
	var comp *compile.Compiler
	if call.Func.Where == funcs.Controller || len(call.Sources()) > 0 {
		tree, err := o.loadTree()
		if err != nil {
			return job, err
		}
		comp = compile.New(tree)
	}
	host := func(id string, g map[string]any, hc dispatch.Caller, opts map[string]any) compile.Host {
		h := compile.Host{ID: id, Grains: g, Opts: opts}
		if hc != nil {
			h.Call = hc
		}
		return h
	}
	if call.Func.Where == funcs.Host {
		job.Call = call.Wire()
		if srcs := call.Sources(); len(srcs) > 0 {
			// the salt:// files it reads travel with the request
			job.Compile = func(ctx context.Context, id string, g map[string]any, hc dispatch.Caller) (*lowstate.Bundle, error) {
				b, err := comp.Sources(ctx, host(id, g, hc, nil), srcs)
				return b, targetErr(err)
			}
		}
		return job, nil
	}
	if call.RunsStates() {
		job.Test = call.Test()
		job.Compile = func(ctx context.Context, id string, g map[string]any, hc dispatch.Caller) (*lowstate.Bundle, error) {
			res, err := call.Compile(ctx, comp, host(id, g, hc, map[string]any{"test": job.Test}))
			if err != nil {
				return nil, targetErr(err)
			}
			return &lowstate.Bundle{Chunks: res.Low, Files: res.Files, Pillar: res.Pillar}, nil
		}
		return job, nil
	}
	args, kw := call.Positional()
	job.Show = func(ctx context.Context, id string, g map[string]any, hc dispatch.Caller) (any, error) {
		h := host(id, g, hc, nil)
		if v, ok, err := call.Show(ctx, comp, h); ok {
			return v, targetErr(err)
		}
		v, ok, err := comp.Call(ctx, h, call.Func.Name, args, kw)
		if !ok && err == nil {
			err = fmt.Errorf("%s is answered by the controller but brine has no answer for it yet", call.Func.Name)
		}
		return v, targetErr(err)
	}
	return job, nil
}
