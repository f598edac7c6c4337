package modules

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"brine/provision/host/state"
	"brine/provision/lib/pyfmt"
	"brine/provision/lib/shlex"
	"brine/provision/wire/spec"
)

// cmdFuncs are cmd.run & co. None of them is pure: a command may change the
// host and its output may change between two calls.
func cmdFuncs() map[string]fn {
	mk := func(_ []string, _ map[string]any, run func(c *call) (any, error)) fn { return fn{run: run} }
	return map[string]fn{
		"cmd.run": mk([]string{"redirect_stderr=", "raise_err="}, map[string]any{"redirect_stderr": true}, func(c *call) (any, error) {
			r, err := c.runCmd(c.truth("redirect_stderr"), false)
			if err != nil {
				return nil, err
			}
			if c.truth("raise_err") && r.retcode != 0 {
				return nil, errors.New(c.hidden(r.stdout))
			}
			return c.hidden(r.stdout), nil
		}),
		"cmd.shell": mk(nil, nil, func(c *call) (any, error) {
			r, err := c.runCmd(true, true)
			if err != nil {
				return nil, err
			}
			return c.hidden(r.stdout), nil
		}),
		"cmd.run_stdout": mk(nil, nil, func(c *call) (any, error) {
			r, err := c.runCmd(false, false)
			if err != nil {
				return nil, err
			}
			return c.hidden(r.stdout), nil
		}),
		"cmd.run_stderr": mk(nil, nil, func(c *call) (any, error) {
			r, err := c.runCmd(false, false)
			if err != nil {
				return nil, err
			}
			return c.hidden(r.stderr), nil
		}),
		"cmd.run_all": mk([]string{"redirect_stderr="}, map[string]any{"redirect_stderr": false}, func(c *call) (any, error) {
			r, err := c.runCmd(c.truth("redirect_stderr"), false)
			if err != nil {
				return nil, err
			}
			return map[string]any{"pid": r.pid, "retcode": r.retcode, "stdout": c.hidden(r.stdout), "stderr": c.hidden(r.stderr)}, nil
		}),
		"cmd.retcode": mk(nil, nil, func(c *call) (any, error) {
			r, err := c.runCmd(true, false)
			if err != nil {
				return nil, err
			}
			return r.retcode, nil
		}),
		"cmd.which":    {run: func(c *call) (any, error) { return c.which(c.str("cmd")), nil }},
		"cmd.has_exec": {run: func(c *call) (any, error) { return c.which(c.str("cmd")) != nil, nil }},
	}
}

// hidden applies hide_output.
func (c *call) hidden(s string) string {
	if c.truth("hide_output") {
		return ""
	}
	return s
}

// cmdResult is what _run returns.
type cmdResult struct {
	pid     int
	retcode int
	stdout  string
	stderr  string
}

// defaultShell is Salt's DEFAULT_SHELL: $SHELL of the process, or /bin/sh.
func defaultShell() string {
	if s := os.Getenv("SHELL"); s != "" {
		return s
	}
	return "/bin/sh"
}

