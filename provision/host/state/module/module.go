// Package module implements Salt's module state: module.run, module.wait
// and module.watch, as salt/states/module.py of Salt 3007.1 does. The
// functions run are the host's execution module functions
// (provision/host/modules): every one brine has, with the arguments,
// returns and errors the ad-hoc command line gives (`brine '*' file.get_hash
// /etc/motd` and `module.run: [file.get_hash: [{path: /etc/motd}]]` are the
// same code).
package module

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"brine/provision/host/modules"
	"brine/provision/host/state"
	"brine/provision/lib/pyfmt"
	"brine/provision/wire/funcs"
	"brine/provision/wire/lowstate"
)

// Module returns the module state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(),
		Funcs: map[string]state.Func{
			"run":   run,
			"wait":  wait,
			"watch": wait,
		},
		// salt/states/module.py: mod_watch = alias_function(run)
		ModWatch: func(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
			return run(ctx, env, c)
		},
	}
}

// internal is Salt's STATE_INTERNAL_KEYWORDS (salt/state.py) and the keys
// module.run ignores ("name", "__reqs__", "sfun"): format_call never passes
// them to module.run, so they are neither function names nor arguments.
func internal(k string) bool {
	if strings.HasPrefix(k, "__") {
		return true
	}
	switch k {
	case "name", "sfun",
		"onchanges", "onchanges_any", "onfail", "onfail_any", "onfail_all", "onfail_stop", "prereq", "prerequired",
		"watch", "watch_any", "require", "require_any", "listen",
		"onchanges_in", "onfail_in", "prereq_in", "watch_in", "require_in", "listen_in",
		"fun", "state", "check_cmd", "cmd_opts_exclude", "failhard", "onlyif", "unless", "creates", "retry", "order",
		"parallel", "reload_modules", "reload_grains", "reload_pillar", "runas", "runas_password", "fire_event",
		"saltenv", "umask", "use", "use_in", "names":
		return true
	}
	return false
}

