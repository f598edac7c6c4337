// Package service implements Salt's service states (running, dead, enabled,
// disabled and mod_watch) over systemd, sysvinit and OpenRC.
package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"brine/provision/lowstate"
	"brine/provision/state"
)

// Module returns the service state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(),
		Funcs: map[string]state.Func{
			"running": func(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
				return ensure(ctx, env, c, true)
			},
			"dead": func(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
				return ensure(ctx, env, c, false)
			},
			"enabled": func(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
				return boot(ctx, env, c, true)
			},
			"disabled": func(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
				return boot(ctx, env, c, false)
			},
			"masked":   masked,
			"unmasked": unmasked,
		},
		ModWatch: modWatch,
	}
}

// waitState polls the status for up to two seconds until it reaches want
// (daemons need a moment to write their pid file or exit).
func waitState(ctx context.Context, m Manager, name string, want bool) bool {
	deadline := time.Now().Add(2 * time.Second)
	for {
		got, err := m.Running(ctx, name)
		if err == nil && got == want {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ensure makes the service run (or stop), handling enable: True/False.
func ensure(ctx context.Context, env *state.Env, c lowstate.Chunk, wantRun bool) *lowstate.Result {
	name := c.Name()
	m := Choose(env)
	if !m.Available(ctx, name) {
		if !wantRun {
			return state.OK(errUnavailable(name, m))
		}
		return state.Failed(errUnavailable(name, m))
	}
	running, err := m.Running(ctx, name)
	if err != nil {
		return state.Failedf("Failed to read the status of service %s: %v", name, err)
	}
	setEnable := state.HasArg(c, "enable")
	wantEnable := state.ArgBool(c, "enable", false)
	enableTodo := false
	if setEnable {
		on, err := m.Enabled(ctx, name)
		if err != nil {
			return state.Failedf("Failed to read whether service %s is enabled: %v", name, err)
		}
		enableTodo = on != wantEnable
	}
	runTodo := running != wantRun
	enWord := "enabled"
	if !wantEnable {
		enWord = "disabled"
	}
	if !runTodo && !enableTodo {
		msg := fmt.Sprintf("The service %s is already running", name)
		if !wantRun {
			msg = fmt.Sprintf("The service %s is already dead", name)
		}
		if setEnable {
			msg += fmt.Sprintf("\nService %s is already %s, and is in the desired state", name, enWord)
		}
		return state.OK(msg)
	}
	ch := map[string]any{name: true}
	if env.Test {
		var parts []string
		if runTodo {
			if wantRun {
				parts = append(parts, fmt.Sprintf("Service %s is set to start", name))
			} else {
				parts = append(parts, fmt.Sprintf("Service %s is set to be killed", name))
			}
		}
		if enableTodo {
			parts = append(parts, fmt.Sprintf("Service %s set to be %s", name, enWord))
		}
		return state.Pending(strings.Join(parts, "\n"), ch)
	}
	var parts []string
	if runTodo {
		action, verb := "start", "Started service "+name
		if !wantRun {
			action, verb = "stop", "Service "+name+" was killed"
		}
		aerr := m.Do(ctx, name, action)
		if !waitState(ctx, m, name, wantRun) {
			msg := fmt.Sprintf("Service %s failed to start", name)
			if !wantRun {
				msg = fmt.Sprintf("Service %s failed to die", name)
			}
			if aerr != nil {
				msg += ": " + aerr.Error()
			}
			return state.Failed(msg)
		}
		parts = append(parts, verb)
	}
	if enableTodo {
		if err := m.SetEnabled(ctx, name, wantEnable); err != nil {
			r := state.Failedf("Failed when setting service %s to %s: %v", name, strings.TrimSuffix(enWord, "d"), err)
			if runTodo {
				r.Changes = ch
			}
			return r
		}
		now := "running"
		if !wantRun {
			now = "dead"
		}
		parts = append(parts, fmt.Sprintf("Service %s has been %s, and is %s", name, enWord, now))
	}
	return state.Changed(strings.Join(parts, "\n"), ch)
}

// boot enables or disables the service at boot without touching whether it
// runs now.
func boot(ctx context.Context, env *state.Env, c lowstate.Chunk, want bool) *lowstate.Result {
	name := c.Name()
	m := Choose(env)
	word := "enabled"
	if !want {
		word = "disabled"
	}
	if !m.Available(ctx, name) {
		return state.Failed(errUnavailable(name, m))
	}
	on, err := m.Enabled(ctx, name)
	if err != nil {
		return state.Failedf("Failed to read whether service %s is enabled: %v", name, err)
	}
	if on == want {
		return state.OK(fmt.Sprintf("Service %s is already %s, and is in the desired state", name, word))
	}
	ch := map[string]any{name: true}
	if env.Test {
		return state.Pending(fmt.Sprintf("Service %s set to be %s", name, word), ch)
	}
	if err := m.SetEnabled(ctx, name, want); err != nil {
		return state.Failedf("Failed when setting service %s to %s: %v", name, strings.TrimSuffix(word, "d"), err)
	}
	return state.Changed(fmt.Sprintf("Service %s has been %s, and is in the desired state", name, word), ch)
}

// modWatch restarts (or reloads, with reload: True) a running service when a
// watched state changed; a stopped service under running is started, and
// under dead is stopped.
func modWatch(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	m := Choose(env)
	if !m.Available(ctx, name) {
		return state.Failed(errUnavailable(name, m))
	}
	sfun := c.Str("sfun")
	if sfun == "" {
		sfun = c.Fun()
	}
	running, err := m.Running(ctx, name)
	if err != nil {
		return state.Failedf("Failed to read the status of service %s: %v", name, err)
	}
	var action, past, future string
	switch sfun {
	case "dead":
		if !running {
			return state.OK("Service is already stopped")
		}
		action, past, future = "stop", "Service stopped", "Service is set to be stopped"
	case "running", "mod_watch", "":
		switch {
		case !running:
			action, past, future = "start", "Service started", "Service is set to be started"
		case state.ArgBool(c, "reload", false):
			action, past, future = "reload", "Service reloaded", "Service is set to be reloaded"
		default:
			action, past, future = "restart", "Service restarted", "Service is set to be restarted"
		}
	default:
		return state.Failedf("mod_watch does not handle service.%s", sfun)
	}
	ch := map[string]any{name: true}
	if env.Test {
		return state.Pending(future, ch)
	}
	if err := m.Do(ctx, name, action); err != nil {
		return state.Failedf("Failed to %s service %s: %v", action, name, err)
	}
	if !waitState(ctx, m, name, action != "stop") {
		return state.Failedf("Service %s is not %s after %s", name, map[bool]string{true: "running", false: "stopped"}[action != "stop"], action)
	}
	return state.Changed(past, ch)
}
