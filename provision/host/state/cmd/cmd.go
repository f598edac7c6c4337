// Package cmd implements Salt's cmd state module: run, script, wait and
// their mod_watch. unless/onlyif/creates are evaluated by the engine.
package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"brine/provision/host/state"
	"brine/provision/lib/shquote"
	"brine/provision/wire/lowstate"
)

// Module returns the cmd state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(),
		Funcs: map[string]state.Func{
			"run":         run,
			"script":      script,
			"wait":        wait,
			"wait_script": wait,
		},
		ModWatch: modWatch,
	}
}

// command builds the Cmd for a chunk's cmd-like arguments.
func command(c lowstate.Chunk, line string) state.Cmd {
	cmd := state.CmdOpts(c, line)
	if in := state.ArgStr(c, "stdin"); in != "" {
		cmd.Stdin = []byte(in)
	}
	return cmd
}

// successCodes returns the retcodes counted as success (0 + success_retcodes).
func successCodes(c lowstate.Chunk) map[int]bool {
	ok := map[int]bool{0: true}
	for _, s := range state.ArgList(c, "success_retcodes") {
		var n int
		if _, err := fmt.Sscan(s, &n); err == nil {
			ok[n] = true
		}
	}
	return ok
}

// run is Salt's cmd.run state. In test mode the command is not run: Salt
// predicts {"cmd": NAME}, and a stateful command (whose own output would
// say what changed) predicts nothing, with no comment.
func run(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	if env.Test {
		// a stateful command is run with test_name in test mode, when given
		if tn := testName(c); tn != "" {
			return execute(ctx, env, c, command(c, tn), tn, `"`)
		}
		if isStateful(c) {
			return state.Pending("", nil)
		}
		return state.Pending(fmt.Sprintf(`Command "%s" would have been executed`, name), map[string]any{"cmd": name})
	}
	return execute(ctx, env, c, command(c, name), name, `"`)
}

// isStateful reports stateful: True (or Salt's list form [{test_name: CMD}]).
func isStateful(c lowstate.Chunk) bool {
	if l, ok := c["stateful"].([]any); ok {
		return len(l) > 0
	}
	return state.ArgBool(c, "stateful", false)
}

// testName is the command a stateful state runs in test mode: stateful's
// [{test_name: CMD}] (Salt's form) or a test_name argument.
func testName(c lowstate.Chunk) string {
	if l, ok := c["stateful"].([]any); ok && len(l) > 0 {
		if m, ok := l[0].(map[string]any); ok {
			return state.Scalar(m["test_name"])
		}
	}
	if !isStateful(c) {
		return ""
	}
	return state.ArgStr(c, "test_name")
}

// execute runs cmd and builds Salt's cmd.run return; q is how Salt quotes
// the name in its comment ("..." for cmd.run, '...' for cmd.script).
func execute(ctx context.Context, env *state.Env, c lowstate.Chunk, cmd state.Cmd, name, q string) *lowstate.Result {
	if cmd.Cwd != "" {
		if fi, err := os.Stat(cmd.Cwd); err != nil || !fi.IsDir() {
			return state.Failed(fmt.Sprintf(`Desired working directory "%s" is not available`, cmd.Cwd))
		}
	}
	if t := state.ArgFloat(c, "timeout", 0); t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(t*float64(time.Second)))
		defer cancel()
	}
	res := env.Exec.Run(ctx, cmd)
	if res.Err != nil && res.Retcode == -1 {
		return state.Failed(fmt.Sprintf("Unable to run command %q: %v", name, res.Err))
	}
	if ctx.Err() == context.DeadlineExceeded && state.HasArg(c, "timeout") {
		r := state.Failed(fmt.Sprintf("Command %q timed out after %s seconds", name, state.ArgStr(c, "timeout")))
		if state.ArgBool(c, "ignore_timeout", false) {
			r.Result = lowstate.Bool(true)
		}
		return r
	}
	retcode := res.Retcode
	ok := successCodes(c)[retcode]
	if ok {
		// cmdmod reports a code of success_retcodes as 0
		retcode = 0
	}
	changes := map[string]any{
		"pid":     res.Pid,
		"retcode": retcode,
		"stdout":  strings.TrimRight(res.Stdout, "\r\n"),
		"stderr":  strings.TrimRight(res.Stderr, "\r\n"),
	}
	out := state.Changed("Command "+q+name+q+" run", changes)
	out.Result = lowstate.Bool(ok)
	if res.Err != nil {
		out.Result = lowstate.Bool(false)
		out.Comment += ": " + res.Err.Error()
	}
	if isStateful(c) {
		stateful(out, changes["stdout"].(string))
	}
	return out
}

