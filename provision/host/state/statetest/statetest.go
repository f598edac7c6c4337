// Package statetest holds small helpers shared by the state modules' tests.
package statetest

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"brine/provision/host/state"
	"brine/provision/wire/lowstate"
)

// Call runs one state function of module m on chunk c in env the way the
// engine runs it on a host (state.Run, with m the only module): the chunk
// is checked against the function's spec first, so a missing, unknown or
// mistyped argument fails as it would there; the state keywords (unless,
// onlyif, check_cmd, retry) are the engine's; a panic or a nil result is a
// failed result; the engine fills in the name, id and timing. fun names
// the function ("user.present") and is set as the chunk's state and fun;
// "" runs the function the chunk names itself. "mod.mod_watch" calls the
// module's ModWatch directly, as the engine does when a watched state
// changed (it checks no spec for it): with the watching state's chunk,
// whose function is passed in sfun. with are other states of the same
// module in the run (what c's requisites name), run before c. c is not
// changed.
func Call(env *state.Env, m *state.Module, fun string, c lowstate.Chunk, with ...lowstate.Chunk) *lowstate.Result {
	ch := make(lowstate.Chunk, len(c)+4)
	for k, v := range c {
		ch[k] = v
	}
	if env == nil {
		env = &state.Env{}
	}
	mod, f := ch.State(), ch.Fun()
	if fun != "" {
		mod, f, _ = strings.Cut(fun, ".")
	}
	if f == "mod_watch" {
		// As the engine calls it: the watching state's chunk, its
		// function in sfun.
		ch["state"] = mod
		if _, ok := ch["sfun"]; !ok && ch.Fun() != "mod_watch" {
			ch["sfun"] = ch.Fun()
		}
		return m.ModWatch(context.Background(), env, ch)
	}
	ch["state"], ch["fun"] = mod, f
	if _, ok := ch["__id__"]; !ok {
		ch["__id__"] = ch.Name()
	}
	if _, ok := ch["__sls__"]; !ok {
		ch["__sls__"] = "statetest"
	}
	res := state.Run(context.Background(), append(append([]lowstate.Chunk(nil), with...), ch), state.Options{
		Test: env.Test, Registry: state.Registry{ch.State(): m}, Env: env,
	})
	return res[lowstate.Tag(ch.State(), ch.ID(), ch.Name(), ch.Fun())]
}

// Result formats a state's result the way Salt prints it: "None" for a
// test-mode prediction, otherwise "true" or "false".
func Result(r *lowstate.Result) string {
	if r.Result == nil {
		return "None"
	}
	return fmt.Sprint(*r.Result)
}

// SleeperInitScript returns a start-stop-daemon SysV init script for a
// service "sleeper" (/bin/sleep 300) whose pid file is <root>/run/sleeper.pid,
// like the init scripts on the e2e hosts.
func SleeperInitScript(root string) string {
	return strings.ReplaceAll(`#!/bin/sh
PIDFILE=@ROOT@/run/sleeper.pid
case "$1" in
  start)   start-stop-daemon --start --quiet --background --make-pidfile --pidfile $PIDFILE --exec /bin/sleep -- 300 ;;
  stop)    start-stop-daemon --stop --quiet --retry 5 --remove-pidfile --pidfile $PIDFILE --exec /bin/sleep; rc=$?; [ $rc -eq 1 ] && exit 0; exit $rc ;;
  status)  start-stop-daemon --status --pidfile $PIDFILE --exec /bin/sleep ;;
  restart) "$0" stop && "$0" start ;;
  *) echo "Usage: $0 {start|stop|status|restart}" >&2; exit 3 ;;
esac
`, "@ROOT@", root)
}

// predictsByResult lists the state functions whose test=True return Salt
// shapes differently from the real run's changes: it predicts the change
// with result None and changes of its own ({} for services, cron entries
// and swap; {"pkg": {"new": "1.2-1", "old": ""}} for packages), as
// salt/states/*.py (3007.1) do, or where brine's offline dry run cannot
// know the outcome (git.latest).
var predictsByResult = map[string]bool{
	"service.running": true, "service.dead": true, "service.enabled": true, "service.disabled": true,
	"service.mod_watch": true,
	"pkg.installed":     true, "pkg.latest": true, "pkg.removed": true, "pkg.purged": true,
	"mount.swap":      true,
	"timezone.system": true,
	"host.absent":     true,
	"locale.present":  true, "locale.system": true,
	"sysctl.present": true,
	"user.present":   true, "user.absent": true, "group.present": true, "group.absent": true,
	"cron.present": true, "cron.absent": true, "cron.env_present": true, "cron.env_absent": true,
	// file.directory predicts per path (_check_directory: {path: {"mode":
	// "0750"}}); a real run on an existing directory reports check_perms'
	// {"mode": "0750"}
	"file.directory": true,
	// brine's dry run never contacts the remote: it cannot know the new
	// revision of a branch until the real run fetches it.
	"git.latest": true,
}

// SameChangesInTestMode reports whether Salt's test mode for state function
// mod.fun returns the very changes the real run then makes, so a dry run
// must predict them exactly; for the others a dry run predicts a change by
// its None result only.
func SameChangesInTestMode(mod, fun string) bool { return !predictsByResult[mod+"."+fun] }

// PredictsChanges reports whether a dry run's changes pred are Salt's
// test-mode prediction of the changes got a real run of mod.fun made: equal
// where SameChangesInTestMode, and for a file.managed that creates its file
// Salt's {"newfile": PATH} for the real run's {"diff": "New file", ...}
// (salt/states/file.py 3007.1, recorded in e2e/testdata/trees/fn-file).
func PredictsChanges(mod, fun string, pred, got map[string]any) bool {
	if !SameChangesInTestMode(mod, fun) {
		return true
	}
	if mod == "file" && fun == "managed" && len(pred) == 1 && pred["newfile"] != nil {
		return got["diff"] == "New file"
	}
	return reflect.DeepEqual(pred, got)
}
