// Package timezone implements Salt's timezone.system: /etc/timezone and the
// /etc/localtime symlink into /usr/share/zoneinfo (and the UTC/LOCAL line
// of /etc/adjtime when that file exists).
package timezone

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"brine/provision/lowstate"
	"brine/provision/state"
)

// Module returns the timezone state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(), Funcs: map[string]state.Func{"system": system}}
}

// Symlink atomically points link (a target path) at dest: a temp symlink in
// the same directory renamed over link.
func Symlink(env *state.Env, dest, link string) error {
	hp := state.HostPath(env, link)
	tmp := filepath.Join(filepath.Dir(hp), "."+filepath.Base(hp)+".brine-tmp")
	os.Remove(tmp)
	if err := os.Symlink(dest, tmp); err != nil {
		return fmt.Errorf("symlink %s: %w", link, err)
	}
	if err := os.Rename(tmp, hp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("rename symlink into %s: %w", link, err)
	}
	return nil
}

// adjtime returns the new /etc/adjtime content with the clock mode line set,
// and whether it changed; ok is false when the file does not exist.
func adjtime(env *state.Env, utc bool) (string, bool, bool) {
	b, err := os.ReadFile(state.HostPath(env, "/etc/adjtime"))
	if err != nil {
		return "", false, false
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for len(lines) < 3 {
		lines = append(lines, "0")
	}
	want := "LOCAL"
	if utc {
		want = "UTC"
	}
	if strings.TrimSpace(lines[2]) == want {
		return "", false, true
	}
	lines[2] = want
	return strings.Join(lines, "\n") + "\n", true, true
}

func system(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	tz := c.Name()
	if tz == "" || strings.Contains(tz, "..") || strings.HasPrefix(tz, "/") {
		return state.Failedf("Invalid timezone name %q", tz)
	}
	zone := "/usr/share/zoneinfo/" + tz
	if fi, err := os.Stat(state.HostPath(env, zone)); err != nil || fi.IsDir() {
		return state.Failedf("Timezone %s is not valid: %s does not exist (is tzdata installed?)", tz, zone)
	}
	cur, _ := os.ReadFile(state.HostPath(env, "/etc/timezone"))
	link, _ := os.Readlink(state.HostPath(env, "/etc/localtime"))
	tzTodo := strings.TrimSpace(string(cur)) != tz || link != zone
	ch := map[string]any{}
	if tzTodo {
		ch["timezone"] = tz
	}
	var adj string
	adjTodo := false
	if state.HasArg(c, "utc") {
		adj, adjTodo, _ = adjtime(env, state.ArgBool(c, "utc", true))
		if adjTodo {
			ch["utc"] = state.ArgBool(c, "utc", true)
		}
	}
	if len(ch) == 0 {
		return state.OK(fmt.Sprintf("Timezone %s already set", tz))
	}
	if env.Test {
		return state.Pending(fmt.Sprintf("Timezone %s needs to be set", tz), ch)
	}
	if tzTodo {
		if err := state.WriteFile(env, "/etc/timezone", []byte(tz+"\n"), 0, -1, -1); err != nil {
			return state.Failedf("Failed to set timezone %s: %v", tz, err)
		}
		if err := Symlink(env, zone, "/etc/localtime"); err != nil {
			return state.Failedf("Failed to set timezone %s: %v", tz, err)
		}
	}
	if adjTodo {
		if err := state.WriteFile(env, "/etc/adjtime", []byte(adj), 0, -1, -1); err != nil {
			return state.Failedf("Failed to set the hardware clock mode: %v", err)
		}
	}
	return state.Changed(fmt.Sprintf("Set timezone %s", tz), ch)
}
