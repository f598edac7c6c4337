package service

import (
	"context"
	"fmt"
	"os"
	"path"
	"strings"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
	"brine/provision/wire/lowstate"
)

// unitName is systemd's canonical unit name (Salt's _canonical_unit_name):
// a name without a unit type suffix is a .service.
func unitName(name string) string {
	for _, t := range []string{".service", ".socket", ".device", ".mount", ".automount", ".swap", ".target",
		".path", ".timer", ".snapshot", ".slice", ".scope"} {
		if strings.HasSuffix(name, t) {
			return name
		}
	}
	return name + ".service"
}

// isMasked is Salt's systemd masked(): the unit file in /etc (or /run for
// runtime) is a symlink to /dev/null.
func isMasked(env *state.Env, name string, runtime bool) bool {
	dir := "/etc/systemd/system"
	if runtime {
		dir = "/run/systemd/system"
	}
	l, err := os.Readlink(state.HostPath(env, path.Join(dir, unitName(name))))
	return err == nil && l == "/dev/null"
}

// mask is service.masked (on) and service.unmasked (off), systemd only,
// with Salt's comments and {"masked": {"old": ..., "new": ...}} changes.
func mask(ctx context.Context, env *state.Env, c lowstate.Chunk, on bool) *lowstate.Result {
	name := c.Name()
	if _, ok := Choose(env).(*Systemd); !ok {
		return state.Failed("Service masking not available on this minion")
	}
	runtime := state.ArgBool(c, "runtime", false)
	maskType, verb := "masked", "mask"
	if runtime {
		maskType = "runtime masked"
	}
	action, already := maskType, "is already"
	if !on {
		action, already, verb = "unmasked", "was already", "unmask"
		if runtime {
			action = "runtime unmasked"
		}
	}
	changes := map[string]any{maskType: map[string]any{"old": !on, "new": on}}
	if isMasked(env, name, runtime) == on {
		return state.OK(fmt.Sprintf("Service %s %s %s", name, already, action))
	}
	if env.Test {
		return state.Pending(fmt.Sprintf("Service %s would be %s", name, action), changes)
	}
	argv := []string{"systemctl", verb}
	if runtime {
		argv = append(argv, "--runtime")
	}
	argv = append(argv, unitName(name))
	if r := hostcmd.Run(ctx, env, nil, argv...); r.Err != nil || r.Retcode != 0 {
		return state.Failed(fmt.Sprintf("Failed to %s service '%s'", verb, name))
	}
	if isMasked(env, name, runtime) != on {
		return state.OK(fmt.Sprintf("Failed to %s service %s", verb, name))
	}
	return state.Changed(fmt.Sprintf("Service %s was %s", name, action), changes)
}

func masked(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	return mask(ctx, env, c, true)
}

func unmasked(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	return mask(ctx, env, c, false)
}
