package git

import (
	"context"
	"fmt"
	"strings"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
	"brine/provision/lib/pyfmt"
	"brine/provision/wire/lowstate"
)

// gitConfig runs `git config [--global|--local] ARGS` in repo as user.
func gitConfig(ctx context.Context, env *state.Env, c lowstate.Chunk, global bool, args ...string) state.CmdResult {
	argv := []string{"git", "config"}
	cwd := ""
	if global {
		argv = append(argv, "--global")
	} else {
		argv = append(argv, "--local")
		cwd = state.HostPath(env, state.ArgStr(c, "repo"))
	}
	return env.Exec.Run(ctx, state.Cmd{Argv: append(argv, args...), Cwd: cwd, RunAs: state.ArgStr(c, "user"),
		Env: map[string]string{"GIT_TERMINAL_PROMPT": "0"}})
}

// configGet is Salt's git.config_get with all=True: the key's values, nil
// when it is not set (git exits 1).
func configGet(ctx context.Context, env *state.Env, c lowstate.Chunk, global bool, key string) ([]string, error) {
	r := gitConfig(ctx, env, c, global, "--get-all", key)
	if r.Err == nil && r.Retcode == 1 {
		return nil, nil
	}
	if err := hostcmd.Check(r, "git", "config", "--get-all", key); err != nil {
		return nil, err
	}
	vals := strings.Split(strings.TrimRight(r.Stdout, "\n"), "\n")
	if r.Stdout == "" {
		vals = []string{}
	}
	return vals, nil
}

func anyList(l []string) any {
	if l == nil {
		return nil
	}
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

func sameList(a, b []string) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// configSet is Salt's git.config_set state.
func configSet(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	if state.HasArg(c, "value") && state.HasArg(c, "multivar") {
		return state.Failed("Only one of 'value' and 'multivar' is permitted")
	}
	global := state.ArgBool(c, "global", false)
	if !global && state.ArgStr(c, "repo") == "" {
		return state.Failed("Non-global config options require the 'repo' argument to be set")
	}
	var desired []string
	var valueComment string
	if state.HasArg(c, "value") {
		v := state.ArgStr(c, "value")
		if b, ok := c["value"].(bool); ok {
			v = pyfmt.Str(b)
		}
		desired, valueComment = []string{v}, "'"+v+"'"
	}
	if state.HasArg(c, "multivar") {
		if l, ok := c["multivar"].([]any); ok {
			desired = state.ToStrings(l)
		} else {
			desired = strings.Split(state.ArgStr(c, "multivar"), ",")
		}
		q := make([]string, len(desired))
		for i, d := range desired {
			q[i] = "'" + d + "'"
		}
		valueComment = "[" + strings.Join(q, ", ") + "]"
	}
	prefix := ""
	if global {
		prefix = "Global key "
	}
	pre, err := configGet(ctx, env, c, global, name)
	if err != nil {
		return state.Failed(err.Error())
	}
	if sameList(desired, pre) {
		return state.OK(fmt.Sprintf("%s'%s' is already set to %s", prefix, name, valueComment))
	}
	verb := "set to"
	if pre == nil {
		verb = "added as"
	}
	if env.Test {
		return state.Pending(fmt.Sprintf("%s'%s' would be %s %s", prefix, name, verb, valueComment),
			map[string]any{"old": anyList(pre), "new": anyList(desired)})
	}
	lower := strings.ToLower(prefix)
	for i, d := range desired {
		op := "--replace-all"
		if i > 0 {
			op = "--add"
		}
		r := gitConfig(ctx, env, c, global, op, name, d)
		if err := hostcmd.Check(r, "git", "config", op, name, d); err != nil {
			return state.Failed(fmt.Sprintf("Failed to set %s'%s' to %s: %v", lower, name, valueComment, err))
		}
	}
	post, err := configGet(ctx, env, c, global, name)
	if err != nil {
		return state.Failed(fmt.Sprintf("Failed to set %s'%s' to %s: %v", lower, name, valueComment, err))
	}
	ch := map[string]any{}
	if !sameList(pre, post) {
		ch[name] = map[string]any{"old": anyList(pre), "new": anyList(post)}
	}
	if !sameList(post, desired) {
		res := state.Failed(fmt.Sprintf("Failed to set %s'%s' to %s", lower, name, valueComment))
		res.Changes = ch
		return res
	}
	return state.Changed(fmt.Sprintf("%s'%s' was %s %s", prefix, name, verb, valueComment), ch)
}