// runCmd is cmdmod._run: python_shell decides between the shell and a
// shlex-split argv (Salt's default for calls from templates is no shell);
// merge sends stderr into stdout, in order.
func (c *call) runCmd(merge, forceShell bool) (cmdResult, error) {
	for _, k := range []string{"bg", "template", "group"} {
		if c.truth(k) {
			return cmdResult{}, fmt.Errorf("%s: the %s argument is not supported by brine", c.fun, k)
		}
	}
	se := c.env.stateEnv()
	shell := c.str("shell")
	if shell == "" {
		shell = defaultShell()
	}
	if fi, err := os.Stat(state.HostPath(se, shell)); err != nil || !fi.Mode().IsRegular() || fi.Mode()&0o111 == 0 {
		return cmdResult{}, fmt.Errorf("The shell %s is not available", shell)
	}
	runas := c.str("runas")
	home := ""
	if runas != "" {
		u, err := state.FindUser(se, runas)
		if err != nil || u == nil {
			return cmdResult{}, fmt.Errorf("User '%s' is not available", runas)
		}
		home = u.Home
	} else {
		home = c.expandUser("~")
	}
	cwd := c.str("cwd")
	if cwd == "" {
		cwd = home
		if cwd == "" || cwd == "~" {
			cwd = "/"
		} else if fi, err := os.Stat(state.HostPath(se, cwd)); err != nil || !fi.IsDir() {
			cwd = "/"
		}
	}
	if fi, err := os.Stat(state.HostPath(se, cwd)); !strings.HasPrefix(cwd, "/") || err != nil || !fi.IsDir() {
		return cmdResult{}, fmt.Errorf("Specified cwd '%s' either not absolute or does not exist", cwd)
	}
	env, err := c.cmdEnv()
	if err != nil {
		return cmdResult{}, err
	}
	umask := ""
	if !c.isNone("umask") {
		u := strings.TrimLeft(c.str("umask"), "0")
		if u == "" {
			return cmdResult{}, errors.New("Zero umask is not allowed.")
		}
		if _, _, err := state.ParseMode(u); err != nil {
			return cmdResult{}, fmt.Errorf("Invalid umask: '%s'", c.str("umask"))
		}
		umask = "0" + u
	}
	success, err := c.successCodes()
	if err != nil {
		return cmdResult{}, err
	}

	cmd := state.Cmd{Cwd: cwd, Env: env, RunAs: runas, Umask: umask}
	if !c.isNone("stdin") {
		cmd.Stdin = []byte(c.str("stdin"))
	}
	var argv []string
	if forceShell || c.truth("python_shell") {
		line := c.str("cmd")
		if l, ok := c.a["cmd"].([]any); ok {
			line = strings.Join(strList(l), " ")
		}
		argv = []string{shell, "-c", line}
	} else {
		if l, ok := c.a["cmd"].([]any); ok {
			argv = strList(l)
		} else {
			argv, err = shlex.Split(c.str("cmd"))
			if err != nil {
				return cmdResult{}, err
			}
		}
		if len(argv) == 0 {
			return cmdResult{}, fmt.Errorf("%s: no command given", c.fun)
		}
		if c.whichPath(argv[0]) == "" {
			return cmdResult{}, fmt.Errorf("Unable to run command '%s' with the context '{'cwd': '%s', 'shell': False}', reason: [Errno 2] No such file or directory: '%s'", pyfmt.Repr(argv), cwd, argv[0])
		}
	}
	if merge {
		// stderr into stdout as the process writes them (subprocess.STDOUT)
		argv = append([]string{"/bin/sh", "-c", `exec "$@" 2>&1`, "sh"}, argv...)
	}
	cmd.Argv = argv

	ctx := c.ctx
	var timeout time.Duration
	if t, ok := spec.ParseInt(c.a["timeout"]); ok && t > 0 {
		timeout = time.Duration(t) * time.Second
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	res := c.env.Exec.Run(ctx, cmd)
	if timeout > 0 && ctx.Err() == context.DeadlineExceeded && c.ctx.Err() == nil {
		// TimedProcTimeoutError: Salt returns the message as stdout, retcode 1
		return cmdResult{pid: res.Pid, retcode: 1, stdout: fmt.Sprintf("%s : Timed out after %d seconds", pyfmt.Repr(argv), int(timeout.Seconds()))}, nil
	}
	if res.Err != nil && res.Retcode == -1 {
		return cmdResult{}, fmt.Errorf("Unable to run command '%s': %v", pyfmt.Repr(argv), res.Err)
	}
	r := cmdResult{pid: res.Pid, retcode: res.Retcode, stdout: res.Stdout, stderr: res.Stderr}
	if c.truth("rstrip") {
		r.stdout = strings.TrimRight(r.stdout, " \t\n\r\v\f")
		r.stderr = strings.TrimRight(r.stderr, " \t\n\r\v\f")
	}
	if success[r.retcode] {
		r.retcode = 0
	}
	for _, s := range strList(c.a["success_stdout"]) {
		if strings.Contains(r.stdout, s) {
			r.retcode = 0
		}
	}
	for _, s := range strList(c.a["success_stderr"]) {
		if strings.Contains(r.stderr, s) {
			r.retcode = 0
		}
	}
	return r, nil
}

// cmdEnv builds the extra environment: env (a dict or a list of one-key
// dicts), Salt's C locale unless reset_system_locale is off, prepend_path.
func (c *call) cmdEnv() (map[string]string, error) {
	env := map[string]string{}
	if v := c.a["env"]; v != nil {
		m := state.ToMap(v)
		if m == nil {
			if _, isStr := v.(string); !isStr {
				return nil, fmt.Errorf("%s: env must be a dictionary", c.fun)
			}
		}
		for k, x := range m {
			if x == nil {
				env[k] = ""
			} else {
				env[k] = pyStr(x)
			}
		}
	}
	if c.a["reset_system_locale"] == true {
		for _, k := range []string{"LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE", "LC_MONETARY", "LC_MESSAGES",
			"LC_PAPER", "LC_NAME", "LC_ADDRESS", "LC_TELEPHONE", "LC_MEASUREMENT", "LC_IDENTIFICATION", "LANGUAGE"} {
			if _, ok := env[k]; !ok {
				env[k] = "C"
			}
		}
	}
	if p := c.str("prepend_path"); p != "" {
		base, ok := env["PATH"]
		if !ok {
			base = os.Getenv("PATH")
		}
		env["PATH"] = p + ":" + base
	}
	return env, nil
}

// successCodes reads success_retcodes (a list or a comma-separated string).
func (c *call) successCodes() (map[int]bool, error) {
	out := map[int]bool{0: true}
	if c.isNone("success_retcodes") {
		return out, nil
	}
	out = map[int]bool{}
	v := c.a["success_retcodes"]
	items := []any{v}
	if l, ok := v.([]any); ok {
		items = l
	} else if s, ok := v.(string); ok {
		items = nil
		for _, p := range strList(s) {
			items = append(items, p)
		}
	}
	for _, it := range items {
		n, ok := spec.ParseInt(it)
		if !ok {
			return nil, errors.New("success_retcodes must be a list of integers")
		}
		out[n] = true
	}
	return out, nil
}

// pathDirs are the directories cmd.which searches: $PATH, then the
// standard ones Salt's salt.utils.path.which adds.
func pathDirs() []string {
	var out []string
	seen := map[string]bool{}
	add := func(d string) {
		if d != "" && !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	for _, d := range strings.Split(os.Getenv("PATH"), ":") {
		add(d)
	}
	for _, d := range []string{"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"} {
		add(d)
	}
	return out
}

// whichPath finds an executable like salt.utils.path.which ("" if none).
func (c *call) whichPath(name string) string {
	se := c.env.stateEnv()
	isExec := func(p string) bool {
		fi, err := os.Stat(state.HostPath(se, p))
		return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
	}
	if name == "" {
		return ""
	}
	if strings.Contains(name, "/") {
		if isExec(name) {
			return name
		}
		return ""
	}
	for _, d := range pathDirs() {
		if p := strings.TrimRight(d, "/") + "/" + name; isExec(p) {
			return p
		}
	}
	return ""
}

// which is cmd.which: the path, or None.
func (c *call) which(name string) any {
	if p := c.whichPath(name); p != "" {
		return p
	}
	return nil
}
