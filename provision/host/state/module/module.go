// Package module implements Salt's module state: module.run and
// module.wait, for the execution functions formulas use with them:
// cmd.run, cmd.retcode, test.true, test.false, service.restart,
// service.reload, service.start, service.stop, pkg.refresh_db (apt). The
// service functions run
// `service NAME ACTION` through env.Exec (the sysvinit/systemd-compatible
// wrapper present on Debian and most distributions).
package module

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"brine/provision/host/state"
	"brine/provision/wire/lowstate"
)

// Module returns the module state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(),
		Funcs: map[string]state.Func{
			"run":  run,
			"wait": wait,
		},
		ModWatch: func(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
			return run(ctx, env, c)
		},
	}
}

// call is one execution function call: function name, positional and
// keyword arguments.
type call struct {
	fun    string
	args   []string
	kwargs map[string]string
}

// newStyle finds `- service.restart: [{name: x}]` style calls: chunk keys
// containing a dot that name a supported function.
func newStyle(c lowstate.Chunk) []call {
	var out []call
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !strings.Contains(k, ".") || strings.HasPrefix(k, "__") {
			continue
		}
		cl := call{fun: k, kwargs: map[string]string{}}
		switch v := c[k].(type) {
		case []any:
			for _, e := range v {
				if m, ok := e.(map[string]any); ok {
					for mk, mv := range m {
						cl.kwargs[mk] = state.Scalar(mv)
					}
				} else {
					cl.args = append(cl.args, state.Scalar(e))
				}
			}
		case map[string]any:
			for mk, mv := range v {
				cl.kwargs[mk] = state.Scalar(mv)
			}
		case nil:
		default:
			cl.args = append(cl.args, state.Scalar(v))
		}
		out = append(out, cl)
	}
	return out
}

// oldStyle reads `name: service.restart` with m_name / args / kwargs / m_*.
func oldStyle(c lowstate.Chunk) call {
	cl := call{fun: c.Name(), args: state.ArgList(c, "args"), kwargs: map[string]string{}}
	for k, v := range state.ArgMap(c, "kwargs") {
		cl.kwargs[k] = state.Scalar(v)
	}
	for k, v := range c {
		if rest, ok := strings.CutPrefix(k, "m_"); ok {
			cl.kwargs[rest] = state.Scalar(v)
		}
	}
	return cl
}

// arg returns the first positional argument or the named keyword.
func (cl call) arg(names ...string) string {
	for _, n := range names {
		if v, ok := cl.kwargs[n]; ok {
			return v
		}
	}
	if len(cl.args) > 0 {
		return cl.args[0]
	}
	return ""
}

// exec runs the execution function; it returns the function's return value
// (Salt-shaped) and whether it succeeded.
func (cl call) exec(ctx context.Context, env *state.Env, c lowstate.Chunk) (any, bool, error) {
	switch cl.fun {
	case "test.true":
		return true, true, nil
	case "test.false":
		return false, false, nil
	case "cmd.run", "cmd.retcode", "cmd.run_all":
		line := cl.arg("cmd", "name")
		if line == "" {
			return nil, false, fmt.Errorf("%s needs a command (cmd)", cl.fun)
		}
		cmd := state.CmdOpts(lowstate.Chunk{}, line)
		cmd.Cwd, cmd.RunAs, cmd.Shell = cl.kwargs["cwd"], cl.kwargs["runas"], cl.kwargs["shell"]
		res := env.Exec.Run(ctx, cmd)
		if res.Err != nil && res.Retcode == -1 {
			return nil, false, res.Err
		}
		switch cl.fun {
		case "cmd.retcode":
			return res.Retcode, true, nil
		case "cmd.run_all":
			return map[string]any{"pid": res.Pid, "retcode": res.Retcode, "stdout": strings.TrimRight(res.Stdout, "\n"),
				"stderr": strings.TrimRight(res.Stderr, "\n")}, res.Retcode == 0, nil
		}
		out := strings.TrimRight(res.Stdout, "\n")
		if res.Stderr != "" {
			if out != "" {
				out += "\n"
			}
			out += strings.TrimRight(res.Stderr, "\n")
		}
		return out, true, nil
	case "service.restart", "service.reload", "service.start", "service.stop":
		name := cl.arg("name")
		if name == "" {
			return nil, false, fmt.Errorf("%s needs a service name (name)", cl.fun)
		}
		action := strings.TrimPrefix(cl.fun, "service.")
		res := env.Exec.Run(ctx, state.Cmd{Argv: []string{"service", name, action}})
		if res.Err != nil && res.Retcode == -1 {
			return nil, false, res.Err
		}
		return res.Retcode == 0, res.Retcode == 0, nil
	case "pkg.refresh_db":
		return refreshDB(ctx, env)
	}
	return nil, false, unavailable(cl.fun)
}

