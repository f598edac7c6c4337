package modules

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"brine/provision/host/state"
	"brine/provision/lib/pyfmt"
	"brine/provision/lib/shlex"
	"brine/provision/wire/spec"
)

// cmdFuncs are cmd.run & co (salt/modules/cmdmod.py). None of them is
// pure: a command may change the host and its output may change between
// two calls. Each sets the host's return code to the command's, as Salt's
// _run does, unless ignore_retcode.
func cmdFuncs() map[string]fn {
	return map[string]fn{
		"cmd.run": {run: func(c *call) (any, error) {
			r, err := c.runCmd(c.truth("redirect_stderr"), false)
			if err != nil {
				return nil, err
			}
			if c.truth("raise_err") && r.retcode != 0 && !c.truth("ignore_retcode") && c.str("output_loglevel") != "quiet" {
				return nil, errors.New(c.hidden(r.stdout))
			}
			return c.hidden(r.stdout), nil
		}},
		"cmd.shell": {run: func(c *call) (any, error) {
			shell := true
			if v, ok := c.kw["python_shell"]; ok {
				shell = truthy(v)
			}
			r, err := c.runCmdShell(true, &shell)
			if err != nil {
				return nil, err
			}
			return c.hidden(r.stdout), nil
		}},
		"cmd.run_stdout": {run: func(c *call) (any, error) {
			r, err := c.runCmd(false, false)
			if err != nil {
				return nil, err
			}
			return c.hidden(r.stdout), nil
		}},
		"cmd.run_stderr": {run: func(c *call) (any, error) {
			r, err := c.runCmd(false, false)
			if err != nil {
				return nil, err
			}
			return c.hidden(r.stderr), nil
		}},
		"cmd.run_all": {run: func(c *call) (any, error) {
			r, err := c.runCmd(c.truth("redirect_stderr"), false)
			if err != nil {
				return nil, err
			}
			return r.all(c.truth("hide_output")), nil
		}},
		"cmd.retcode": {run: func(c *call) (any, error) {
			r, err := c.runCmd(true, false)
			if err != nil {
				return nil, err
			}
			return r.retcode, nil
		}},
		"cmd.script":         {run: func(c *call) (any, error) { return c.script(false) }},
		"cmd.script_retcode": {run: func(c *call) (any, error) { return c.script(true) }},
		"cmd.exec_code": {run: func(c *call) (any, error) {
			r, err := c.execCode()
			if err != nil {
				return nil, err
			}
			return r.stdout, nil
		}},
		"cmd.exec_code_all": {run: func(c *call) (any, error) {
			r, err := c.execCode()
			if err != nil {
				return nil, err
			}
			return r.all(false), nil
		}},
		"cmd.which":    {run: func(c *call) (any, error) { return c.which(c.str("cmd")), nil }},
		"cmd.has_exec": {run: func(c *call) (any, error) { return c.which(c.str("cmd")) != nil, nil }},
		"cmd.which_bin": {run: func(c *call) (any, error) {
			for _, name := range strList(c.a["cmds"]) {
				if p := c.whichPath(name); p != "" {
					return p, nil
				}
			}
			return nil, nil
		}},
		"cmd.shells": {run: func(c *call) (any, error) {
			out := []any{}
			b, ok := c.readText("/etc/shells")
			if !ok {
				return out, nil
			}
			for _, l := range strings.Split(string(b), "\n") {
				if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
					out = append(out, l)
				}
			}
			return out, nil
		}},
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

// all is cmd.run_all's return.
func (r cmdResult) all(hide bool) map[string]any {
	out, errs := r.stdout, r.stderr
	if hide {
		out, errs = "", ""
	}
	return map[string]any{"pid": r.pid, "retcode": r.retcode, "stdout": out, "stderr": errs}
}

// defaultShell is Salt's DEFAULT_SHELL: $SHELL of the process (the login
// shell sshd and sudo set: /bin/bash for root on Debian), else the login
// shell of the user the executor runs as, else /bin/sh.
func (c *call) defaultShell() string {
	if s := os.Getenv("SHELL"); s != "" {
		return s
	}
	if u, err := state.LookupUser(c.env.stateEnv(), strconv.Itoa(os.Geteuid())); err == nil && u.Shell != "" {
		return u.Shell
	}
	return "/bin/sh"
}

// pythonShell is cmdmod's _python_shell_default: python_shell as given,
// or True when the call came from the command line (it carries Salt's
// __pub_jid); templates run no shell unless they ask for one.
func (c *call) pythonShell() bool {
	if v := c.a["python_shell"]; v != nil {
		return truthy(v)
	}
	jid, ok := c.kw["__pub_jid"]
	return ok && truthy(jid)
}

// runCmd is cmdmod._run with the python_shell the function gives
// (forceShell for cmd.shell); merge sends stderr into stdout, in order.
func (c *call) runCmd(merge, forceShell bool) (cmdResult, error) {
	shell := forceShell || c.pythonShell()
	return c.runCmdShell(merge, &shell)
}

// runCmdShell is cmdmod._run: pythonShell decides between the shell and a
// shlex-split argv. It sets the host's return code (Salt's
// __context__["retcode"]) to the command's unless ignore_retcode.
func (c *call) runCmdShell(merge bool, pythonShell *bool) (cmdResult, error) {
	for _, k := range []string{"bg", "template", "group"} {
		if c.truth(k) {
			return cmdResult{}, fmt.Errorf("%s: the %s argument is not supported by brine", c.fun, k)
		}
	}
	se := c.env.stateEnv()
	shell := c.str("shell")
	if shell == "" {
		shell = c.defaultShell()
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
	// shown is the command as Salt's TimedProc names it in a timeout.
	var shown string
	if *pythonShell {
		line := c.str("cmd")
		if l, ok := c.a["cmd"].([]any); ok {
			line = strings.Join(strList(l), " ")
		}
		argv = []string{shell, "-c", line}
		shown = line
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
		shown = pyfmt.Repr(argv)
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
	var r cmdResult
	switch {
	case timeout > 0 && ctx.Err() == context.DeadlineExceeded && c.ctx.Err() == nil:
		// TimedProcTimeoutError: Salt returns the message as stdout,
		// retcode 1, before it sets the host's return code (which stays)
		return cmdResult{pid: res.Pid, retcode: 1, stdout: fmt.Sprintf("%s : Timed out after %s seconds", shown, pyStr(c.a["timeout"]))}, nil
	case res.Err != nil && res.Retcode == -1:
		return cmdResult{}, fmt.Errorf("Unable to run command '%s': %v", pyfmt.Repr(argv), res.Err)
	default:
		r = cmdResult{pid: res.Pid, retcode: res.Retcode, stdout: res.Stdout, stderr: res.Stderr}
		if c.isNone("rstrip") || c.truth("rstrip") {
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
	}
	if c.truth("ignore_retcode") {
		c.retcode = 0
	} else {
		c.retcode = r.retcode
	}
	return r, nil
}

// script is the salt-ssh wrapper's cmd.script: the source (a salt://
// file the controller sent, rendered there when template is set) copied
// to a private temp file on the host, made 0500 and owned by runas, run
// with args through cmd.run_all, then removed. retcodeOnly is
// cmd.script_retcode.
func (c *call) script(retcodeOnly bool) (any, error) {
	src := c.str("source")
	data, ok, err := c.source(src, c.str("saltenv"))
	if err != nil {
		return nil, err
	}
	if !ok {
		// salt-ssh's wrapper answers this itself, on the master: the
		// host's return code is untouched
		r := map[string]any{"pid": 0, "retcode": 1, "stdout": "", "stderr": "", "cache_error": true}
		if retcodeOnly {
			return 1, nil
		}
		return r, nil
	}
	se := c.env.stateEnv()
	dir := state.HostPath(se, os.TempDir())
	if cwd := c.str("cwd"); cwd != "" {
		dir = state.HostPath(se, cwd)
	}
	ext := path.Ext(strings.SplitN(strings.TrimPrefix(src, "salt://"), "?", 2)[0])
	f, err := os.CreateTemp(dir, "__salt.tmp.*"+ext)
	if err != nil {
		return nil, err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o500)
	}
	if err != nil {
		return nil, err
	}
	if runas := c.str("runas"); runas != "" {
		u, err := state.FindUser(se, runas)
		if err != nil || u == nil {
			return nil, fmt.Errorf("User '%s' is not available", runas)
		}
		if err := os.Chown(tmp, u.UID, -1); err != nil {
			return nil, err
		}
	}
	line := shquoteArg(c.unroot(tmp))
	if args := c.a["args"]; truthy(args) {
		line += " " + pyStr(args)
	}
	c.a["cmd"] = line
	if c.isNone("shell") {
		shell, _ := c.env.Grains["shell"].(string)
		if shell == "" {
			shell = "/bin/sh"
		}
		c.a["shell"] = shell
	}
	c.a["template"], c.a["rstrip"], c.a["redirect_stderr"] = nil, true, false
	r, err := c.runCmd(false, false)
	if err != nil {
		return nil, err
	}
	if retcodeOnly && r.retcode == 0 {
		return 0, nil
	}
	// salt-ssh's wrapper runs cmd.run_all on the host: a non-zero exit
	// raises there and the answer is run_all's, for script_retcode too
	return r.all(c.truth("hide_output")), nil
}

// shquoteArg is Python's shlex.quote.
func shquoteArg(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./-_", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// execCode is cmd.exec_code_all: code written to a temp file run with the
// interpreter lang (and args), no shell; the file is removed after.
func (c *call) execCode() (cmdResult, error) {
	se := c.env.stateEnv()
	f, err := os.CreateTemp(state.HostPath(se, os.TempDir()), "tmp")
	if err != nil {
		return cmdResult{}, err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.WriteString(c.str("code"))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return cmdResult{}, err
	}
	if runas := pyStr(c.kw["runas"]); runas != "" {
		if u, err := state.FindUser(se, runas); err == nil && u != nil {
			_ = os.Chown(tmp, u.UID, -1)
		}
	}
	cmd := []any{c.str("lang"), c.unroot(tmp)}
	switch a := c.a["args"].(type) {
	case string:
		cmd = append(cmd, a)
	case []any:
		cmd = append(cmd, a...)
	}
	// run_all's parameters, from **kwargs
	for k, v := range c.kw {
		c.a[k] = v
	}
	c.a["cmd"] = cmd
	shell := false
	return c.runCmdShell(false, &shell)
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
