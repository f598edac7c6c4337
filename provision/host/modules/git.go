package modules

import (
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"

	"brine/provision/lib/shlex"
	"brine/provision/wire/funcs"
)

// gitFuncs are salt/modules/git.py's functions, running the host's git as
// Salt runs it (cmd.run_all without a shell, runas=user). The module is
// not available on a host without git, as Salt's is not.
func gitFuncs() map[string]fn {
	g := func(run func(c *call) (any, error)) fn {
		return fn{run: func(c *call) (any, error) {
			if c.whichPath("git") == "" {
				return nil, virtualFalse("git", "The git execution module cannot be loaded: git unavailable.")
			}
			return run(c)
		}}
	}
	stdout := func(build func(c *call) ([]string, error), redirect bool) fn {
		return g(func(c *call) (any, error) {
			cmd, err := build(c)
			if err != nil {
				return nil, err
			}
			r, err := c.gitRun(cmd, c.gitCwd(), true, redirect)
			if err != nil {
				return nil, err
			}
			return r["stdout"], nil
		})
	}
	return map[string]fn{
		"git.clone": g(gitClone),
		"git.pull": stdout(func(c *call) ([]string, error) {
			return c.gitCmd("pull", c.a["opts"])
		}, false),
		"git.fetch": g(gitFetch),
		"git.checkout": stdout(func(c *call) ([]string, error) {
			cmd, err := c.gitCmd("checkout", nil)
			if err != nil {
				return nil, err
			}
			if c.truth("force") {
				cmd = append(cmd, "--force")
			}
			opts := formatOpts(c.a["opts"])
			cmd = append(cmd, opts...)
			if c.isNone("rev") {
				if !slicesHas(opts, "-b") && !slicesHas(opts, "-B") {
					return nil, funcs.Raise("SaltInvocationError", "'rev' argument is required unless -b or -B in opts")
				}
			} else {
				cmd = append(cmd, c.str("rev"))
			}
			return cmd, nil
		}, true),
		"git.revision": stdout(func(c *call) ([]string, error) {
			cmd := []string{"git", "rev-parse"}
			if c.truth("short") {
				cmd = append(cmd, "--short")
			}
			return append(cmd, c.str("rev")), nil
		}, false),
		"git.current_branch": stdout(func(c *call) ([]string, error) {
			return []string{"git", "rev-parse", "--abbrev-ref", "HEAD"}, nil
		}, false),
		"git.rev_parse": stdout(func(c *call) ([]string, error) {
			cmd, err := c.gitCmd("rev-parse", c.a["opts"])
			if err != nil {
				return nil, err
			}
			if !c.isNone("rev") {
				cmd = append(cmd, c.str("rev"))
			}
			return cmd, nil
		}, false),
		"git.init": g(func(c *call) (any, error) {
			cmd, err := c.gitCmd("init", nil)
			if err != nil {
				return nil, err
			}
			if c.truth("bare") {
				cmd = append(cmd, "--bare")
			}
			if !c.isNone("template") {
				cmd = append(cmd, "--template="+c.str("template"))
			}
			if !c.isNone("separate_git_dir") {
				cmd = append(cmd, "--separate-git-dir="+c.str("separate_git_dir"))
			}
			if v := c.a["shared"]; v != nil {
				s := strings.ToLower(pyStr(v))
				if n, ok := v.(int); ok {
					s = "0" + strconv.Itoa(n)
				}
				cmd = append(cmd, "--shared="+s)
			}
			cmd = append(append(cmd, formatOpts(c.a["opts"])...), c.gitCwd())
			r, err := c.gitRun(cmd, "", true, false)
			if err != nil {
				return nil, err
			}
			return r["stdout"], nil
		}),
		"git.status": g(func(c *call) (any, error) {
			r, err := c.gitRun([]string{"git", "status", "-z", "--porcelain"}, c.gitCwd(), true, false)
			if err != nil {
				return nil, err
			}
			names := map[string]string{"M": "modified", "A": "new", "D": "deleted", "??": "untracked"}
			ret := map[string]any{}
			for _, line := range strings.Split(pyStr(r["stdout"]), "\x00") {
				f := strings.Fields(line)
				if len(f) < 2 {
					continue
				}
				st := f[0]
				if n, ok := names[st]; ok {
					st = n
				}
				l, _ := ret[st].([]any)
				ret[st] = append(l, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), f[0])))
			}
			return ret, nil
		}),
		"git.remotes": g(func(c *call) (any, error) { return c.gitRemotes() }),
		"git.remote_get": g(func(c *call) (any, error) {
			all, err := c.gitRemotes()
			if err != nil {
				return nil, err
			}
			r, ok := all[c.str("remote")]
			if !ok {
				return nil, funcs.Raise("CommandExecutionError", "Remote '%s' not present in git checkout located at %s", c.str("remote"), c.gitCwd())
			}
			return r, nil
		}),
		"git.list_branches": g(func(c *call) (any, error) {
			ref := "refs/heads/"
			if c.truth("remote") {
				ref = "refs/remotes/"
			}
			return c.gitLines([]string{"git", "for-each-ref", "--format", "%(refname:short)", ref})
		}),
		"git.list_tags": g(func(c *call) (any, error) {
			return c.gitLines([]string{"git", "for-each-ref", "--format", "%(refname:short)", "refs/tags/"})
		}),
		"git.version": g(func(c *call) (any, error) {
			v := c.gitVersion()
			if !c.truth("versioninfo") {
				return v, nil
			}
			out := []any{}
			for _, p := range strings.Split(v, ".") {
				if n, err := strconv.Atoi(p); err == nil {
					out = append(out, n)
				} else {
					out = append(out, p)
				}
			}
			return out, nil
		}),
		"git.config_get":        g(func(c *call) (any, error) { return c.gitConfigGet(false) }),
		"git.config_get_regexp": g(func(c *call) (any, error) { return c.gitConfigGet(true) }),
		"git.config_set":        g(gitConfigSet),
		"git.config_unset":      g(gitConfigUnset),
	}
}

