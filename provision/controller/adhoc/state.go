package adhoc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"brine/provision/controller/compile"
	"brine/provision/lib/pyfmt"
	"brine/provision/wire/funcs"
	"brine/provision/wire/lowstate"
)

// RunsStates reports whether the call is a state.* function that runs
// states on the host (state.single, state.low, state.template_str,
// state.sls_id): compiled on the controller, applied by the executor.
func (c *Call) RunsStates() bool {
	switch c.Func.Name {
	case "state.single", "state.low", "state.template_str", "state.sls_id":
		return true
	}
	return false
}

// Test is the call's test=True (a dry run).
func (c *Call) Test() bool {
	if v, ok := c.Bound.Values["test"]; ok {
		return pyfmt.Truth(v)
	}
	return pyfmt.Truth(c.Bound.Extra["test"])
}

// saltenv is the call's saltenv ("base" by default).
func (c *Call) saltenv() string {
	for _, m := range []map[string]any{c.Bound.Values, c.Bound.Extra} {
		if v, ok := m["saltenv"]; ok && v != nil && pyfmt.Str(v) != "" {
			return pyfmt.Str(v)
		}
	}
	return "base"
}

// mods reads an SLS list argument: a comma-separated string or a list.
func mods(v any) []string {
	var out []string
	switch t := v.(type) {
	case []any:
		for _, x := range t {
			out = append(out, pyfmt.Str(x))
		}
	case nil:
	default:
		for _, s := range strings.Split(pyfmt.Str(t), ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// notStateArgs are the keyword arguments of state.single and state.low
// that steer the run rather than the state.
func notStateArg(k string) bool {
	switch k {
	case "test", "queue", "saltenv", "pillar", "pillarenv", "pillar_enc", "concurrent":
		return true
	}
	return strings.HasPrefix(k, "__")
}

// highText writes one state as SLS text (JSON is YAML): id -> mod.fun ->
// [{arg: value}...], sorted by argument.
func highText(id, modFun string, args map[string]any) (string, error) {
	keys := make([]string, 0, len(args))
	for k := range args {
		if !notStateArg(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	list := make([]any, 0, len(keys))
	for _, k := range keys {
		list = append(list, map[string]any{k: args[k]})
	}
	b, err := json.Marshal(map[string]any{id: map[string]any{modFun: list}})
	return string(b), err
}

// pseudoSLS matches the compile's message for an unknown state function
// in the text state.single, state.low or state.template_str compiled.
var pseudoSLS = regexp.MustCompile(`^State '([^']+)' was not found in SLS '__(?:single|low|main)__'`)

// noSLS gives the states of state.single, state.low and
// state.template_str no SLS, as Salt's chunks have none: their results
// say "__sls__": null, and an unknown state function is Salt's "Specified
// state 'mod.fun' was not found" (salt/state.py verify_data).
func noSLS(res *compile.Result, err error) (*compile.Result, error) {
	var ce *compile.Errors
	if errors.As(err, &ce) {
		for i, m := range ce.Msgs {
			if sm := pseudoSLS.FindStringSubmatch(m); sm != nil {
				ce.Msgs[i] = fmt.Sprintf("Specified state '%s' was not found", sm[1])
			}
		}
	}
	if res != nil {
		for _, ch := range res.Low {
			ch["__sls__"] = ""
		}
	}
	return res, err
}

// Compile compiles a call that RunsStates for the host.
func (c *Call) Compile(ctx context.Context, comp *compile.Compiler, h compile.Host) (*compile.Result, error) {
	v := c.Bound.Values
	switch c.Func.Name {
	case "state.single":
		fun := pyfmt.Str(v["fun"])
		if !strings.Contains(fun, ".") {
			return nil, funcs.Raise("CommandExecutionError", "Invalid function passed")
		}
		args := map[string]any{"name": v["name"]}
		for k, x := range c.Bound.Extra {
			args[k] = x
		}
		text, err := highText(pyfmt.Str(v["name"]), fun, args)
		if err != nil {
			return nil, err
		}
		return noSLS(comp.Text(ctx, h, c.saltenv(), "__single__", text, false))
	case "state.low":
		low, ok := v["data"].(map[string]any)
		if !ok {
			return nil, funcs.Raise("SaltInvocationError", "state.low needs a dict: {state: file, fun: managed, name: /x, ...}")
		}
		args := map[string]any{}
		for k, x := range low {
			if k != "state" && k != "fun" && k != "__id__" {
				args[k] = x
			}
		}
		id := pyfmt.Str(low["__id__"])
		if low["__id__"] == nil {
			id = pyfmt.Str(low["name"])
		}
		text, err := highText(id, pyfmt.Str(low["state"])+"."+pyfmt.Str(low["fun"]), args)
		if err != nil {
			return nil, err
		}
		return noSLS(comp.Text(ctx, h, c.saltenv(), "__low__", text, false))
	case "state.template_str":
		return noSLS(comp.Text(ctx, h, c.saltenv(), "__main__", pyfmt.Str(v["tem"]), true))
	case "state.sls_id":
		id, names := pyfmt.Str(v["id_"]), mods(v["mods"])
		res, err := comp.SLS(ctx, h, c.saltenv(), names)
		if err != nil {
			return nil, err
		}
		keep := requisiteClosure(res.Low, id)
		if len(keep) == 0 {
			return nil, funcs.Raise("SaltInvocationError", "No matches for ID '%s' found in SLS '%s' within saltenv '%s'", id, strings.Join(names, ","), c.saltenv())
		}
		var low []lowstate.Chunk
		for i, ch := range res.Low {
			if keep[i] {
				low = append(low, ch)
			}
		}
		res.Low = low
		return res, nil
	}
	return nil, fmt.Errorf("%s does not run states", c.Func.Name)
}

// requisiteClosure marks the chunks of id and, transitively, the chunks
// they require (call_chunk runs a chunk's requisites first).
func requisiteClosure(low []lowstate.Chunk, id string) map[int]bool {
	keep := map[int]bool{}
	var visit func(i int)
	visit = func(i int) {
		if keep[i] {
			return
		}
		keep[i] = true
		for _, k := range []string{"require", "watch", "onchanges", "onfail", "prereq", "require_any", "watch_any", "onchanges_any", "onfail_any", "use"} {
			refs, _ := lowstate.ParseRequisites(low[i][k], lowstate.RefOptions{Compiled: true})
			for _, r := range refs {
				for j, ch := range low {
					if (r.Kind == ch.State() || r.Kind == "id") && (ch.ID() == r.Target || ch.Name() == r.Target) ||
						r.Kind == "sls" && ch.SLS() == r.Target {
						visit(j)
					}
				}
			}
		}
	}
	for i, ch := range low {
		if ch.ID() == id {
			visit(i)
		}
	}
	return keep
}

// Show answers the state.* functions that only compile: show_low_sls and
// id_exists (the others are in brine's command table).
func (c *Call) Show(ctx context.Context, comp *compile.Compiler, h compile.Host) (any, bool, error) {
	v := c.Bound.Values
	switch c.Func.Name {
	case "state.show_low_sls":
		res, err := comp.SLS(ctx, h, c.saltenv(), mods(v["mods"]))
		if err != nil {
			return nil, true, err
		}
		out := make([]any, len(res.Low))
		for i, ch := range res.Low {
			b, err := json.Marshal(ch.Public())
			if err != nil {
				return nil, true, err
			}
			var m any
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, true, err
			}
			out[i] = m
		}
		return out, true, nil
	case "state.id_exists":
		res, err := comp.SLS(ctx, h, c.saltenv(), mods(v["mods"]))
		if err != nil {
			return nil, true, err
		}
		have := map[string]bool{}
		for _, ch := range res.Low {
			have[ch.ID()] = true
		}
		for _, id := range mods(v["ids"]) {
			if !have[id] {
				return false, true, nil
			}
		}
		return true, true, nil
	}
	return nil, false, nil
}
