// Package pip implements Salt's pip.installed with the host's pip: the
// system Python's (python3 -m pip) or bin_env's (a virtualenv, or a python
// or pip binary), as Salt's pip module picks it.
//
// PEP 668: Debian 12's pip refuses to install into the system Python
// ("externally-managed-environment"). Salt 3007 does nothing about it, so
// its state fails there; brine fails the same way and says how to go on in
// a way Salt also honours: bin_env (a virtualenv), or extra_args:
// [--break-system-packages], or env_vars: {PIP_BREAK_SYSTEM_PACKAGES: '1'}.
// brine never breaks the system Python on its own.
package pip

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"brine/provision/host/state"
	"brine/provision/wire/lowstate"
)

// Module returns the pip state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(), Funcs: map[string]state.Func{"installed": installed}}
}

// pipCmd is Salt's _get_pip_bin: the argv that runs pip.
func pipCmd(env *state.Env, binEnv string) ([]string, error) {
	if binEnv == "" {
		for _, py := range []string{"/usr/bin/python3", "/usr/local/bin/python3", "/usr/bin/python"} {
			if fi, err := os.Stat(state.HostPath(env, py)); err == nil && !fi.IsDir() {
				return []string{py, "-m", "pip"}, nil
			}
		}
		return nil, fmt.Errorf("Could not find a `pip` binary")
	}
	hp := state.HostPath(env, binEnv)
	fi, err := os.Stat(hp)
	if err != nil {
		return nil, fmt.Errorf("Access denied to %s, could not find a pip binary", binEnv)
	}
	if fi.IsDir() {
		for _, p := range []string{"python", "bin/python", "Scripts/python"} {
			if f, err := os.Stat(filepath.Join(hp, p)); err == nil && !f.IsDir() && f.Mode()&0o111 != 0 {
				return []string{filepath.Join(binEnv, p), "-m", "pip"}, nil
			}
		}
		return nil, fmt.Errorf("Could not find a pip binary in virtualenv %s", binEnv)
	}
	if strings.Contains(filepath.Base(binEnv), "python") {
		return []string{binEnv, "-m", "pip"}, nil
	}
	return []string{binEnv}, nil
}

// runner runs pip as the state's user, in cwd, with env_vars.
type runner struct {
	ctx  context.Context
	env  *state.Env
	argv []string
	user string
	cwd  string
	vars map[string]string
}

func (r *runner) run(args ...string) state.CmdResult {
	return r.env.Exec.Run(r.ctx, state.Cmd{Argv: append(append([]string(nil), r.argv...), args...),
		RunAs: r.user, Cwd: r.cwd, Env: r.vars})
}

// list is Salt's pip.list: name -> version of the installed distributions.
func (r *runner) list() (map[string]string, error) {
	res := r.run("list", "--format=json")
	if res.Err != nil || res.Retcode != 0 {
		if res.Err != nil {
			return nil, res.Err
		}
		return nil, fmt.Errorf("%s", strings.TrimSpace(res.Stderr))
	}
	var pkgs []struct{ Name, Version string }
	if err := json.Unmarshal([]byte(res.Stdout), &pkgs); err != nil {
		return nil, fmt.Errorf("Invalid JSON")
	}
	out := map[string]string{}
	for _, p := range pkgs {
		out[strings.ToLower(p.Name)] = p.Version
	}
	return out, nil
}

// req is one requirement: the project name and its version specifiers.
type req struct {
	line  string
	name  string
	specs [][2]string
}

var reqRe = regexp.MustCompile(`^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$`)
var specRe = regexp.MustCompile(`^\s*(===|~=|==|!=|<=|>=|<|>)\s*([^\s,;]+)\s*$`)

// parseReq is Salt's _check_pkg_version_format for name[extras]SPEC,...;
// a URL or path is not checked against pip list (prefix "").
func parseReq(line string) (req, error) {
	r := req{line: line}
	if strings.Contains(line, "://") || strings.HasPrefix(line, "/") || strings.HasPrefix(line, ".") {
		return r, nil
	}
	m := reqRe.FindStringSubmatch(line)
	if m == nil {
		return r, fmt.Errorf("pip raised an exception while parsing '%s': invalid requirement", line)
	}
	r.name = m[1]
	rest, _, _ := strings.Cut(m[3], ";")
	if strings.TrimSpace(rest) == "" {
		return r, nil
	}
	for _, s := range strings.Split(rest, ",") {
		sm := specRe.FindStringSubmatch(s)
		if sm == nil {
			if strings.Contains(line, "=") && !strings.Contains(line, "==") {
				return r, fmt.Errorf("Invalid version specification in package %s. '=' is not supported, use '==' instead.", line)
			}
			return r, fmt.Errorf("pip raised an exception while parsing '%s': invalid version specifier %q", line, strings.TrimSpace(s))
		}
		r.specs = append(r.specs, [2]string{sm[1], sm[2]})
	}
	return r, nil
}

