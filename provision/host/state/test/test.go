// Package test implements Salt's test state module: states that succeed or
// fail on demand, for trying requisites and outputs.
package test

import (
	"context"
	"math/rand/v2"
	"strings"

	"brine/provision/host/state"
	"brine/provision/wire/lowstate"
)

// Module returns the test state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(),
		Funcs: map[string]state.Func{
			"succeed_without_changes": succeedWithoutChanges,
			"nop":                     succeedWithoutChanges,
			"succeed_with_changes":    succeedWithChanges,
			"fail_without_changes":    failWithoutChanges,
			"fail_with_changes":       failWithChanges,
			"show_notification":       showNotification,
			"configurable_test_state": configurable,
		},
		ModWatch: modWatch,
	}
}

// fakeChanges is the change Salt's test states pretend to make.
func fakeChanges() map[string]any {
	return map[string]any{"testing": map[string]any{"old": "Unchanged", "new": "Something pretended to change"}}
}

// commentOr returns the chunk's comment argument or def.
func commentOr(c lowstate.Chunk, def string) string {
	if state.HasArg(c, "comment") {
		return state.ArgStr(c, "comment")
	}
	return def
}

func succeedWithoutChanges(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	return state.OK(commentOr(c, "Success!"))
}

func succeedWithChanges(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	if env.Test {
		return state.Pending("If we weren't testing, this would be successful with changes", fakeChanges())
	}
	return state.Changed(commentOr(c, "Success!"), fakeChanges())
}

func failWithoutChanges(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	if env.Test {
		return state.Failed("If we weren't testing, this would be a failure!")
	}
	return state.Failed(commentOr(c, "Failure!"))
}

func failWithChanges(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	if env.Test {
		return state.Pending("If we weren't testing, this would be failed with changes", fakeChanges())
	}
	r := state.Failed(commentOr(c, "Failure!"))
	r.Changes = fakeChanges()
	return r
}

func showNotification(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	text := state.ArgStr(c, "text")
	if text == "" {
		return state.Failed("Missing required argument text.")
	}
	return state.OK(text)
}

// configurable is configurable_test_state: changes, result and comment as
// asked ("random" picks one).
func configurable(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	pick := func(k string, def bool) (bool, bool) {
		if !state.HasArg(c, k) {
			return def, true
		}
		switch strings.ToLower(state.ArgStr(c, k)) {
		case "random":
			return rand.IntN(2) == 1, true
		case "true", "false", "yes", "no", "on", "off", "1", "0":
			return state.ArgBool(c, k, def), true
		}
		return false, false
	}
	changes, ok := pick("changes", true)
	if !ok {
		return state.Failed("You have specified the state option 'changes' with invalid arguments. It must be either True, False, or 'Random'")
	}
	result, ok := pick("result", true)
	if !ok {
		return state.Failed("You have specified the state option 'result' with invalid arguments. It must be either True, False, or 'Random'")
	}
	comment := state.ArgStr(c, "comment")
	res := &lowstate.Result{Result: lowstate.Bool(result), Comment: comment, Changes: map[string]any{}}
	if changes {
		res.Changes = fakeChanges()
	}
	if env.Test {
		if changes {
			res.Result = nil
		} else {
			res.Result = lowstate.Bool(true)
		}
		if comment == "" {
			res.Comment = "This is a test"
		}
	}
	res.Warnings = state.ArgList(c, "warnings")
	return res
}

// modWatch reports the watched states that changed, as Salt's test
// mod_watch does (the same in test mode); result, comment and changes can
// be overridden by the chunk's arguments.
func modWatch(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	changed := state.ToStrings(c[state.KeyWatchChanged])
	if changed == nil {
		changed = []string{}
	}
	l := make([]any, len(changed))
	for i, s := range changed {
		l[i] = s
	}
	res := state.Changed(commentOr(c, "Watch statement fired."), map[string]any{"Requisites with changes": l})
	if state.HasArg(c, "result") {
		res.Result = lowstate.Bool(state.ArgBool(c, "result", true))
	}
	if m := state.ArgMap(c, "changes"); m != nil {
		res.Changes = m
	}
	return res
}
