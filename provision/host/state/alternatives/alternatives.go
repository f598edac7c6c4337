// Package alternatives implements Salt's alternatives states (set, install,
// auto, remove) with update-alternatives (Debian) or alternatives (Red Hat),
// reading the current choice from the /etc/alternatives/NAME link as Salt
// does.
package alternatives

import (
	"context"
	"fmt"
	"os"
	"strings"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
	"brine/provision/wire/lowstate"
)

// Module returns the alternatives state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(), Funcs: map[string]state.Func{
		"set": set, "install": install, "auto": auto, "remove": remove,
	}}
}

// command is Salt's _get_cmd: alternatives on Red Hat family hosts,
// update-alternatives elsewhere.
func command(env *state.Env) string {
	if f, _ := env.Grains["os_family"].(string); f == "RedHat" {
		return "alternatives"
	}
	return "update-alternatives"
}

// current is Salt's show_current: the target of /etc/alternatives/NAME,
// "" when there is none.
func current(env *state.Env, name string) string {
	l, err := os.Readlink(state.HostPath(env, "/etc/alternatives/"+name))
	if err != nil {
		return ""
	}
	return l
}

// display runs `update-alternatives --display NAME` (stderr when it failed,
// as Salt's display returns it).
func display(ctx context.Context, env *state.Env, name string) string {
	r := hostcmd.Run(ctx, env, nil, command(env), "--display", name)
	if r.Err != nil {
		return r.Err.Error()
	}
	if r.Retcode > 0 && r.Stderr != "" {
		return r.Stderr
	}
	return r.Stdout
}

// registered is Salt's check_exists: path is one of NAME's alternatives.
func registered(ctx context.Context, env *state.Env, name, path string) bool {
	r := hostcmd.Run(ctx, env, nil, command(env), "--display", name)
	if r.Err != nil || (r.Retcode > 0 && r.Stderr != "") {
		return false
	}
	return hasLine(r.Stdout, path)
}

func hasLine(out, prefix string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

func set(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name, path := c.Name(), state.ArgStr(c, "path")
	if current(env, name) == path {
		return state.OK(fmt.Sprintf("Alternative for %s already set to %s", name, path))
	}
	if !hasLine(display(ctx, env, name), path) {
		return state.Failed(fmt.Sprintf("Alternative %s for %s doesn't exist", path, name))
	}
	if env.Test {
		return state.Pending(fmt.Sprintf("Alternative for %s will be set to path %s", name, path), nil)
	}
	hostcmd.Run(ctx, env, nil, command(env), "--set", name, path)
	if cur := current(env, name); cur == path {
		return state.Changed(fmt.Sprintf("Alternative for %s set to path %s", name, cur), map[string]any{"path": cur})
	}
	return state.OK(fmt.Sprintf("Alternative for %s not updated", name))
}

func install(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name, link, path := c.Name(), state.ArgStr(c, "link"), state.ArgStr(c, "path")
	prio := state.ArgStr(c, "priority")
	if registered(ctx, env, name, path) {
		return state.OK(fmt.Sprintf("Alternative %s for %s is already registered", path, name))
	}
	if env.Test {
		return state.Pending(fmt.Sprintf("Alternative will be set for %s to %s with priority %s", name, path, prio), nil)
	}
	r := hostcmd.Run(ctx, env, nil, command(env), "--install", link, name, path, prio)
	out := r.Stdout
	if r.Retcode > 0 && r.Stderr != "" {
		out = r.Stderr
	}
	if r.Err != nil {
		out = r.Err.Error()
	}
	if !registered(ctx, env, name, path) {
		return state.Failed(fmt.Sprintf("Alternative for %s not installed: %s", name, out))
	}
	ch := map[string]any{"name": name, "link": link, "path": path, "priority": c["priority"]}
	if current(env, name) == path {
		return state.Changed(fmt.Sprintf("Alternative for %s set to path %s with priority %s", name, path, prio), ch)
	}
	return state.Changed(fmt.Sprintf("Alternative %s for %s registered with priority %s and not set to default", path, name, prio), ch)
}

func auto(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	first, _, _ := strings.Cut(display(ctx, env, name), "\n")
	if strings.HasSuffix(first, " auto mode") {
		return state.OK(fmt.Sprintf("%s already in auto mode", name))
	}
	if env.Test {
		return state.Pending(fmt.Sprintf("%s will be put in auto mode", name), nil)
	}
	r := hostcmd.Run(ctx, env, nil, command(env), "--auto", name)
	out := r.Stdout
	if r.Retcode > 0 {
		out = r.Stderr
	}
	return state.Changed("", map[string]any{"result": out})
}

func remove(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name, path := c.Name(), state.ArgStr(c, "path")
	if registered(ctx, env, name, path) {
		if env.Test {
			return state.Pending(fmt.Sprintf("Alternative for %s will be removed", name), nil)
		}
		hostcmd.Run(ctx, env, nil, command(env), "--remove", name, path)
		if cur := current(env, name); cur != "" {
			return state.Changed(fmt.Sprintf("Alternative for %s removed. Falling back to path %s", name, cur), map[string]any{"path": cur})
		}
		return state.OK(fmt.Sprintf("Alternative for %s removed", name))
	}
	if cur := current(env, name); cur != "" {
		return state.OK(fmt.Sprintf("Alternative for %s is set to it's default path %s", name, cur))
	}
	return state.Failed(fmt.Sprintf("Alternative for %s doesn't exist", name))
}