// args returns the chunk's keys module.run sees: in the SLS's order as the
// compiler noted it (lowstate.KeyArgOrder; Salt runs the functions in the
// order written), any other after them, sorted.
func args(c lowstate.Chunk) []string {
	var keys []string
	seen := map[string]bool{}
	if l, ok := c[lowstate.KeyArgOrder].([]any); ok {
		for _, e := range l {
			if k, ok := e.(string); ok && !seen[k] && !internal(k) {
				if _, has := c[k]; has {
					keys = append(keys, k)
					seen[k] = true
				}
			}
		}
	}
	var rest []string
	for k := range c {
		if !internal(k) && !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(keys, rest...)
}

// run is module.run: the new style (`- test.arg: [one, {two: 2}]`, every
// key a function) unless a key is not a function name, then the legacy
// style (`name: service.restart` with m_name, args, kwargs).
func run(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	keys := args(c)
	legacy := len(keys) == 0
	for _, k := range keys {
		if !strings.Contains(k, ".") {
			legacy = true
		}
	}
	if legacy {
		return legacyRun(ctx, env, c, keys)
	}
	return newRun(ctx, env, c, keys)
}

// hostEnv is the execution modules' view of the state run's host.
func hostEnv(env *state.Env) *modules.Env {
	id, _ := env.Grains["id"].(string)
	return &modules.Env{Root: env.Root, Exec: env.Exec, Grains: env.Grains, ID: id, File: env.File}
}

// has reports whether fun is an execution function the host runs (Salt's
// `fun in __salt__`).
func has(fun string) bool {
	f, ok := funcs.Lookup(fun)
	return ok && f.Where == funcs.Host && modules.Has(fun)
}

// call runs fun on the host; a successful pkg.refresh_db counts as the
// run's package-list refresh (Salt's rtag), and a change to the persistent
// grains is passed on to the executor.
func call(ctx context.Context, env *state.Env, fun string, args []any, kwargs map[string]any, order []string) modules.Result {
	menv := hostEnv(env)
	r := modules.Run(ctx, menv, fun, args, kwargs, order)
	if fun == "pkg.refresh_db" && r.Err == nil {
		state.PkgRefreshed(env)
	}
	if menv.GrainsChanged {
		state.GrainsChanged(env)
	}
	return r
}

// newRun is salt/states/module.py _run.
func newRun(ctx context.Context, env *state.Env, c lowstate.Chunk, keys []string) *lowstate.Result {
	var missing, tests []string
	for _, k := range keys {
		fun, _, _ := strings.Cut(k, ":")
		switch {
		case !has(fun):
			missing = append(missing, fun)
		case env.Test:
			tests = append(tests, fun)
		}
	}
	if len(missing) > 0 || len(tests) > 0 {
		var parts []string
		if len(missing) > 0 {
			parts = append(parts, fmt.Sprintf("Unavailable function%s: %s.", plural(missing), strings.Join(missing, ", ")))
		}
		if len(tests) > 0 {
			parts = append(parts, fmt.Sprintf("Function%s %s to be executed.", plural(tests), strings.Join(tests, ", ")))
		}
		res := &lowstate.Result{Comment: strings.Join(parts, " "), Changes: map[string]any{}}
		if len(missing) > 0 {
			res.Result = lowstate.Bool(false)
		}
		return res
	}
	changes := map[string]any{}
	var failures, success []string
	for _, k := range keys {
		fun, _, _ := strings.Cut(k, ":")
		args, kwargs, order := funcArgs(c[k])
		if err := missingArgs(fun, args, kwargs); err != nil {
			failures = append(failures, fmt.Sprintf("'%s' failed: %v", k, err))
			continue
		}
		r := call(ctx, env, fun, args, kwargs, order)
		if r.Err != nil {
			if !invocationError(r.Err) {
				// Salt catches only SaltInvocationError and TypeError here:
				// any other exception fails the whole state.
				return state.Failed(fmt.Sprintf("An exception occurred in this state: %s: %v", excType(r.Err), r.Err))
			}
			failures = append(failures, fmt.Sprintf("'%s' failed: %v", k, r.Err))
			continue
		}
		if !result(r.Return, nil) {
			if m, ok := r.Return.(map[string]any); ok {
				comment, ok := m["comment"]
				if !ok {
					comment = "(error message N/A)"
				}
				failures = append(failures, fmt.Sprintf("'%s' failed: %s", k, pyfmt.Str(comment)))
			}
			if r.Return == false {
				failures = append(failures, fmt.Sprintf("'%s': False", k))
			}
			continue
		}
		shown := r.Return
		if m, ok := r.Return.(map[string]any); ok {
			shown = "Success"
			if v, ok := m["comment"]; ok {
				shown = v
			}
		}
		success = append(success, fmt.Sprintf("%s: %s", k, pyfmt.Str(shown)))
		changes[k] = r.Return
	}
	return &lowstate.Result{Result: lowstate.Bool(len(failures) == 0),
		Comment: strings.Join(append(failures, success...), ", "), Changes: changes}
}

// funcArgs splits a new-style function's list into positional arguments
// and keyword arguments (each one-key mapping in the list is a keyword, as
// salt.utils.functools.call_function reads it), with the keywords' order.
func funcArgs(v any) ([]any, map[string]any, []string) {
	kwargs := map[string]any{}
	var args []any
	var order []string
	add := func(m map[string]any) {
		for _, k := range sortedKeys(m) {
			if _, seen := kwargs[k]; !seen {
				order = append(order, k)
			}
			kwargs[k] = m[k]
		}
	}
	switch t := v.(type) {
	case nil:
	case []any:
		for _, e := range t {
			if m, ok := e.(map[string]any); ok {
				add(m)
			} else {
				args = append(args, e)
			}
		}
	case map[string]any:
		add(t)
	default:
		args = append(args, t)
	}
	return args, kwargs, order
}

// missingArgs is call_function's SaltInvocationError for required
// positional parameters given neither by position nor by keyword.
func missingArgs(fun string, args []any, kwargs map[string]any) error {
	f, ok := funcs.Lookup(fun)
	if !ok {
		return nil
	}
	var missing []string
	i := 0
	for _, p := range f.Params {
		if p.KwOnly || !p.Required {
			continue
		}
		i++
		if i <= len(args) {
			continue
		}
		if _, ok := kwargs[p.Name]; !ok {
			missing = append(missing, p.Name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("Missing arguments: %s", strings.Join(missing, ", "))
	}
	return nil
}

// invocationError reports the errors module.run turns into a failure
// comment: TypeError (bad arguments) and SaltInvocationError.
func invocationError(err error) bool {
	var ae *funcs.ArgError
	if errors.As(err, &ae) {
		return true
	}
	var ex *funcs.Exception
	return errors.As(err, &ex) && (ex.Type == "SaltInvocationError" || ex.Type == "TypeError")
}

// excType names err's exception class as Salt's traceback ends with it.
func excType(err error) string {
	var ex *funcs.Exception
	if errors.As(err, &ex) && ex.Type != "" {
		return "salt.exceptions." + ex.Type
	}
	return "Exception"
}

// legacyRun is salt/states/module.py _legacy_run: name is the function,
// its parameters come from the chunk's keys (m_name for name, m_fun for
// fun...), *args from the key the function names its varargs, **kwargs
// from the key it names its keywords.
func legacyRun(ctx context.Context, env *state.Env, c lowstate.Chunk, keys []string) *lowstate.Result {
	name := c.Name()
	if !has(name) {
		return state.Failed(fmt.Sprintf("Module function %s is not available", name))
	}
	if env.Test {
		return state.Pending(fmt.Sprintf("Module function %s is set to execute", name), nil)
	}
	f, _ := funcs.Lookup(name)
	kwargs := map[string]any{}
	for _, k := range keys {
		kwargs[k] = c[k]
	}
	renamed := func(arg string) string {
		switch arg {
		case "name", "fun", "names", "state", "saltenv":
			return "m_" + arg
		}
		return arg
	}
	var positional []funcs.Param
	for _, p := range f.Params {
		if !p.KwOnly {
			positional = append(positional, p)
		}
	}
	defaults := map[string]any{}
	for _, p := range positional {
		if p.Required {
			continue
		}
		v, err := funcs.Literal(p.Default)
		if err != nil {
			return state.Failed(fmt.Sprintf("Module function %s threw an exception. Exception: %v", name, err))
		}
		defaults[p.Name] = v
		if p.Name != "names" && renamed(p.Name) != p.Name {
			if v, ok := kwargs[renamed(p.Name)]; ok {
				defaults[p.Name] = v
				delete(kwargs, renamed(p.Name))
			}
		}
		if v, ok := kwargs[p.Name]; ok {
			defaults[p.Name] = v
			delete(kwargs, p.Name)
		}
	}
	var args []any
	var missing []string
	for _, p := range positional {
		rarg := renamed(p.Name)
		_, given := kwargs[rarg]
		def, hasDef := defaults[p.Name]
		switch {
		case hasDef:
			args = append(args, def)
		case given:
			args = append(args, kwargs[rarg])
			delete(kwargs, rarg)
		default:
			missing = append(missing, rarg)
		}
	}
	if len(missing) > 0 {
		return state.Failed("The following arguments are missing: " + strings.Join(missing, " "))
	}
	if f.Varargs != "" {
		if v, ok := kwargs[renamed(f.Varargs)]; ok {
			l, isList := v.([]any)
			if !isList {
				return state.Failed(fmt.Sprintf("'%s' must be a list.", f.Varargs))
			}
			args = append(args, l...)
		}
	}
	var nkwargs map[string]any
	var order []string
	if f.Kwargs != "" {
		if v, ok := kwargs[f.Kwargs]; ok {
			m, isMap := v.(map[string]any)
			if !isMap {
				return state.Failed(fmt.Sprintf("'%s' must be a dict.", f.Kwargs))
			}
			nkwargs, order = m, sortedKeys(m)
		}
	}
	r := call(ctx, env, name, args, nkwargs, order)
	if r.Err != nil {
		return state.Failed(fmt.Sprintf("Module function %s threw an exception. Exception: %v", name, r.Err))
	}
	changes := map[string]any{"ret": r.Return}
	return &lowstate.Result{Result: lowstate.Bool(result(r.Return, changes)),
		Comment: fmt.Sprintf("Module function %s executed", name), Changes: changes}
}

// result is salt/states/module.py _get_result: a mapping with a non-zero
// retcode fails, a bool is the result, and under the legacy style the
// return in changes may carry a result or retcode (looked for in depth).
func result(ret any, changes map[string]any) bool {
	if m, ok := ret.(map[string]any); ok && retcode(m) != 0 {
		return false
	}
	if b, ok := ret.(bool); ok {
		return b
	}
	cr, ok := changes["ret"].(map[string]any)
	if !ok {
		return true
	}
	if b, ok := cr["result"].(bool); ok {
		return b
	}
	if retcode(cr) != 0 {
		return false
	}
	return dictResult(cr)
}

// retcode is mapping.get("retcode", 0) as a number.
func retcode(m map[string]any) float64 {
	switch v := m["retcode"].(type) {
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case float64:
		return v
	case nil:
		return 0
	case bool:
		if v {
			return 1
		}
		return 0
	}
	return 1
}

// dictResult is _get_dict_result: false when a "result" key anywhere in
// the nested mappings is False.
func dictResult(m map[string]any) bool {
	for _, k := range sortedKeys(m) {
		if k == "result" && m[k] == false {
			return false
		}
		if sub, ok := m[k].(map[string]any); ok && !dictResult(sub) {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

// plural is Salt's `plr=(len(x) > 1 or "")`: "True" for several, "" for
// one (Salt really prints "Unavailable functionTrue: a, b.").
func plural(l []string) string {
	if len(l) > 1 {
		return "True"
	}
	return ""
}

// wait does nothing by itself; the function runs through mod_watch.
func wait(_ context.Context, _ *state.Env, _ lowstate.Chunk) *lowstate.Result {
	return state.OK("")
}
