package state

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"brine/provision/lib/pyfmt"
	"brine/provision/wire/lowstate"
)

// CmdOpts builds a Cmd for line with the cmd-like options of the chunk
// (runas, cwd, env, umask, shell), as Salt passes them to unless/onlyif.
func CmdOpts(c lowstate.Chunk, line string) Cmd {
	return Cmd{
		Line:  line,
		Shell: ArgStr(c, "shell"),
		Cwd:   ArgStr(c, "cwd"),
		Env:   ArgStrMap(c, "env"),
		RunAs: ArgStr(c, "runas"),
		Umask: ArgStr(c, "umask"),
	}
}

// runChecks evaluates onlyif, unless and creates. It returns a result when
// the state must be skipped (Salt: result True, "onlyif condition is false",
// "unless condition is true", "<path> exists", "All files in creates exist"),
// or nil when the state runs.
func (r *runner) runChecks(c lowstate.Chunk, env *Env, own map[string]bool) *lowstate.Result {
	if HasArg(c, "onlyif") && !own["onlyif"] {
		if skip := r.onlyif(c, env); skip != nil {
			return skip
		}
	}
	if HasArg(c, "unless") && !own["unless"] {
		if skip := r.unless(c, env); skip != nil {
			return skip
		}
	}
	if HasArg(c, "creates") && !own["creates"] {
		if skip := creates(c, env); skip != nil {
			return skip
		}
	}
	return nil
}

