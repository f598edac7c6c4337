// Package sysctl implements Salt's sysctl.present: the value is persisted in
// a sysctl.d file and applied to the running kernel with sysctl -w.
package sysctl

import (
	"context"
	"fmt"
	"os"
	"path"
	"strings"

	"brine/provision/host/state"
	"brine/provision/wire/lowstate"
)

// DefaultConfig is where values are persisted unless config is set.
const DefaultConfig = "/etc/sysctl.d/99-salt.conf"

// Module returns the sysctl state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(), Funcs: map[string]state.Func{"present": present}}
}

// norm compares values the way the kernel prints them (whitespace-insensitive).
func norm(v string) string { return strings.Join(strings.Fields(v), " ") }

// running reads /proc/sys/<name>; ok is false when the key does not exist.
func running(env *state.Env, name string) (string, bool) {
	b, err := os.ReadFile(state.HostPath(env, "/proc/sys/"+strings.ReplaceAll(name, ".", "/")))
	if err != nil {
		return "", false
	}
	return norm(string(b)), true
}

// persist returns the new config content with name = value, and whether it
// differs from the current one.
func persist(cur, name, value string) (string, bool) {
	lines := strings.Split(strings.TrimSuffix(cur, "\n"), "\n")
	if cur == "" {
		lines = nil
	}
	found, changed := false, false
	var out []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if k, v, ok := strings.Cut(t, "="); ok && !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, ";") && strings.TrimSpace(k) == name {
			if found {
				changed = true // drop duplicates
				continue
			}
			found = true
			if norm(v) != norm(value) {
				l, changed = name+" = "+value, true
			}
		}
		out = append(out, l)
	}
	if !found {
		out, changed = append(out, name+" = "+value), true
	}
	return strings.Join(out, "\n") + "\n", changed
}

func present(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	value := c.Str("value")
	if name == "" || !state.HasArg(c, "value") {
		return state.Failed("sysctl.present needs a name and a value")
	}
	config := c.Str("config")
	if config == "" {
		config = DefaultConfig
	}
	cur, err := os.ReadFile(state.HostPath(env, config))
	if err != nil && !os.IsNotExist(err) {
		return state.Failedf("Failed to read %s: %v", config, err)
	}
	if env.Test {
		return predict(env, name, value, config, string(cur), err)
	}
	newConf, confTodo := persist(string(cur), name, value)
	live, known := running(env, name)
	// the running kernel is only touched on a real root (never under a
	// test root, where /proc/sys is not the host's)
	applyTodo := env.Root == "" && known && live != norm(value)
	if env.Root == "" && !known {
		return state.Failedf("Sysctl option %s is not known to the running kernel (no /proc/sys/%s)", name, strings.ReplaceAll(name, ".", "/"))
	}
	if !confTodo && !applyTodo {
		return state.OK(fmt.Sprintf("Sysctl value %s = %s is already set", name, value))
	}
	ch := map[string]any{name: value}
	if confTodo {
		if err := os.MkdirAll(path.Dir(state.HostPath(env, config)), 0o755); err != nil {
			return state.Failedf("Failed to create the directory of %s: %v", config, err)
		}
		if err := state.WriteFile(env, config, []byte(newConf), 0, -1, -1); err != nil {
			return state.Failedf("Failed to persist sysctl %s: %v", name, err)
		}
	}
	if applyTodo {
		// linux_sysctl.assign: the config is written first, a failure
		// reports no changes, in Salt's words
		res := env.Exec.Run(ctx, state.Cmd{Argv: []string{"sysctl", "-w", name + "=" + value}})
		out := strings.TrimSpace(res.Stdout)
		if res.Err != nil || !strings.HasPrefix(out, name+" = ") || strings.Contains(res.Stderr, "Invalid argument") {
			msg := out
			if res.Retcode != 0 && strings.TrimSpace(res.Stderr) != "" {
				msg = strings.TrimSpace(res.Stderr)
			}
			if res.Err != nil && res.Retcode == -1 {
				msg = res.Err.Error()
			}
			return state.Failedf("Failed to set %s to %s: sysctl -w failed: %s", name, value, msg)
		}
	}
	return state.Changed(fmt.Sprintf("Updated sysctl value %s = %s", name, value), ch)
}

// predict is sysctl.present's test branch in salt/states/sysctl.py: it
// compares the running value (sysctl -n) with the config file's and says
// what would happen, with no changes.
func predict(env *state.Env, name, value, config, cur string, readErr error) *lowstate.Result {
	if readErr != nil && !os.IsNotExist(readErr) {
		return state.Pending(fmt.Sprintf("Sysctl option %s might be changed, we failed to check config file at %s. The file is either unreadable, or missing.", name, config), nil)
	}
	inConf := false
	for _, l := range strings.Split(cur, "\n") {
		t := strings.TrimSpace(l)
		if k, _, ok := strings.Cut(t, "="); ok && !strings.HasPrefix(t, "#") && strings.TrimSpace(k) == name {
			inConf = true
		}
	}
	current, _ := running(env, name)
	switch {
	case current != "" && inConf && norm(value) == current:
		return state.OK(fmt.Sprintf("Sysctl value %s = %s is already set", name, value))
	case current != "" && !inConf && norm(value) != current:
		return state.Pending(fmt.Sprintf("Sysctl option %s set to be changed to %s", name, value), nil)
	case current != "" && !inConf:
		return state.Pending(fmt.Sprintf("Sysctl value is currently set on the running system but not in a config file. Sysctl option %s set to be changed to %s in config file.", name, value), nil)
	case current == "" && inConf:
		return state.Pending(fmt.Sprintf("Sysctl value %[1]s is present in configuration file but is not present in the running config. The value %[1]s is set to be changed to %[2]s", name, value), nil)
	}
	return state.Pending(fmt.Sprintf("Sysctl option %s would be changed to %s", name, value), nil)
}
