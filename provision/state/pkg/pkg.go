// Package pkg implements Salt's pkg states (installed, latest, removed,
// purged) over apt/dpkg, dnf/yum and apk providers.
package pkg

import (
	"context"
	"fmt"
	"strings"

	"brine/provision/lowstate"
	"brine/provision/state"
)

// Module returns the pkg state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(), Funcs: map[string]state.Func{
		"installed": installed,
		"latest":    latest,
		"removed": func(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
			return remove(ctx, env, c, false)
		},
		"purged": func(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
			return remove(ctx, env, c, true)
		},
	}}
}

// targets reads name/version or the pkgs list (strings or {name: version}).
func targets(c lowstate.Chunk) ([]Target, error) {
	raw, ok := c["pkgs"]
	if !ok || raw == nil {
		n := c.Name()
		if n == "" {
			return nil, fmt.Errorf("no package named: set name or pkgs")
		}
		return []Target{{Name: n, Version: state.ArgStr(c, "version")}}, nil
	}
	list, ok := raw.([]any)
	if !ok {
		if s, isStr := raw.(string); isStr {
			list = []any{s}
		} else {
			return nil, fmt.Errorf("pkgs must be a list of names or {name: version} maps")
		}
	}
	var out []Target
	for _, e := range list {
		switch t := e.(type) {
		case map[string]any:
			for k, v := range t {
				out = append(out, Target{Name: k, Version: state.Scalar(v)})
			}
		case nil:
		default:
			out = append(out, Target{Name: state.Scalar(t)})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("pkgs is empty")
	}
	return out, nil
}

// prepare parses the targets, picks the provider and refreshes the package
// lists when asked (refresh: True) or when they are empty. In test mode the
// refresh goes to a private preview the returned cleanup removes.
func prepare(ctx context.Context, env *state.Env, c lowstate.Chunk, mayRefresh bool) ([]Target, Provider, func(), *lowstate.Result) {
	none := func() {}
	ts, err := targets(c)
	if err != nil {
		return nil, nil, none, state.Failed(err.Error())
	}
	p, err := Choose(env)
	if err != nil {
		return nil, nil, none, state.Failed(err.Error())
	}
	if !mayRefresh || !(state.ArgBool(c, "refresh", false) || p.NeedsRefresh()) {
		return ts, p, none, nil
	}
	if env.Test {
		// best effort: without it the prediction names versions less exactly
		cleanup, _ := p.Preview(ctx)
		return ts, p, cleanup, nil
	}
	if err := p.Refresh(ctx); err != nil {
		return nil, nil, none, state.Failedf("Failed to refresh the package database: %v", err)
	}
	return ts, p, none, nil
}

func list(names []string) string { return strings.Join(names, ", ") }

func installed(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	ts, p, cleanup, fail := prepare(ctx, env, c, true)
	defer cleanup()
	if fail != nil {
		return fail
	}
	return ensure(ctx, env, c, p, ts, false)
}

func latest(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	ts, p, cleanup, fail := prepare(ctx, env, c, true)
	defer cleanup()
	if fail != nil {
		return fail
	}
	fromrepo := state.ArgStr(c, "fromrepo")
	cand, err := p.Candidates(ctx, names(ts), fromrepo)
	if err != nil {
		return state.Failedf("Failed to find the latest versions: %v", err)
	}
	for i := range ts {
		v := cand[ts[i].Name]
		if v == "" {
			return state.Failedf("No information found for '%s'", ts[i].Name)
		}
		ts[i].Version = v
	}
	return ensure(ctx, env, c, p, ts, true)
}

// ensure installs the targets that are missing or at another version, then
// applies hold, and reports Salt-shaped changes.
func ensure(ctx context.Context, env *state.Env, c lowstate.Chunk, p Provider, ts []Target, isLatest bool) *lowstate.Result {
	fromrepo := state.ArgStr(c, "fromrepo")
	before, err := p.List(ctx)
	if err != nil {
		return state.Failedf("Failed to list installed packages: %v", err)
	}
	var todo []Target
	var ranged []string
	for _, t := range ts {
		if !Satisfies(before[t.Name].Version, t.Version) {
			todo = append(todo, t)
			if HasOperator(t.Version) {
				ranged = append(ranged, t.Name)
			}
		}
	}
	if len(ranged) > 0 {
		// a spec such as ">=1.2": install the candidate when it qualifies
		cand, err := p.Candidates(ctx, ranged, fromrepo)
		if err != nil {
			return state.Failedf("Failed to find candidate versions: %v", err)
		}
		for i, t := range todo {
			if !HasOperator(t.Version) {
				continue
			}
			v := cand[t.Name]
			if v == "" || !Satisfies(v, t.Version) {
				return state.Failedf("No version matching '%s' is available for package %s (candidate: %q)", t.Version, t.Name, v)
			}
			todo[i].Version = v
		}
	}
	var holdTodo []string
	wantHold := state.ArgBool(c, "hold", false)
	if state.HasArg(c, "hold") {
		held, err := p.Held(ctx)
		if err != nil {
			return state.Failedf("Failed to read package holds: %v", err)
		}
		for _, t := range ts {
			if held[t.Name] != wantHold {
				holdTodo = append(holdTodo, t.Name)
			}
		}
	}
	if len(todo) == 0 && len(holdTodo) == 0 {
		switch {
		case isLatest && len(ts) == 1:
			return state.OK(fmt.Sprintf("Package %s is already up-to-date", ts[0].Name))
		case isLatest:
			return state.OK(fmt.Sprintf("All packages are up-to-date (%s).", list(names(ts))))
		case len(ts) == 1:
			return state.OK(fmt.Sprintf("Package %s is already installed", ts[0].Name))
		}
		return state.OK("All specified packages are already installed")
	}
	holdChange := func(ch map[string]any) {
		o, n := "install", "hold"
		if !wantHold {
			o, n = n, o
		}
		for _, name := range holdTodo {
			e, _ := ch[name].(map[string]any)
			if e == nil {
				e = map[string]any{}
				ch[name] = e
			}
			e["hold"] = map[string]any{"old": o, "new": n}
		}
	}
	verb, failVerb := "installed/updated", "install/update"
	if isLatest {
		verb, failVerb = "installed/upgraded", "install/upgrade"
	}
	if env.Test {
		ch := map[string]any{}
		if len(todo) > 0 {
			pred, err := p.Simulate(ctx, todo, fromrepo)
			if err != nil {
				pred = map[string]string{}
				for _, t := range todo {
					pred[t.Name] = t.Version
				}
			}
			for n, v := range pred {
				if before[n].Version != v {
					ch[n] = map[string]any{"old": before[n].Version, "new": v}
				}
			}
		}
		holdChange(ch)
		cm := fmt.Sprintf("The following packages would be %s: %s", verb, list(names(todo)))
		if len(todo) == 0 {
			cm = fmt.Sprintf("The following packages would have their hold state changed: %s", list(holdTodo))
		}
		return state.Pending(cm, ch)
	}
	ch := map[string]any{}
	var comments []string
	if len(todo) > 0 {
		ierr := p.Install(ctx, todo, fromrepo)
		after, lerr := p.List(ctx)
		if lerr != nil {
			return state.Failedf("Failed to list installed packages after install: %v", lerr)
		}
		ch = diff(before, after)
		var failed []string
		for _, t := range todo {
			if !Satisfies(after[t.Name].Version, t.Version) {
				failed = append(failed, t.Name)
			}
		}
		if ierr != nil || len(failed) > 0 {
			r := state.Failed(fmt.Sprintf("The following packages failed to %s: %s", failVerb, list(failed)))
			if len(failed) == 0 {
				r.Comment = fmt.Sprintf("The package manager reported an error while installing %s", list(names(todo)))
			}
			if ierr != nil {
				r.Comment += "\n" + ierr.Error()
			}
			r.Changes = ch
			return r
		}
		comments = append(comments, fmt.Sprintf("The following packages were %s: %s", verb, list(names(todo))))
	}
	if len(holdTodo) > 0 {
		if err := p.SetHold(ctx, holdTodo, wantHold); err != nil {
			r := state.Failedf("Failed to change the hold state of %s: %v", list(holdTodo), err)
			r.Changes = ch
			return r
		}
		holdChange(ch)
		word := "now being held"
		if !wantHold {
			word = "no longer held"
		}
		comments = append(comments, fmt.Sprintf("The following packages are %s: %s", word, list(holdTodo)))
	}
	return state.Changed(strings.Join(comments, "\n"), ch)
}

func remove(ctx context.Context, env *state.Env, c lowstate.Chunk, purge bool) *lowstate.Result {
	ts, p, cleanup, fail := prepare(ctx, env, c, false)
	defer cleanup()
	if fail != nil {
		return fail
	}
	before, err := p.List(ctx)
	if err != nil {
		return state.Failedf("Failed to list installed packages: %v", err)
	}
	var todo []string
	for _, t := range ts {
		in := before[t.Name]
		if in.Version != "" || (purge && in.ConfigOnly) {
			todo = append(todo, t.Name)
		}
	}
	verb := "removed"
	if purge {
		verb = "purged"
	}
	if len(todo) == 0 {
		if len(ts) == 1 {
			return state.OK(fmt.Sprintf("Package %s is not installed", ts[0].Name))
		}
		return state.OK("All specified packages are already absent")
	}
	configOnly := func(ch map[string]any, after map[string]Info) {
		for _, n := range todo {
			if before[n].ConfigOnly && !after[n].ConfigOnly {
				if _, ok := ch[n]; !ok {
					ch[n] = map[string]any{"old": "", "new": ""}
				}
			}
		}
	}
	if env.Test {
		ch := map[string]any{}
		pred, err := p.SimulateRemove(ctx, todo, purge)
		if err != nil {
			pred = map[string]string{}
			for _, n := range todo {
				pred[n] = before[n].Version
			}
		}
		for n := range pred {
			if v := before[n].Version; v != "" {
				ch[n] = map[string]any{"old": v, "new": ""}
			}
		}
		if purge {
			configOnly(ch, map[string]Info{})
		}
		return state.Pending(fmt.Sprintf("The following packages will be %s: %s", verb, list(todo)), ch)
	}
	rerr := p.Remove(ctx, todo, purge)
	after, lerr := p.List(ctx)
	if lerr != nil {
		return state.Failedf("Failed to list installed packages after removal: %v", lerr)
	}
	ch := diff(before, after)
	if purge {
		configOnly(ch, after)
	}
	var failed []string
	for _, n := range todo {
		if after[n].Version != "" || (purge && after[n].ConfigOnly) {
			failed = append(failed, n)
		}
	}
	if rerr != nil || len(failed) > 0 {
		r := state.Failedf("The following packages failed to be %s: %s", verb, list(failed))
		if rerr != nil {
			r.Comment += "\n" + rerr.Error()
		}
		r.Changes = ch
		return r
	}
	return state.Changed(fmt.Sprintf("The following packages were %s: %s", verb, list(todo)), ch)
}
