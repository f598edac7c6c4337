// Package hostcmd holds the small command helpers the system state modules
// share: running an argv through env.Exec, finding binaries under env.Root,
// and a recording fake Executor for unit tests.
package hostcmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"

	"brine/provision/host/state"
	"brine/provision/lib/shquote"
)

// binDirs are searched, under env.Root, by Has and Which.
func binDirs() []string {
	return []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}
}

// Run runs argv through env.Exec with extra environment variables (may be nil).
func Run(ctx context.Context, env *state.Env, extra map[string]string, argv ...string) state.CmdResult {
	if env == nil || env.Exec == nil {
		return state.CmdResult{Retcode: -1, Err: fmt.Errorf("no command executor configured")}
	}
	return env.Exec.Run(ctx, state.Cmd{Argv: argv, Env: extra})
}

// Output runs argv and returns its stdout, or an error naming the command,
// its exit code and stderr when it could not start or exited non-zero.
func Output(ctx context.Context, env *state.Env, extra map[string]string, argv ...string) (string, error) {
	r := Run(ctx, env, extra, argv...)
	if err := Check(r, argv...); err != nil {
		return r.Stdout, err
	}
	return r.Stdout, nil
}

// Check turns a failed CmdResult into an error naming the command. A
// command that exited 0 but left its output pipes open in a background
// child (a daemon started by an init script) counts as a success.
func Check(r state.CmdResult, argv ...string) error {
	if r.Err != nil && errors.Is(r.Err, exec.ErrWaitDelay) {
		return nil
	}
	if r.Err != nil {
		return fmt.Errorf("%s: %w", Line(state.Cmd{Argv: argv}), r.Err)
	}
	if r.Retcode != 0 {
		msg := strings.TrimSpace(r.Stderr)
		if msg == "" {
			msg = strings.TrimSpace(r.Stdout)
		}
		if len(msg) > 2000 {
			msg = msg[len(msg)-2000:]
		}
		return &ExitError{Cmd: Line(state.Cmd{Argv: argv}), Code: r.Retcode, Msg: msg}
	}
	return nil
}

// ExitError is a command that exited non-zero: the command line, its exit
// code and what it said (stderr, else stdout; the last 2000 bytes).
type ExitError struct {
	Cmd  string
	Code int
	Msg  string
}

func (e *ExitError) Error() string { return fmt.Sprintf("%s exited %d: %s", e.Cmd, e.Code, e.Msg) }

// Which returns the first path (on the target, without Root) of an
// executable named name in the usual bin directories, or "".
func Which(env *state.Env, name string) string {
	for _, d := range binDirs() {
		p := d + "/" + name
		if fi, err := os.Stat(state.HostPath(env, p)); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// Has reports whether an executable named name exists on the target.
func Has(env *state.Env, name string) bool { return Which(env, name) != "" }

// Line renders a command the way the fake records it: sorted VAR=value
// environment first, then the argv with shell-style quoting where needed
// (or the shell Line as is).
func Line(c state.Cmd) string {
	var parts []string
	keys := make([]string, 0, len(c.Env))
	for k := range c.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, k+"="+shquote.Arg(c.Env[k]))
	}
	if len(c.Argv) > 0 {
		for _, a := range c.Argv {
			parts = append(parts, shquote.Arg(a))
		}
	} else {
		parts = append(parts, c.Line)
	}
	return strings.Join(parts, " ")
}

// Fake is a recording Executor for tests: it records every command (as Line
// renders it) and answers from Handler, or from the first Responses entry
// whose prefix matches, or with exit 0 and no output.
type Fake struct {
	mu sync.Mutex
	// Cmds are the commands run, in order.
	Cmds []state.Cmd
	// Handler, when set, answers every command (ok=false falls through to
	// Responses).
	Handler func(c state.Cmd, line string) (r state.CmdResult, ok bool)
	// Responses are canned answers by command-line prefix.
	Responses []Response
}

// Response is one canned answer of Fake.
type Response struct {
	Prefix string
	Result state.CmdResult
}

// On adds a canned answer for command lines starting with prefix.
func (f *Fake) On(prefix string, stdout string, retcode int) *Fake {
	f.Responses = append(f.Responses, Response{Prefix: prefix, Result: state.CmdResult{Stdout: stdout, Retcode: retcode}})
	return f
}

// Run implements state.Executor.
func (f *Fake) Run(_ context.Context, c state.Cmd) state.CmdResult {
	f.mu.Lock()
	f.Cmds = append(f.Cmds, c)
	h := f.Handler
	resp := append([]Response(nil), f.Responses...)
	f.mu.Unlock()
	line := Line(c)
	if h != nil {
		if r, ok := h(c, line); ok {
			return r
		}
	}
	for _, r := range resp {
		if strings.HasPrefix(line, r.Prefix) {
			return r.Result
		}
	}
	return state.CmdResult{}
}

// Lines returns the recorded command lines.
func (f *Fake) Lines() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, len(f.Cmds))
	for i, c := range f.Cmds {
		out[i] = Line(c)
	}
	return out
}

// Reset forgets the recorded commands.
func (f *Fake) Reset() {
	f.mu.Lock()
	f.Cmds = nil
	f.mu.Unlock()
}