// checkEntries returns the onlyif/unless entries: a string, a list of
// strings, or dicts with "fun".
func checkEntries(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// evalEntry runs one onlyif/unless entry and reports whether it is true
// (exit 0, or a truthy function result). Supported functions: cmd.run,
// cmd.retcode, file.file_exists, file.directory_exists, test.true,
// test.false.
func (r *runner) evalEntry(c lowstate.Chunk, env *Env, e any) (bool, error) {
	switch t := e.(type) {
	case string:
		res := env.Exec.Run(r.ctx, CmdOpts(c, t))
		if res.Err != nil {
			return false, nil
		}
		return res.Retcode == 0, nil
	case bool:
		return t, nil
	case map[string]any:
		fun := Scalar(t["fun"])
		if fun == "" || t["fun"] == nil {
			return false, fmt.Errorf("no `fun` argument")
		}
		args := ToStrings(t["args"])
		first := func(keys ...string) string {
			for _, k := range keys {
				if v, ok := t[k]; ok && v != nil {
					return Scalar(v)
				}
			}
			if len(args) > 0 {
				return args[0]
			}
			return ""
		}
		switch fun {
		case "cmd.run", "cmd.retcode", "cmd.run_all", "cmd.shell":
			line := first("cmd", "name")
			cmd := CmdOpts(c, line)
			if v := Scalar(t["runas"]); t["runas"] != nil {
				cmd.RunAs = v
			}
			if v := Scalar(t["cwd"]); t["cwd"] != nil {
				cmd.Cwd = v
			}
			res := env.Exec.Run(r.ctx, cmd)
			if fun == "cmd.run" || fun == "cmd.shell" {
				return res.Err == nil && res.Retcode == 0 && strings.TrimSpace(res.Stdout) != "", nil
			}
			return res.Err == nil && res.Retcode == 0, nil
		case "file.file_exists":
			fi, err := os.Stat(HostPath(env, first("path")))
			return err == nil && fi.Mode().IsRegular(), nil
		case "file.directory_exists":
			fi, err := os.Stat(HostPath(env, first("path")))
			return err == nil && fi.IsDir(), nil
		case "file.access", "file.exists":
			_, err := os.Stat(HostPath(env, first("path")))
			return err == nil, nil
		case "test.true":
			return true, nil
		case "test.false":
			return false, nil
		}
		return false, fmt.Errorf("function %s is not supported in onlyif/unless (supported: cmd.run, cmd.retcode, file.file_exists, file.directory_exists, test.true)", fun)
	}
	return false, fmt.Errorf("bad type passed")
}

func skipResult(comment string) *lowstate.Result { return OK(comment) }

func (r *runner) onlyif(c lowstate.Chunk, env *Env) *lowstate.Result {
	for _, e := range checkEntries(c["onlyif"]) {
		ok, err := r.evalEntry(c, env, e)
		if err != nil {
			return Failed(fmt.Sprintf("onlyif execution failed: %v", err))
		}
		if !ok {
			return skipResult("onlyif condition is false")
		}
	}
	return nil
}

func (r *runner) unless(c lowstate.Chunk, env *Env) *lowstate.Result {
	// Salt: the state is skipped only when every unless entry is true.
	for _, e := range checkEntries(c["unless"]) {
		ok, err := r.evalEntry(c, env, e)
		if err != nil {
			return Failed(fmt.Sprintf("unless execution failed: %v", err))
		}
		if !ok {
			return nil
		}
	}
	return skipResult("unless condition is true")
}

func creates(c lowstate.Chunk, env *Env) *lowstate.Result {
	v := c["creates"]
	paths := ToStrings(v)
	for _, p := range paths {
		if _, err := os.Stat(HostPath(env, p)); err != nil {
			return nil
		}
	}
	if len(paths) == 0 {
		return nil
	}
	if s, ok := v.(string); ok {
		return skipResult(s + " exists")
	}
	return skipResult("All files in creates exist")
}

// checkCmd runs check_cmd after the state: all commands must exit 0.
func (r *runner) checkCmd(c lowstate.Chunk, env *Env) (bool, string) {
	for _, line := range ArgList(c, "check_cmd") {
		res := env.Exec.Run(r.ctx, Cmd{Line: line, Shell: ArgStr(c, "shell")})
		if res.Err != nil || res.Retcode != 0 {
			return false, "check_cmd determined the state failed"
		}
	}
	return true, "check_cmd determined the state succeeded"
}

// retryOpts is Salt's retry configuration.
type retryOpts struct {
	until    bool
	attempts int
	interval int
	splay    int
}

func parseRetry(v any) retryOpts {
	o := retryOpts{until: true, attempts: 2, interval: 30}
	switch t := v.(type) {
	case bool:
		if !t {
			o.attempts = 0
		}
	case map[string]any:
		c := lowstate.Chunk(t)
		o.until = ArgBool(c, "until", true)
		o.attempts = ArgInt(c, "attempts", 2)
		o.interval = ArgInt(c, "interval", 30)
		o.splay = ArgInt(c, "splay", 0)
	}
	return o
}

// retry re-runs the state while its result differs from retry.until, up to
// retry.attempts, sleeping interval (+ random splay) seconds in between.
func (r *runner) retry(c lowstate.Chunk, env *Env, fn Func, full string, res *lowstate.Result, own map[string]bool) *lowstate.Result {
	o := parseRetry(c["retry"])
	var notes []string
	for attempt := 1; attempt < o.attempts; attempt++ {
		if res.Result != nil && *res.Result == o.until {
			break
		}
		interval := o.interval
		if o.splay > 0 {
			interval += rand.IntN(o.splay + 1)
		}
		t := time.NewTimer(time.Duration(interval) * time.Second)
		select {
		case <-r.ctx.Done():
			t.Stop()
			res.Comment += "\nretry interrupted: " + r.ctx.Err().Error()
			return res
		case <-t.C:
		}
		notes = append(notes, fmt.Sprintf("Attempt %d: Returned a result of \"%s\", with the following comment: \"%s\"",
			attempt, pyfmt.Repr(res.Result), res.Comment))
		res = safeCall(r.ctx, fn, env, c, full)
		if HasArg(c, "check_cmd") && !own["check_cmd"] {
			ok, comment := r.checkCmd(c, env)
			res.Result = lowstate.Bool(ok)
			res.Comment = comment
		}
	}
	if len(notes) > 0 {
		res.Comment = strings.Join(append(notes, res.Comment), "\n")
	}
	return res
}

// retryTestComment is appended to a state's comment in test mode.
func retryTestComment(c lowstate.Chunk) string {
	o := parseRetry(c["retry"])
	return fmt.Sprintf("The state would be retried every %d seconds (with a splay of up to %d seconds) a maximum of %d times or until a result of %s is returned",
		o.interval, o.splay, o.attempts, pyfmt.Repr(lowstate.Bool(o.until)))
}