// fulfills is Salt's _fulfills_version_spec.
func fulfills(version string, specs [][2]string) bool {
	for _, s := range specs {
		c := compareVersions(version, s[1])
		ok := false
		switch s[0] {
		case "==", "===":
			ok = c == 0 || (strings.HasSuffix(s[1], ".*") && strings.HasPrefix(version, strings.TrimSuffix(s[1], "*")))
		case "!=":
			ok = c != 0
		case ">=":
			ok = c >= 0
		case "<=":
			ok = c <= 0
		case ">":
			ok = c > 0
		case "<":
			ok = c < 0
		case "~=":
			parts := strings.Split(s[1], ".")
			prefix := strings.Join(parts[:max(1, len(parts)-1)], ".")
			ok = c >= 0 && (version == prefix || strings.HasPrefix(version, prefix+"."))
		}
		if !ok {
			return false
		}
	}
	return true
}

func installed(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	binEnv := state.ArgStr(c, "bin_env")
	if binEnv == "" {
		binEnv = state.ArgStr(c, "pip_bin")
	}
	pkgs := []string{name}
	if state.HasArg(c, "pkgs") {
		if _, ok := c["pkgs"].([]any); !ok {
			return state.Failed("pkgs argument must be formatted as a list")
		}
		pkgs = state.ArgList(c, "pkgs")
	}
	argv, err := pipCmd(env, binEnv)
	r := &runner{ctx: ctx, env: env, argv: argv, user: state.ArgStr(c, "user"), cwd: state.ArgStr(c, "cwd"),
		vars: state.ArgStrMap(c, "env_vars")}
	if binEnv != "" {
		if fi, e := os.Stat(state.HostPath(env, binEnv)); e == nil && fi.IsDir() {
			if r.vars == nil {
				r.vars = map[string]string{}
			}
			r.vars["VIRTUAL_ENV"] = binEnv
		}
	}
	if err == nil {
		if res := r.run("--version"); res.Err != nil || res.Retcode != 0 {
			err = fmt.Errorf("Could not find a `pip` binary")
		}
	}
	if err != nil {
		return state.Failed(fmt.Sprintf("Error installing '%s': %v", name, err))
	}
	requirements := state.ArgStr(c, "requirements")
	editable := state.ArgStr(c, "editable")
	var reqs []req
	if requirements == "" && editable == "" {
		var errs []string
		for _, p := range pkgs {
			rq, err := parseReq(p)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			reqs = append(reqs, rq)
		}
		if len(errs) > 0 {
			return state.Failed(strings.Join(errs, "\n"))
		}
	}
	if u := r.user; u != "" {
		if usr, _ := state.FindUser(env, u); usr == nil {
			return state.Failed(fmt.Sprintf("User %s does not exist", u))
		}
	}
	upgrade := state.ArgBool(c, "upgrade", false)
	force := state.ArgBool(c, "force_reinstall", false)
	ignore := state.ArgBool(c, "ignore_installed", false)
	if requirements != "" || editable != "" {
		if env.Test {
			var cs []string
			if requirements != "" {
				cs = append(cs, fmt.Sprintf("Requirements file '%s' will be processed.", requirements))
			}
			if editable != "" {
				cs = append(cs, fmt.Sprintf(`Package will be installed in editable mode (i.e. setuptools "develop mode") from %s.`, editable))
			}
			return state.Pending(strings.Join(cs, " "), nil)
		}
		return install(r, env, c, nil, nil, requirements, editable)
	}
	have, _ := r.list()
	var todo []req
	var already []string
	for _, rq := range reqs {
		ok := false
		if rq.name != "" && !ignore && !force && !upgrade {
			if v, in := have[strings.ToLower(rq.name)]; in && (len(rq.specs) == 0 || fulfills(v, rq.specs)) {
				ok = true
			}
		}
		if ok {
			already = append(already, fmt.Sprintf("Python package %s was already installed", rq.line))
			continue
		}
		todo = append(todo, rq)
		if env.Test {
			if len(reqs) > 1 {
				msg := "Python package(s) set to be installed:"
				for _, x := range reqs {
					msg += "\n" + x.line
				}
				return state.Pending(msg, nil)
			}
			return state.Pending(fmt.Sprintf("Python package %s is set to be installed", rq.line), nil)
		}
	}
	if len(todo) == 0 {
		last := "All specified packages are already installed"
		if upgrade {
			last += " and up-to-date"
		}
		return state.OK(joinComments(already, last))
	}
	return install(r, env, c, todo, already, "", "")
}