// stateful reinterprets the last line of stdout as Salt's stateful protocol:
// a JSON object or key=value pairs with "changed" and "comment".
func stateful(out *lowstate.Result, stdout string) {
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	kv := map[string]any{}
	if strings.HasPrefix(last, "{") {
		if err := json.Unmarshal([]byte(last), &kv); err != nil {
			kv = nil
		}
	} else {
		kv = parseKV(last)
	}
	if kv == nil {
		out.Result = lowstate.Bool(false)
		out.Comment = "Failed parsing script output! Stdout must be JSON or a line of name=value pairs."
		return
	}
	if len(lines) > 1 {
		out.Changes["stdout"] = strings.Join(lines[:len(lines)-1], "\n")
	} else {
		out.Changes["stdout"] = ""
	}
	changed := true
	if v, ok := kv["changed"]; ok {
		changed = state.ArgBool(lowstate.Chunk{"v": v}, "v", true)
	}
	if cm, ok := kv["comment"]; ok {
		out.Comment = state.Scalar(cm)
	}
	for k, v := range kv {
		if k != "changed" && k != "comment" {
			out.Changes[k] = v
		}
	}
	if !changed {
		out.Changes = map[string]any{}
	}
}

// parseKV parses `a=1 b='two words'`.
func parseKV(s string) map[string]any {
	out := map[string]any{}
	for len(s) > 0 {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			break
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return nil
		}
		k := s[:eq]
		s = s[eq+1:]
		var v string
		if len(s) > 0 && (s[0] == '\'' || s[0] == '"') {
			q := s[0]
			end := strings.IndexByte(s[1:], q)
			if end < 0 {
				return nil
			}
			v = s[1 : end+1]
			s = s[end+2:]
		} else {
			sp := strings.IndexAny(s, " \t")
			if sp < 0 {
				sp = len(s)
			}
			v = s[:sp]
			s = s[sp:]
		}
		out[k] = v
	}
	return out
}

// script runs a bundled script (source salt://...) with optional args.
func script(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	if env.Test {
		// Salt's cmd.script predicts before it fetches the script.
		if isStateful(c) {
			return state.Pending("", nil)
		}
		return state.Pending(fmt.Sprintf("Command '%s' would have been executed", name), nil)
	}
	hash := c.Str(lowstate.KeyFile)
	if hash == "" {
		return state.Failed(fmt.Sprintf("Source file for %q was not found in the bundle: set source to a salt:// or https:// file", name))
	}
	if env.File == nil {
		return state.Failed("no bundle to read the script from")
	}
	data, err := env.File(hash)
	if err != nil {
		return state.Failed(fmt.Sprintf("Unable to read script %s: %v", name, err))
	}
	dir, err := os.MkdirTemp("", "brine-script-")
	if err != nil {
		return state.Failed(fmt.Sprintf("Unable to create a temp dir for script %s: %v", name, err))
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "script")
	if err := os.WriteFile(p, data, 0o700); err != nil {
		return state.Failed(fmt.Sprintf("Unable to write script %s: %v", name, err))
	}
	if ru := state.ArgStr(c, "runas"); ru != "" {
		if u, err := state.LookupUser(&state.Env{}, ru); err == nil {
			_ = os.Chown(dir, u.UID, u.GID)
			_ = os.Chown(p, u.UID, u.GID)
		}
	}
	line := shquote.Quote(p)
	if sh := state.ArgStr(c, "shell"); sh != "" {
		line = shquote.Quote(sh) + " " + line
	}
	args := state.ArgStr(c, "args")
	if _, rest, ok := strings.Cut(name, " "); ok && args == "" && len(strings.Fields(name)) > 1 {
		// Salt: script arguments may follow the script in name
		args = rest
	}
	if args != "" {
		line += " " + args
	}
	cmd := command(c, line)
	return execute(ctx, env, c, cmd, name, "'")
}

// wait does nothing by itself: the command only runs through mod_watch.
func wait(_ context.Context, _ *state.Env, _ lowstate.Chunk) *lowstate.Result {
	return state.OK("")
}

// modWatch runs the command when a watched state changed.
func modWatch(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	switch c.Str("sfun") {
	case "script", "wait_script":
		return script(ctx, env, c)
	case "run", "wait", "":
		return run(ctx, env, c)
	}
	return state.Failed(fmt.Sprintf("cmd.%s does not work with the watch requisite, please use cmd.wait or cmd.wait_script", c.Str("sfun")))
}