// supported are the execution functions module.run can call.
func supported() map[string]bool {
	return map[string]bool{"cmd.run": true, "cmd.retcode": true, "cmd.run_all": true, "test.true": true, "test.false": true,
		"service.restart": true, "service.reload": true, "service.start": true, "service.stop": true, "pkg.refresh_db": true}
}

// unavailable is Salt's "is not available" for a function brine does not
// implement, naming those it does.
func unavailable(fun string) error {
	names := make([]string, 0, len(supported()))
	for n := range supported() {
		names = append(names, n)
	}
	sort.Strings(names)
	return fmt.Errorf("Module function %s is not available (brine supports %s)", fun, strings.Join(names, ", "))
}

// refreshDB is aptpkg.refresh_db: `apt-get -q update`, each source line
// of its output keyed as Salt keys it (Get: True, Hit: None, Ign and Err:
// False); an Err line fails it, as failhard's default does.
func refreshDB(ctx context.Context, env *state.Env) (any, bool, error) {
	res := env.Exec.Run(ctx, state.Cmd{Argv: []string{"apt-get", "-q", "update"}, Env: map[string]string{"DEBIAN_FRONTEND": "noninteractive"}})
	if res.Err != nil && res.Retcode == -1 {
		return nil, false, res.Err
	}
	if res.Retcode != 0 {
		return nil, false, fmt.Errorf("Error getting repos: %s", strings.TrimSpace(res.Stderr+res.Stdout))
	}
	state.PkgRefreshed(env)
	out := map[string]any{}
	var errs []string
	for _, line := range strings.Split(res.Stdout, "\n") {
		cols := strings.Fields(line)
		if len(cols) < 2 {
			continue
		}
		ident := strings.Join(cols[1:], " ")
		switch {
		case strings.Contains(cols[0], "Get"):
			if i := strings.LastIndex(ident, " ["); i >= 0 && strings.HasSuffix(ident, "B]") {
				ident = ident[:i]
			}
			out[ident] = true
		case strings.Contains(cols[0], "Ign"):
			out[ident] = false
		case strings.Contains(cols[0], "Hit"):
			out[ident] = nil
		case strings.Contains(cols[0], "Err"):
			out[ident] = false
			errs = append(errs, ident)
		}
	}
	if len(errs) > 0 {
		return nil, false, fmt.Errorf("Error getting repos: %s", strings.Join(errs, ", "))
	}
	return out, true, nil
}

func run(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	calls := newStyle(c)
	if len(calls) == 0 {
		cl := oldStyle(c)
		if !strings.Contains(cl.fun, ".") {
			return state.Failed(fmt.Sprintf("Module function %s is not available", cl.fun))
		}
		if !supported()[cl.fun] {
			return state.Failed(unavailable(cl.fun).Error())
		}
		if env.Test {
			// salt/states/module.py _legacy_run
			return state.Pending(fmt.Sprintf("Module function %s is set to execute", cl.fun), nil)
		}
		ret, ok, err := cl.exec(ctx, env, c)
		if err != nil {
			return state.Failed(err.Error())
		}
		res := state.Changed(fmt.Sprintf("Module function %s executed", cl.fun), map[string]any{"ret": ret})
		res.Result = lowstate.Bool(ok)
		return res
	}
	for _, cl := range calls {
		if !supported()[cl.fun] {
			return state.Failed(fmt.Sprintf("Unavailable function: %s. (%v)", cl.fun, unavailable(cl.fun)))
		}
	}
	if env.Test {
		names := make([]string, len(calls))
		for i, cl := range calls {
			names[i] = cl.fun
		}
		return state.Pending(fmt.Sprintf("Function %s to be executed.", strings.Join(names, ", ")), nil)
	}
	changes := map[string]any{}
	var comments []string
	allOK := true
	for _, cl := range calls {
		ret, ok, err := cl.exec(ctx, env, c)
		if err != nil {
			comments = append(comments, fmt.Sprintf("%s: %v", cl.fun, err))
			allOK = false
			continue
		}
		changes[cl.fun] = ret
		if ok {
			comments = append(comments, cl.fun+": Success")
		} else {
			comments = append(comments, cl.fun+": Failed")
			allOK = false
		}
	}
	res := state.Changed(strings.Join(comments, ", "), changes)
	res.Result = lowstate.Bool(allOK)
	return res
}

// wait does nothing by itself; the function runs through mod_watch.
func wait(_ context.Context, _ *state.Env, _ lowstate.Chunk) *lowstate.Result {
	return state.OK("")
}
