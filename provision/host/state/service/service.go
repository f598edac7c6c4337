// Package service implements Salt's service states (running, dead, enabled,
// disabled and mod_watch) over systemd, sysvinit and OpenRC. Results,
// comments and changes follow salt/states/service.py (3007.1) line by line,
// including test mode: a service that is not installed yet is a prediction
// (None), never a failure, since an earlier state may install it.
package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
	"brine/provision/wire/lowstate"
)

// Module returns the service state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(),
		Funcs: map[string]state.Func{
			"running":  running,
			"dead":     dead,
			"enabled":  enabled,
			"disabled": disabled,
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

// act starts (running: true) or stops the service and reports whether it
// runs afterwards: polled until it gets there when the action succeeded,
// read once when it failed.
func act(ctx context.Context, m Manager, name, action string, running bool) (bool, error) {
	err := m.Do(ctx, name, action)
	if err != nil {
		on, _ := m.Running(ctx, name)
		return on, err
	}
	if waitState(ctx, m, name, running) {
		return running, nil
	}
	return !running, nil
}

// actFailed is the result of a start/stop that failed: Salt's comment,
// replaced by _enable/_disable's when enable is set (as ret.update does),
// and the init system's words below it.
func actFailed(ctx context.Context, env *state.Env, m Manager, name, comment string, enable *bool, started bool, err error) *lowstate.Result {
	r := state.Failed(comment)
	if enable != nil {
		setBoot(ctx, env, m, name, *enable, lowstate.Bool(started), false).merge(r)
	}
	r.Comment += "\n" + err.Error()
	return r
}

// sleep waits d or until ctx ends (init_delay).
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// partial is what Salt's _enable/_disable return and running/dead merge into
// their result with ret.update(): the comment and result always, the changes
// only when the helper set them.
type partial struct {
	result     *bool
	comment    string
	changes    map[string]any
	setChanges bool
}

// merge applies p to r as Python's dict.update would.
func (p partial) merge(r *lowstate.Result) *lowstate.Result {
	r.Result = p.result
	r.Comment = p.comment
	if p.setChanges {
		r.Changes = p.changes
	}
	return r
}

// enableArg reads `enable` as Salt does: absent is None, else a boolean
// (strings such as "True" included).
func enableArg(c lowstate.Chunk) *bool {
	if !state.HasArg(c, "enable") || c["enable"] == nil {
		return nil
	}
	return lowstate.Bool(state.ArgBool(c, "enable", false))
}

// startedWord is the tail of _enable/_disable comments for `started`
// (True, None, False).
func startedWord(started *bool, enabling bool) (already, done, failed string) {
	switch {
	case started == nil:
		failed = ", but the service was already running"
		return ", and is in the desired state", ", and is in the desired state", failed
	case *started:
		failed = ", but the service is running"
		if !enabling {
			failed = ", and is running"
		}
		return ", and is running", ", and is running", failed
	}
	return ", and is dead", ", and is dead", ", and the service is dead"
}

// setBoot is Salt's _enable (on) and _disable (off).
func setBoot(ctx context.Context, env *state.Env, m Manager, name string, on bool, started *bool, result bool) partial {
	word, fail := "enabled", "start at boot"
	if !on {
		word, fail = "disabled", "not start at boot"
	}
	if !m.Available(ctx, name) {
		// _disable treats a missing service as done; _enable fails.
		return partial{result: lowstate.Bool(!on), comment: notAvailable(name)}
	}
	p := partial{result: lowstate.Bool(result)}
	already, done, failed := startedWord(started, on)
	cur, err := m.Enabled(ctx, name)
	if err != nil {
		p.result = lowstate.Bool(false)
		p.comment = fmt.Sprintf("Failed to read whether service %s is enabled: %v", name, err)
		return p
	}
	if cur == on {
		p.comment = fmt.Sprintf("Service %s is already %s%s", name, word, already)
		if started == nil {
			p.changes, p.setChanges = map[string]any{}, true
		}
		return p
	}
	if env.Test {
		p.result = nil
		p.comment = fmt.Sprintf("Service %s set to be %s", name, word)
		return p
	}
	if err := m.SetEnabled(ctx, name, on); err != nil {
		p.result = lowstate.Bool(false)
		p.comment = fmt.Sprintf("Failed when setting service %s to %s%s", name, fail, failed)
		if on {
			p.comment += ". Additional information follows:\n\n" + err.Error()
		} else {
			p.comment += "\n" + err.Error()
		}
		return p
	}
	p.changes, p.setChanges = map[string]any{}, true
	if after, err := m.Enabled(ctx, name); err == nil && after != cur {
		p.changes[name] = true
	}
	p.comment = fmt.Sprintf("Service %s has been %s%s", name, word, done)
	return p
}

// readStatus reads whether the service runs and starts at boot.
func readStatus(ctx context.Context, m Manager, name string) (running, enabled bool, fail *lowstate.Result) {
	running, err := m.Running(ctx, name)
	if err != nil {
		return false, false, state.Failedf("Failed to read the status of service %s: %v", name, err)
	}
	enabled, err = m.Enabled(ctx, name)
	if err != nil {
		return false, false, state.Failedf("Failed to read whether service %s is enabled: %v", name, err)
	}
	return running, enabled, nil
}

// bootOnly finishes running/dead for a service already in the wanted run
// state: _enable/_disable when enable asks for a change, else r as is.
func bootOnly(ctx context.Context, env *state.Env, m Manager, name string, enable *bool, enabled bool, r *lowstate.Result) *lowstate.Result {
	if enable != nil && *enable != enabled {
		return setBoot(ctx, env, m, name, *enable, nil, true).merge(r)
	}
	return r
}

// usedEnabled is Salt's check for the common typo `enabled: True`.
func usedEnabled(c lowstate.Chunk) *lowstate.Result {
	if !state.HasArg(c, "enabled") {
		return nil
	}
	return state.Failedf(`Service %s uses non-existent option "enabled".  Perhaps "enable" option was intended?`, c.Name())
}

// runWords are the words of service.running (start) and service.dead
// (stop) in salt/states/service.py.
type runWords struct {
	action, past, state, predict, done, failed string
}

func wordsFor(name string, run bool) runWords {
	if run {
		return runWords{"start", "started", "running", fmt.Sprintf("Service %s is set to start", name),
			"Started service " + name, fmt.Sprintf("Service %s failed to start", name)}
	}
	return runWords{"stop", "stopped", "dead", fmt.Sprintf("Service %s is set to be killed", name),
		fmt.Sprintf("Service %s was killed", name), fmt.Sprintf("Service %s failed to die", name)}
}

// running is service.running.
func running(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	return ensure(ctx, env, c, true)
}

// dead is service.dead.
func dead(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	return ensure(ctx, env, c, false)
}

// ensure makes the service run (want) or stop, then applies enable the way
// running and dead do in Salt.
func ensure(ctx context.Context, env *state.Env, c lowstate.Chunk, want bool) *lowstate.Result {
	name := c.Name()
	if r := usedEnabled(c); r != nil {
		return r
	}
	w := wordsFor(name, want)
	enable := enableArg(c)
	m := Choose(env)
	if !m.Available(ctx, name) {
		if env.Test {
			return state.Pending(fmt.Sprintf("Service %s not present; if created in this state run, it would have been %s", name, w.past), nil)
		}
		if want {
			return state.Failed(notAvailable(name))
		}
		// A service that is not there is as dead as it gets (Salt).
		return state.OK(notAvailable(name))
	}
	before, beforeOn, fail := readStatus(ctx, m, name)
	if fail != nil {
		return fail
	}
	r := state.OK(fmt.Sprintf("The service %s is already %s", name, w.state))
	if before == want {
		return bootOnly(ctx, env, m, name, enable, beforeOn, r)
	}
	if env.Test {
		return state.Pending(w.predict, nil)
	}
	now, err := act(ctx, m, name, w.action, want)
	if now != want && err != nil {
		return actFailed(ctx, env, m, name, w.failed, enable, !want, err)
	}
	delay := state.ArgFloat(c, "init_delay", 0)
	if delay > 0 {
		sleep(ctx, time.Duration(delay*float64(time.Second)))
		now, _ = m.Running(ctx, name)
	}
	afterOn, _ := m.Enabled(ctx, name)
	if beforeOn != afterOn || before != now {
		r.Changes[name] = now
	}
	r.Comment = w.done
	if now != want {
		r.Result, r.Comment = lowstate.Bool(false), w.failed
	}
	if enable != nil {
		setBoot(ctx, env, m, name, *enable, lowstate.Bool(now), now == want).merge(r)
	}
	if want && delay > 0 {
		r.Comment += fmt.Sprintf("\nDelayed return for %s seconds", state.Scalar(c["init_delay"]))
	}
	return r
}

// enabled is service.enabled.
func enabled(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	m := Choose(env)
	r := setBoot(ctx, env, m, name, true, nil, true).merge(state.OK(""))
	if env.Test && r.Comment == notAvailable(name) {
		return state.Pending(fmt.Sprintf("Service %s not present; if created in this state run, it would have been enabled", name), nil)
	}
	return r
}

// disabled is service.disabled.
func disabled(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	return setBoot(ctx, env, Choose(env), c.Name(), false, nil, true).merge(state.OK(""))
}

// modWatch is Salt's service.mod_watch: for a watched change, restart (or
// reload, with reload: True; force-reload with force: True too) a running
// service under service.running and start a stopped one; stop a running
// service under service.dead.
func modWatch(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	m := Choose(env)
	sfun := c.Str("sfun")
	if sfun == "" {
		sfun = c.Fun()
	}
	// A service that does not exist is not running: Salt goes on to start
	// it (and predicts that in test mode).
	isRunning := false
	if m.Available(ctx, name) {
		on, err := m.Running(ctx, name)
		if err != nil {
			return state.Failedf("Failed to read the status of service %s: %v", name, err)
		}
		isRunning = on
	}
	var action, verb, past string
	switch sfun {
	case "dead":
		if !isRunning {
			return state.OK("Service is already stopped")
		}
		action, verb, past = "stop", "stop", "stopped"
	case "running":
		switch {
		case !isRunning:
			action, verb, past = "start", "start", "started"
		case state.ArgBool(c, "reload", false) && state.ArgBool(c, "force", false):
			action, verb, past = "force-reload", "forcefully reload", "forcefully reloaded"
		case state.ArgBool(c, "reload", false):
			action, verb, past = "reload", "reload", "reloaded"
		default:
			action, verb, past = "restart", "restart", "restarted"
		}
	default:
		return state.Failedf("Unable to trigger watch for service.%s", sfun)
	}
	if env.Test {
		return state.Pending("Service is set to be "+past, nil)
	}
	if action == "start" {
		// Salt stops the service before it starts it from a watch, so a
		// half-dead daemon (stale pid file) gets a clean start.
		_ = m.Do(ctx, name, "stop")
	}
	// salt/states/service.py mod_watch trusts the init system's answer:
	// the result is the command's success, with no status read after it
	// (systemctl start of a unit whose Condition* is not met succeeds,
	// and Salt says "Service started"; the next service.running finds
	// it dead). systemd's failure is systemctl's message
	// (CommandExecutionError); an init script's is Salt's words.
	err := m.Do(ctx, name, action)
	if err != nil {
		if m.Name() == "systemd" {
			var ee *hostcmd.ExitError
			if errors.As(err, &ee) && ee.Msg != "" {
				return state.Failed(ee.Msg)
			}
			return state.Failed(err.Error())
		}
		r := state.Failedf("Failed to %s the service", verb)
		r.Changes = map[string]any{name: false}
		return r
	}
	if d := state.ArgFloat(c, "init_delay", 0); d > 0 {
		sleep(ctx, time.Duration(d*float64(time.Second)))
	}
	// Give the service up to waitState's bound to get there, so the
	// states after this one find it up (or down); its answer does not
	// change the result, as above.
	waitState(ctx, m, name, action != "stop")
	return state.Changed("Service "+past, map[string]any{name: true})
}

// notAvailable is Salt's comment for a service that does not exist.
func notAvailable(name string) string {
	return fmt.Sprintf("The named service %s is not available", name)
}