func slicesHas(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// gitCwd is git._expand_path: cwd under ~user (or the executor's ~) when
// relative.
func (c *call) gitCwd() string {
	cwd := c.str("cwd")
	home := c.expandUser("~" + c.str("user"))
	if strings.HasPrefix(cwd, "/") || home == "" || strings.HasPrefix(home, "~") {
		return cwd
	}
	return path.Join(home, cwd)
}

// formatOpts is git._format_opts.
func formatOpts(v any) []string {
	switch t := v.(type) {
	case nil:
		return nil
	case []any:
		return strList(t)
	case string:
		out, _ := shlex.Split(t)
		if n := len(out); n > 0 && out[n-1] == "--" {
			out = out[:n-1]
		}
		return out
	}
	return []string{pyStr(v)}
}

// gitCmd is git, its git_opts, then the subcommand and opts.
func (c *call) gitCmd(sub string, opts any) ([]string, error) {
	cmd := append([]string{"git"}, formatOpts(c.a["git_opts"])...)
	cmd = append(cmd, sub)
	return append(cmd, formatOpts(opts)...), nil
}

// gitRun is git._git_run without identity files: cmd.run_all as user;
// with failhard, a non-zero exit is Salt's "Command '...' failed: ...".
func (c *call) gitRun(cmd []string, cwd string, failhard, redirect bool) (map[string]any, error) {
	if !c.isNone("identity") {
		return nil, funcs.Raise("CommandExecutionError", "%s: the identity argument is not supported by brine", c.fun)
	}
	kw := map[string]any{"python_shell": false, "redirect_stderr": redirect}
	if cwd != "" {
		kw["cwd"] = cwd
	}
	if u := c.str("user"); u != "" {
		kw["runas"] = u
	}
	if c.truth("ignore_retcode") {
		kw["ignore_retcode"] = true
	}
	args := make([]any, len(cmd))
	for i, a := range cmd {
		args[i] = a
	}
	v, err := c.salt("cmd.run_all", []any{args}, kw)
	if err != nil {
		return nil, err
	}
	r := v.(map[string]any)
	if r["retcode"] != 0 && failhard {
		msg := "Command '" + strings.Join(cmd, " ") + "' failed"
		errText := pyStr(r["stderr"])
		if redirect {
			errText = pyStr(r["stdout"])
		}
		if errText != "" {
			msg += ": " + errText
		}
		return nil, funcs.Raise("CommandExecutionError", "%s", msg)
	}
	return r, nil
}

func (c *call) gitLines(cmd []string) (any, error) {
	r, err := c.gitRun(cmd, c.gitCwd(), true, false)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, l := range strings.Split(pyStr(r["stdout"]), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out, nil
}

func (c *call) gitVersion() string {
	r, err := c.gitRun([]string{"git", "--version"}, "", true, false)
	if err != nil {
		return "unknown"
	}
	v := pyStr(r["stdout"])
	if i := strings.Index(v, "("); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	f := strings.Fields(v)
	if len(f) == 0 {
		return "unknown"
	}
	return f[len(f)-1]
}

func gitClone(c *call) (any, error) {
	cwd := c.gitCwd()
	if !c.truth("url") {
		return nil, funcs.Raise("SaltInvocationError", "Missing 'url' argument")
	}
	if !c.isNone("https_user") || !c.isNone("https_pass") {
		return nil, funcs.Raise("SaltInvocationError", "%s: https_user and https_pass are not supported by brine", c.fun)
	}
	cmd, err := c.gitCmd("clone", c.a["opts"])
	if err != nil {
		return nil, err
	}
	cmd = append(cmd, "--", c.str("url"))
	cloneCwd := "/tmp"
	if !c.isNone("name") {
		cmd = append(cmd, c.str("name"))
		if err := os.MkdirAll(c.host(cwd), 0o755); err != nil {
			return nil, pyOSError(err, cwd)
		}
		cloneCwd = cwd
	} else {
		cmd = append(cmd, cwd)
	}
	if _, err := c.gitRun(cmd, cloneCwd, true, false); err != nil {
		return nil, err
	}
	return true, nil
}

func gitFetch(c *call) (any, error) {
	cmd := append([]string{"git"}, formatOpts(c.a["git_opts"])...)
	cmd = append(cmd, "fetch")
	if c.truth("force") {
		cmd = append(cmd, "--force")
	}
	for _, o := range formatOpts(c.a["opts"]) {
		if o != "-f" && o != "--force" {
			cmd = append(cmd, o)
		}
	}
	if c.truth("remote") {
		cmd = append(cmd, c.str("remote"))
	}
	if v := c.a["refspecs"]; v != nil {
		if s, ok := v.(string); ok {
			cmd = append(cmd, strings.Split(s, ",")...)
		} else {
			cmd = append(cmd, strList(v)...)
		}
	}
	r, err := c.gitRun(cmd, c.gitCwd(), true, true)
	if err != nil {
		return nil, err
	}
	re := regexp.MustCompile(`^[\s*]*(?:([0-9a-f]+)\.\.([0-9a-f]+)|\[(?:new (tag|branch)|tag update)\])\s+(.+)->`)
	ret := map[string]any{}
	for _, line := range strings.Split(pyStr(r["stdout"]), "\n") {
		m := re.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		ref := strings.TrimRight(m[4], " \t")
		switch {
		case m[3] != "":
			k := "new branches"
			if m[3] == "tag" {
				k = "new tags"
			}
			l, _ := ret[k].([]any)
			ret[k] = append(l, ref)
		case m[1] != "":
			u, _ := ret["updated branches"].(map[string]any)
			if u == nil {
				u = map[string]any{}
			}
			u[ref] = map[string]any{"old": m[1], "new": m[2]}
			ret["updated branches"] = u
		default:
			l, _ := ret["updated tags"].([]any)
			ret["updated tags"] = append(l, ref)
		}
	}
	return ret, nil
}

func (c *call) gitRemotes() (map[string]any, error) {
	r, err := c.gitRun([]string{"git", "remote", "--verbose"}, c.gitCwd(), true, false)
	if err != nil {
		return nil, err
	}
	ret := map[string]any{}
	for _, line := range strings.Split(pyStr(r["stdout"]), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		action := strings.ToLower(strings.Trim(f[len(f)-1], "()"))
		if action != "fetch" && action != "push" {
			continue
		}
		m, _ := ret[f[0]].(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		m[action] = strings.Join(f[1:len(f)-1], " ")
		ret[f[0]] = m
	}
	return ret, nil
}

// gitKw reads git's config functions' **kwargs: global (and all, add);
// anything else is invalid.
func (c *call) gitKw(allowed ...string) (map[string]bool, error) {
	out := map[string]bool{}
	rest := map[string]any{}
	for k, v := range c.kw {
		switch {
		case strings.HasPrefix(k, "__"):
		case slicesHas(allowed, k):
			out[k] = truthy(v)
		default:
			rest[k] = v
		}
	}
	if len(rest) > 0 {
		return nil, funcs.InvalidKwargs(c.fun, rest)
	}
	return out, nil
}

// configCwd is the config functions' cwd check.
func (c *call) configCwd(global bool) (string, error) {
	if c.isNone("cwd") {
		if !global {
			return "", funcs.Raise("SaltInvocationError", "'cwd' argument required unless global=True")
		}
		return "", nil
	}
	return c.gitCwd(), nil
}

func (c *call) gitConfigGet(regexp bool) (any, error) {
	kw, err := c.gitKw("global", "all")
	if err != nil {
		return nil, err
	}
	cwd, err := c.configCwd(kw["global"])
	if err != nil {
		return nil, err
	}
	cmd := []string{"git", "config", "--local"}
	if kw["global"] {
		cmd[2] = "--global"
	}
	if regexp {
		cmd = append(cmd, "--get-regexp", c.str("key"))
		if !c.isNone("value_regex") {
			cmd = append(cmd, c.str("value_regex"))
		}
	} else {
		cmd = append(cmd, "--get-all", c.str("key"))
	}
	r, err := c.gitRun(cmd, cwd, false, false)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(pyStr(r["stdout"]), "\n")
	if pyStr(r["stdout"]) == "" {
		lines = nil
	}
	if regexp {
		ret := map[string]any{}
		if r["retcode"] == 1 {
			return ret, nil
		}
		for _, l := range lines {
			k, v, ok := strings.Cut(l, " ")
			if !ok {
				continue
			}
			x, _ := ret[k].([]any)
			ret[k] = append(x, strings.TrimLeft(v, " "))
		}
		return ret, nil
	}
	if r["retcode"] == 1 {
		return nil, nil
	}
	if kw["all"] {
		return anyList(lines), nil
	}
	if len(lines) == 0 {
		return "", nil
	}
	return lines[len(lines)-1], nil
}

func gitConfigSet(c *call) (any, error) {
	kw, err := c.gitKw("global", "add")
	if err != nil {
		return nil, err
	}
	cwd, err := c.configCwd(kw["global"])
	if err != nil {
		return nil, err
	}
	if !c.isNone("value") && !c.isNone("multivar") {
		return nil, funcs.Raise("SaltInvocationError", "Only one of 'value' and 'multivar' is permitted")
	}
	prefix := []string{"git", "config"}
	if kw["global"] {
		prefix = append(prefix, "--global")
	}
	if !c.isNone("value") {
		mode := "--replace-all"
		if kw["add"] {
			mode = "--add"
		}
		if _, err := c.gitRun(append(append(prefix[:len(prefix):len(prefix)], mode), c.str("key"), c.str("value")), cwd, true, false); err != nil {
			return nil, err
		}
	} else {
		var multivar []string
		if s, ok := c.a["multivar"].(string); ok {
			multivar = strings.Split(s, ",")
		} else {
			multivar = strList(c.a["multivar"])
		}
		for i, t := range multivar {
			mode := "--add"
			if i == 0 {
				mode = "--replace-all"
			}
			if _, err := c.gitRun(append(append(prefix[:len(prefix):len(prefix)], mode), c.str("key"), t), cwd, true, false); err != nil {
				return nil, err
			}
		}
	}
	c.kw = map[string]any{"all": true, "global": kw["global"]}
	return c.gitConfigGet(false)
}

func gitConfigUnset(c *call) (any, error) {
	kw, err := c.gitKw("global", "all")
	if err != nil {
		return nil, err
	}
	cwd, err := c.configCwd(kw["global"])
	if err != nil {
		return nil, err
	}
	cmd := []string{"git", "config", "--unset"}
	if kw["all"] {
		cmd[2] = "--unset-all"
	}
	if kw["global"] {
		cmd = append(cmd, "--global")
	} else {
		cmd = append(cmd, "--local")
	}
	cmd = append(cmd, c.str("key"))
	if !c.isNone("value_regex") {
		cmd = append(cmd, c.str("value_regex"))
	}
	r, err := c.gitRun(cmd, cwd, false, false)
	if err != nil {
		return nil, err
	}
	switch rc := r["retcode"]; rc {
	case 0:
		return true, nil
	case 1:
		return nil, funcs.Raise("CommandExecutionError", "Section or key is invalid")
	case 5:
		c.kw = map[string]any{"global": kw["global"]}
		if v, _ := c.gitConfigGet(false); v == nil {
			return nil, funcs.Raise("CommandExecutionError", "Key '%s' does not exist", c.str("key"))
		}
		msg := "Multiple values exist for key '" + c.str("key") + "'"
		if !c.isNone("value_regex") {
			msg += " and value_regex matches multiple values"
		}
		return nil, funcs.Raise("CommandExecutionError", "%s", msg)
	case 6:
		return nil, funcs.Raise("CommandExecutionError", "The value_regex is invalid")
	default:
		msg := "Failed to unset key '" + c.str("key") + "', git config returned exit code " + pyStr(rc)
		if s := pyStr(r["stderr"]); s != "" {
			msg += "; " + s
		}
		return nil, funcs.Raise("CommandExecutionError", "%s", msg)
	}
}