func joinComments(already []string, last string) string {
	if len(already) == 0 {
		return last
	}
	return strings.Join(already, "\n") + "\n" + last
}

// installArgs builds pip install's options from the state's arguments,
// in the order Salt's pip.install adds them. The ones that often hold a
// password or token (proxy, index_url, extra_index_url: user:secret@host)
// go to pip through its environment (PIP_PROXY, PIP_INDEX_URL,
// PIP_EXTRA_INDEX_URL, which pip reads as the flags), never on its command
// line, where every user of the host would see them in ps.
func installArgs(c lowstate.Chunk) (args []string, secretEnv map[string]string) {
	var a []string
	secretEnv = map[string]string{}
	str := func(k, flag string) {
		if v := state.ArgStr(c, k); v != "" {
			a = append(a, flag, v)
		}
	}
	viaEnv := func(k, name string) {
		if v := state.ArgStr(c, k); v != "" {
			secretEnv[name] = v
		}
	}
	flag := func(k, f string) {
		if state.ArgBool(c, k, false) {
			a = append(a, f)
		}
	}
	str("no_binary", "--no-binary")
	str("log", "--log")
	viaEnv("proxy", "PIP_PROXY")
	str("timeout", "--timeout")
	for _, l := range state.ArgList(c, "find_links") {
		a = append(a, "--find-links", l)
	}
	viaEnv("index_url", "PIP_INDEX_URL")
	viaEnv("extra_index_url", "PIP_EXTRA_INDEX_URL")
	flag("no_index", "--no-index")
	a = append(a, "--disable-pip-version-check")
	str("target", "--target")
	flag("upgrade", "--upgrade")
	flag("force_reinstall", "--force-reinstall")
	flag("ignore_installed", "--ignore-installed")
	str("exists_action", "--exists-action")
	flag("no_deps", "--no-deps")
	flag("no_cache_dir", "--no-cache-dir")
	flag("pre_releases", "--pre")
	str("cert", "--cert")
	str("trusted_host", "--trusted-host")
	return a, secretEnv
}

// extraArgs is Salt's extra_args: strings, or {"--flag": value} maps.
func extraArgs(c lowstate.Chunk) []string {
	var a []string
	l, _ := c["extra_args"].([]any)
	for _, e := range l {
		if m, ok := e.(map[string]any); ok {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				a = append(a, k, state.Scalar(m[k]))
			}
			continue
		}
		a = append(a, state.Scalar(e))
	}
	return a
}

// install runs pip install and shapes Salt's result.
func install(r *runner, env *state.Env, c lowstate.Chunk, todo []req, already []string, requirements, editable string) *lowstate.Result {
	opts, secretEnv := installArgs(c)
	args := append([]string{"install"}, opts...)
	if len(secretEnv) > 0 {
		// The state's own arguments win over env_vars, as its flags would.
		vars := make(map[string]string, len(r.vars)+len(secretEnv))
		for k, v := range r.vars {
			vars[k] = v
		}
		for k, v := range secretEnv {
			vars[k] = v
		}
		rr := *r
		rr.vars = vars
		r = &rr
	}
	if requirements != "" {
		path, cleanup, err := requirementsFile(env, c, requirements)
		if err != nil {
			return state.Failed(fmt.Sprintf("Unable to process requirements file \"%s\" Error: %v", requirements, err))
		}
		defer cleanup()
		args = append(args, "--requirement", path)
	}
	for _, t := range todo {
		args = append(args, t.line)
	}
	if editable != "" {
		args = append(args, "--editable", editable)
	}
	args = append(args, extraArgs(c)...)
	res := r.run(args...)
	if res.Err != nil || res.Retcode != 0 {
		errText := fmt.Sprintf("Error: %s %s", res.Stdout, res.Stderr)
		if res.Err != nil {
			errText = "Error: " + res.Err.Error()
		}
		if strings.Contains(res.Stdout+res.Stderr, "externally-managed-environment") {
			errText += "\n(brine: PEP 668 - this Python is managed by the system package manager. Install into a " +
				"virtualenv with bin_env, or allow it with extra_args: ['--break-system-packages'] or " +
				"env_vars: {PIP_BREAK_SYSTEM_PACKAGES: '1'}; Salt honours both the same way.)"
		}
		if requirements != "" || editable != "" {
			var cs []string
			if requirements != "" {
				cs = append(cs, fmt.Sprintf("Unable to process requirements file \"%s\"", requirements))
			}
			if editable != "" {
				cs = append(cs, fmt.Sprintf("Unable to install from VCS checkout %s.", editable))
			}
			return state.Failed(strings.Join(append(cs, errText), " "))
		}
		names := make([]string, len(todo))
		for i, t := range todo {
			names[i] = t.line
		}
		return state.Failed(joinComments(already, fmt.Sprintf("Failed to install packages: %s. %s", strings.Join(names, ", "), errText)))
	}
	ch := map[string]any{}
	if requirements != "" || editable != "" {
		var cs []string
		if requirements != "" {
			if requirementsChanged(res.Stdout) {
				ch["requirements"] = true
				cs = append(cs, fmt.Sprintf("Successfully processed requirements file %s.", requirements))
			} else {
				cs = append(cs, "Requirements were already installed.")
			}
		}
		if editable != "" {
			cs = append(cs, fmt.Sprintf("Package successfully installed from VCS checkout %s.", editable))
			ch["editable"] = true
		}
		return state.Changed(strings.Join(cs, " "), ch)
	}
	upToDate := map[string]bool{}
	for _, l := range strings.Split(res.Stdout, "\n") {
		if rest, ok := strings.CutPrefix(l, "Requirement already up-to-date: "); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				upToDate[strings.ToLower(f[0])] = true
			}
		}
	}
	have, _ := r.list()
	var missing []string
	for _, t := range todo {
		if t.name == "" {
			ch[t.line+"==???"] = "Installed"
			continue
		}
		v, ok := have[strings.ToLower(t.name)]
		if !ok {
			missing = append(missing, fmt.Sprintf("There was no error installing package '%s' although it does not show when calling 'pip.freeze'.", t.line))
			continue
		}
		if !upToDate[strings.ToLower(t.name)] {
			ch[t.name+"=="+v] = "Installed"
		}
	}
	msg := "All packages were successfully installed"
	if len(missing) > 0 {
		msg = strings.Join(missing, "\n")
	}
	return state.Changed(joinComments(already, msg), ch)
}

// requirementsChanged is Salt's reading of pip's output for a
// requirements file: any line but the "nothing to do" ones is a change.
func requirementsChanged(out string) bool {
	quiet := []string{"Requirement already satisfied", "Requirement already up-to-date", "Requirement not upgraded",
		"Collecting", "Cloning", "Cleaning up...", "Looking in indexes"}
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		changed := true
		for _, q := range quiet {
			if strings.HasPrefix(l, q) {
				changed = false
			}
		}
		if changed && l != "" {
			return true
		}
	}
	return false
}

// requirementsFile returns the path pip reads: a salt:// file comes from
// the bundle into a private temp file; a host path is used as is.
func requirementsFile(env *state.Env, c lowstate.Chunk, requirements string) (string, func(), error) {
	h := c.Str(lowstate.KeyFile)
	if h == "" {
		if strings.HasPrefix(requirements, "salt://") {
			return "", nil, fmt.Errorf("%s was not resolved into the bundle", requirements)
		}
		return requirements, func() {}, nil
	}
	if env.File == nil {
		return "", nil, fmt.Errorf("no bundle to read %s from", requirements)
	}
	data, err := env.File(h)
	if err != nil {
		return "", nil, err
	}
	f, err := os.CreateTemp("", "brine-requirements-*.txt")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.Remove(f.Name()) }
	if _, err := f.Write(data); err != nil {
		f.Close()
		cleanup()
		return "", nil, err
	}
	if err := f.Close(); err != nil {
		cleanup()
		return "", nil, err
	}
	if u := state.ArgStr(c, "user"); u != "" {
		if usr, _ := state.FindUser(env, u); usr != nil {
			_ = os.Chown(f.Name(), usr.UID, usr.GID)
		}
	}
	return f.Name(), cleanup, nil
}
