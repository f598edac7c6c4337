package modules

import (
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"brine/provision/host/state"
	"brine/provision/host/state/pkg"
	"brine/provision/lib/fnmatch"
	"brine/provision/wire/funcs"
)

// pkgFuncs are salt/modules/aptpkg.py's functions (with dpkg_lowpkg's
// info and file lists). install, remove, purge, version, list_pkgs and
// latest_version also work with dnf/yum and apk through the state
// engine's providers; the rest are apt's.
func pkgFuncs() map[string]fn {
	return map[string]fn{
		"pkg.install":           {run: pkgInstall},
		"pkg.remove":            {run: func(c *call) (any, error) { return c.pkgUninstall("remove") }},
		"pkg.purge":             {run: func(c *call) (any, error) { return c.pkgUninstall("purge") }},
		"pkg.upgrade":           {run: pkgUpgrade},
		"pkg.list_upgrades":     {run: pkgListUpgrades},
		"pkg.upgrade_available": {run: pkgUpgradeAvailable},
		"pkg.version":           {run: pkgVersion},
		"pkg.latest_version":    {run: pkgLatestVersion},
		"pkg.available_version": {run: pkgLatestVersion},
		"pkg.list_pkgs":         {run: listPkgs},
		"pkg.refresh_db":        {run: pkgRefreshDB},
		"pkg.hold":              {run: func(c *call) (any, error) { return c.pkgHold(true) }},
		"pkg.unhold":            {run: func(c *call) (any, error) { return c.pkgHold(false) }},
		"pkg.info_installed":    {run: pkgInfoInstalled},
		"pkg.owner":             {run: pkgOwner},
		"pkg.file_list":         {run: func(c *call) (any, error) { return c.pkgFiles(false) }},
		"pkg.file_dict":         {run: func(c *call) (any, error) { return c.pkgFiles(true) }},
		"pkg.version_cmp": {run: func(c *call) (any, error) {
			a, b := c.str("pkg1"), c.str("pkg2")
			if c.truth("ignore_epoch") {
				a, b = dropEpoch(a), dropEpoch(b)
			}
			return pkg.CompareVersions(a, b), nil
		}},
		"pkg.get_selections": {run: func(c *call) (any, error) {
			sel, err := c.selections(c.str("pattern"))
			if err != nil {
				return nil, err
			}
			if st := c.str("state"); st != "" {
				l := sel[st]
				if l == nil {
					l = []any{}
				}
				return map[string]any{st: l}, nil
			}
			return sel, nil
		}},
	}
}

// dpkgEnv is aptpkg's DPKG_ENV_VARS.
func dpkgEnv() map[string]string {
	return map[string]string{"APT_LISTBUGS_FRONTEND": "none", "APT_LISTCHANGES_FRONTEND": "none", "DEBIAN_FRONTEND": "noninteractive", "UCF_FORCE_CONFFOLD": "1"}
}

// isApt reports whether the host's packages are apt's (aptpkg); the other
// families use the state engine's providers.
func (c *call) isApt() bool {
	fam, _ := c.env.Grains["os_family"].(string)
	if fam != "" {
		return fam == "Debian"
	}
	return c.whichPath("dpkg-query") != ""
}

// runCmd runs argv with no shell as Salt's modules run their commands
// (cmd.run_all with python_shell=False): the host's return code becomes
// the command's unless ignore.
func (c *call) command(env map[string]string, stdin string, ignore bool, argv ...string) state.CmdResult {
	cmd := state.Cmd{Argv: argv, Env: env}
	if stdin != "" {
		cmd.Stdin = []byte(stdin)
	}
	r := c.env.Exec.Run(c.ctx, cmd)
	if r.Err != nil && r.Retcode == 0 {
		r.Retcode = -1
	}
	if !ignore {
		c.retcode = r.Retcode
	}
	r.Stdout = strings.TrimRight(r.Stdout, " \t\n\r\v\f")
	r.Stderr = strings.TrimRight(r.Stderr, " \t\n\r\v\f")
	return r
}

// pkgList is aptpkg.list_pkgs: name -> versions of the installed packages
// (removed: those with only configuration left; purge: marked purge but
// installed). A package of a foreign architecture is name:arch.
func (c *call) pkgList(which string) (map[string][]string, error) {
	if !c.isApt() {
		p, err := pkg.Choose(c.env.stateEnv())
		if err != nil {
			return nil, err
		}
		list, err := p.List(c.ctx)
		if err != nil {
			return nil, err
		}
		out := map[string][]string{}
		for n, in := range list {
			if which == "installed" && in.Version != "" {
				out[n] = []string{in.Version}
			}
		}
		return out, nil
	}
	r := c.command(nil, "", false, "dpkg-query", "--showformat", "${Status} ${Package} ${Version} ${Architecture}\n", "-W")
	out := map[string][]string{}
	osarch, _ := c.env.Grains["osarch"].(string)
	cpuarch, _ := c.env.Grains["cpuarch"].(string)
	for _, line := range strings.Split(r.Stdout, "\n") {
		f := strings.Fields(line)
		if len(f) < 6 {
			continue
		}
		kind, status, name, ver, arch := f[0], f[2], f[3], f[4], f[5]
		if cpuarch == "x86_64" && arch != "all" && osarch == "amd64" && osarch != arch {
			name += ":" + arch
		}
		switch {
		case which == "installed" && (strings.Contains(kind, "install") || strings.Contains(kind, "hold")) && strings.Contains(status, "installed") && !strings.Contains(kind, "deinstall"):
		case which == "removed" && strings.Contains(kind, "deinstall"):
		case which == "purge" && strings.Contains(kind, "purge") && status == "installed":
		default:
			continue
		}
		if !slices.Contains(out[name], ver) {
			out[name] = append(out[name], ver)
		}
	}
	for _, v := range out {
		sort.Slice(v, func(i, j int) bool { return pkg.CompareVersions(v[i], v[j]) < 0 })
	}
	return out, nil
}

// installed is pkgList("installed").
func (c *call) installed() (map[string][]string, error) { return c.pkgList("installed") }

// stringify is pkg_resource.stringify: version lists joined by commas.
func stringify(vs []string) any { return strings.Join(vs, ",") }

// flatList is list_pkgs' return: versions joined, or lists.
func flatList(m map[string][]string, asList bool) map[string]any {
	out := make(map[string]any, len(m))
	for n, v := range m {
		if asList {
			out[n] = anyList(v)
		} else {
			out[n] = stringify(v)
		}
	}
	return out
}

// listPkgs is pkg.list_pkgs: name -> version (or [version] with
// versions_as_list); removed=True and purge_desired=True give
// {"installed": ..., "removed": ..., "purge_desired": ...}.
func listPkgs(c *call) (any, error) {
	asList := c.truth("versions_as_list")
	inst, err := c.installed()
	if err != nil {
		return nil, err
	}
	if !c.truth("removed") && !c.truth("purge_desired") {
		return flatList(inst, asList), nil
	}
	ret := map[string]any{"installed": flatList(inst, asList)}
	for k, which := range map[string]string{"removed": "removed", "purge_desired": "purge"} {
		if c.truth(k) {
			m, err := c.pkgList(which)
			if err != nil {
				return nil, err
			}
			ret[k] = flatList(m, asList)
		}
	}
	return ret, nil
}

// compareDicts is salt.utils.data.compare_dicts over two package lists:
// {name: {"old": v, "new": v}} for what changed ("" for absent).
func compareDicts(old, new map[string][]string) map[string]any {
	out := map[string]any{}
	for _, m := range []map[string][]string{old, new} {
		for n := range m {
			o, nw := strings.Join(old[n], ","), strings.Join(new[n], ",")
			if o != nw {
				out[n] = map[string]any{"old": o, "new": nw}
			}
		}
	}
	return out
}

// pkgVersion is pkg_resource.version: one name without a glob gives a
// string ("" when not installed), otherwise a dict.
func pkgVersion(c *call) (any, error) {
	asList := truthy(c.kw["versions_as_list"])
	ret := map[string]any{}
	glob := false
	if len(c.rest) == 0 {
		return ret, nil
	}
	pkgs, err := c.installed()
	if err != nil {
		return nil, err
	}
	conv := func(v []string) any {
		if asList {
			return anyList(v)
		}
		return stringify(v)
	}
	for _, a := range c.rest {
		name := pyStr(a)
		if strings.ContainsAny(name, "*?[") {
			glob = true
			for _, n := range slices.Sorted(maps.Keys(pkgs)) {
				if fnmatch.Match(name, n) {
					ret[n] = conv(pkgs[n])
				}
			}
			continue
		}
		ret[name] = conv(pkgs[name])
	}
	if len(ret) == 1 && !glob {
		for _, v := range ret {
			return v, nil
		}
	}
	return ret, nil
}

// pkgTargets is pkg_resource.parse_targets for the repository: name ->
// version ("" for any) from pkgs (names or {name: version}) or name (a
// comma-separated list, with kwargs' version).
func (c *call) pkgTargets() (map[string]string, []string, error) {
	out := map[string]string{}
	var order []string
	add := func(n, v string) {
		if _, ok := out[n]; !ok {
			order = append(order, n)
		}
		out[n] = strings.TrimLeft(v, "=")
	}
	if pkgs := c.a["pkgs"]; pkgs != nil {
		list, ok := pkgs.([]any)
		if !ok {
			if s, isStr := pkgs.(string); isStr {
				list = nil
				for _, p := range strList(s) {
					list = append(list, p)
				}
			} else {
				return nil, nil, funcs.Raise("SaltInvocationError", "Invalidly-formatted 'pkgs' parameter. See minion log.")
			}
		}
		for _, p := range list {
			if m, ok := p.(map[string]any); ok {
				for n, v := range m {
					add(n, pyStrOr(v, ""))
				}
				continue
			}
			add(pyStr(p), "")
		}
		if len(out) != len(list) {
			return nil, nil, funcs.Raise("SaltInvocationError", "You are passing a list of packages that contains duplicated packages names: %s. This cannot be processed. In case you are targeting different versions of the same package, please target them individually", pyStr(pkgs))
		}
		return out, order, nil
	}
	if name := c.str("name"); name != "" {
		for _, n := range strings.Split(name, ",") {
			add(n, pyStrOr(c.kw["version"], ""))
		}
	}
	return out, order, nil
}

// pyStrOr is str(v), or def for None.
func pyStrOr(v any, def string) string {
	if v == nil {
		return def
	}
	return pyStr(v)
}

// pkgInstall is aptpkg.install: the packages of name, pkgs or sources
// (salt:// .deb files the controller sent) installed with one apt-get
// install (held ones unheld for it and held again, downgrades with
// --force-yes), refresh first when asked; returns the changes
// {name: {old, new}}; apt's complaints are Salt's "Problem encountered
// installing package(s)" with the changes and errors.
func pkgInstall(c *call) (any, error) {
	if !c.isApt() {
		return c.providerInstall()
	}
	var sourcePaths []string
	var targets map[string]string
	var order []string
	if srcs := c.a["sources"]; srcs != nil {
		if c.a["pkgs"] != nil {
			return map[string]any{}, nil // parse_targets logs and returns nothing
		}
		paths, cleanup, err := c.writeSources(srcs)
		defer cleanup()
		if err != nil {
			return nil, err
		}
		sourcePaths = paths
	} else {
		var err error
		targets, order, err = c.pkgTargets()
		if err != nil {
			return nil, err
		}
	}
	if len(targets) == 0 && len(sourcePaths) == 0 {
		return map[string]any{}, nil
	}
	refresh := c.truth("refresh")
	if refresh && c.a["pkgs"] != nil {
		refresh = false
		for _, n := range order {
			if targets[n] == "" {
				refresh = true
			}
		}
	}
	old, err := c.installed()
	if err != nil {
		return nil, err
	}
	prefix := []string{"apt-get", "-q", "-y"}
	if truthy(c.kw["force_yes"]) {
		prefix = append(prefix, "--force-yes")
	}
	if truthy(c.kw["force_conf_new"]) {
		prefix = append(prefix, "-o", "DPkg::Options::=--force-confnew")
	} else {
		prefix = append(prefix, "-o", "DPkg::Options::=--force-confold", "-o", "DPkg::Options::=--force-confdef")
	}
	if v, ok := c.kw["install_recommends"]; ok {
		if truthy(v) {
			prefix = append(prefix, "--install-recommends")
		} else {
			prefix = append(prefix, "--no-install-recommends")
		}
	}
	if truthy(c.kw["only_upgrade"]) {
		prefix = append(prefix, "--only-upgrade")
	}
	if c.truth("skip_verify") {
		prefix = append(prefix, "--allow-unauthenticated")
	}
	fromrepo := c.str("fromrepo")
	if fromrepo == "" {
		fromrepo = pyStrOr(c.kw["repo"], "")
	}
	if fromrepo != "" && sourcePaths == nil {
		prefix = append(prefix, "-t", fromrepo)
	}
	prefix = append(prefix, "install")
	var install, downgrade, reinstall []string
	var names []string
	for _, p := range sourcePaths {
		install = append(install, p)
	}
	for _, n := range order {
		v := targets[n]
		names = append(names, n)
		if strings.HasPrefix(v, "<") || strings.HasPrefix(v, ">") {
			return nil, funcs.Raise("CommandExecutionError", "brine's pkg.install takes exact versions only, not %s%s", n, v)
		}
		cur := strings.Join(old[n], ",")
		switch {
		case v == "" && c.truth("reinstall") && cur != "":
			reinstall = append(reinstall, n)
		case v == "":
			install = append(install, n)
		case c.truth("reinstall") && cur != "" && pkg.CompareVersions(v, cur) == 0:
			reinstall = append(reinstall, n+"="+v)
		case cur == "" || pkg.CompareVersions(v, cur) >= 0:
			install = append(install, n+"="+v)
		default:
			downgrade = append(downgrade, n+"="+v)
		}
	}
	var cmds [][]string
	if len(install) > 0 {
		cmds = append(cmds, append(slices.Clone(prefix), install...))
	}
	if len(downgrade) > 0 {
		cmd := slices.Clone(prefix)
		if !slices.Contains(cmd, "--force-yes") {
			cmd = slices.Insert(cmd, len(cmd)-1, "--force-yes")
		}
		cmds = append(cmds, append(cmd, downgrade...))
	}
	if c.truth("downloadonly") && len(cmds) > 0 {
		cmds[len(cmds)-1] = append(cmds[len(cmds)-1], "--download-only")
	}
	if len(reinstall) > 0 {
		cmd := append(slices.Clone(prefix), "--reinstall")
		cmds = append(cmds, append(cmd, reinstall...))
	}
	if len(cmds) == 0 {
		return map[string]any{}, nil
	}
	if refresh {
		if _, err := pkgRefreshDB(c); err != nil {
			return nil, err
		}
	}
	sel, err := c.selections("")
	if err != nil {
		return nil, err
	}
	var unhold []string
	held, _ := sel["hold"].([]any)
	for _, h := range held {
		if slices.Contains(names, pyStr(h)) {
			unhold = append(unhold, pyStr(h))
		}
	}
	if len(unhold) > 0 {
		c.setSelections("install", unhold)
	}
	var errs []any
	for _, cmd := range cmds {
		r := c.command(dpkgEnv(), "", false, cmd...)
		if r.Retcode != 0 && r.Stderr != "" {
			errs = append(errs, r.Stderr)
		}
	}
	if len(unhold) > 0 {
		c.setSelections("hold", unhold)
	}
	now, err := c.installed()
	if err != nil {
		return nil, err
	}
	ret := compareDicts(old, now)
	for _, r := range reinstall {
		n, _, _ := strings.Cut(r, "=")
		ret[n] = map[string]any{"old": strings.Join(old[n], ","), "new": strings.Join(now[n], ",")}
	}
	if len(errs) > 0 {
		return nil, &funcs.Exception{Type: "CommandExecutionError", Msg: "Problem encountered installing package(s)",
			Info: map[string]any{"errors": errs, "changes": ret}}
	}
	return ret, nil
}

// writeSources puts the .deb files of sources ([{name: salt://...}], sent
// by the controller) in a private temp directory for apt-get install.
func (c *call) writeSources(srcs any) ([]string, func(), error) {
	cleanup := func() {}
	list, ok := srcs.([]any)
	if !ok {
		return nil, cleanup, funcs.Raise("SaltInvocationError", "Invalidly-formatted 'sources' parameter. See minion log.")
	}
	dir, err := os.MkdirTemp(state.HostPath(c.env.stateEnv(), os.TempDir()), "brine-pkg-")
	if err != nil {
		return nil, cleanup, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	var out []string
	for _, s := range list {
		m, ok := s.(map[string]any)
		if !ok || len(m) != 1 {
			return nil, cleanup, funcs.Raise("SaltInvocationError", "Invalidly-formatted 'sources' parameter. See minion log.")
		}
		for name, src := range m {
			url := pyStr(src)
			if !strings.Contains(url, "://") {
				if !strings.HasPrefix(url, "/") {
					return nil, cleanup, funcs.Raise("SaltInvocationError", "Path %s for package %s is either not absolute or an invalid protocol", url, name)
				}
				out = append(out, url)
				continue
			}
			data, ok, err := c.source(url, c.str("saltenv"))
			if err != nil {
				return nil, cleanup, err
			}
			if !ok {
				return nil, cleanup, fmt.Errorf("Unable to cache %s", url)
			}
			p := dir + "/" + strings.ReplaceAll(name, "/", "_") + ".deb"
			if err := os.WriteFile(p, data, 0o644); err != nil {
				return nil, cleanup, err
			}
			out = append(out, c.unroot(p))
		}
	}
	return out, cleanup, nil
}

// providerInstall installs through the state engine's provider (dnf/yum,
// apk) and reports the changes as Salt does.
func (c *call) providerInstall() (any, error) {
	targets, order, err := c.pkgTargets()
	if err != nil || len(targets) == 0 {
		return map[string]any{}, err
	}
	p, err := pkg.Choose(c.env.stateEnv())
	if err != nil {
		return nil, err
	}
	old, err := c.installed()
	if err != nil {
		return nil, err
	}
	if c.truth("refresh") {
		if err := p.Refresh(c.ctx); err != nil {
			return nil, err
		}
	}
	var ts []pkg.Target
	for _, n := range order {
		ts = append(ts, pkg.Target{Name: n, Version: targets[n]})
	}
	ierr := p.Install(c.ctx, ts, c.str("fromrepo"))
	now, err := c.installed()
	if err != nil {
		return nil, err
	}
	ret := compareDicts(old, now)
	if ierr != nil {
		return nil, &funcs.Exception{Type: "CommandExecutionError", Msg: "Problem encountered installing package(s)",
			Info: map[string]any{"errors": []any{ierr.Error()}, "changes": ret}}
	}
	return ret, nil
}

// pkgUninstall is aptpkg._uninstall: remove or purge the named packages
// (globs match installed names; purge also takes packages with only their
// configuration left).
func (c *call) pkgUninstall(action string) (any, error) {
	targets, order, err := c.pkgTargets()
	if err != nil {
		return nil, err
	}
	old, err := c.installed()
	if err != nil {
		return nil, err
	}
	oldRemoved := map[string][]string{}
	if c.isApt() {
		if oldRemoved, err = c.pkgList("removed"); err != nil {
			return nil, err
		}
	}
	match := func(have map[string][]string) []string {
		var out []string
		for _, n := range order {
			if strings.ContainsAny(n, "*?[") {
				for _, h := range slices.Sorted(maps.Keys(have)) {
					if fnmatch.Match(n, h) && (targets[n] == "" || pkg.Satisfies(strings.Join(have[h], ","), targets[n])) {
						out = append(out, h)
					}
				}
			} else if _, ok := have[n]; ok {
				out = append(out, n)
			}
		}
		return out
	}
	list := match(old)
	if action == "purge" {
		list = append(list, match(oldRemoved)...)
	}
	if len(list) == 0 {
		return map[string]any{}, nil
	}
	var errs []any
	if c.isApt() {
		r := c.command(dpkgEnv(), "", false, append([]string{"apt-get", "-q", "-y", action}, list...)...)
		if r.Retcode != 0 && r.Stderr != "" {
			errs = append(errs, r.Stderr)
		}
	} else {
		p, err := pkg.Choose(c.env.stateEnv())
		if err != nil {
			return nil, err
		}
		if err := p.Remove(c.ctx, list, action == "purge"); err != nil {
			errs = append(errs, err.Error())
		}
	}
	now, err := c.installed()
	if err != nil {
		return nil, err
	}
	var ret any = compareDicts(old, now)
	if action == "purge" && c.isApt() {
		nowRemoved, err := c.pkgList("removed")
		if err != nil {
			return nil, err
		}
		ret = map[string]any{"removed": compareDicts(oldRemoved, nowRemoved), "installed": ret}
	}
	if len(errs) > 0 {
		return nil, &funcs.Exception{Type: "CommandExecutionError", Msg: "Problem encountered removing package(s)",
			Info: map[string]any{"errors": errs, "changes": ret}}
	}
	return ret, nil
}

// pkgRefreshDB is aptpkg.refresh_db: apt-get update, each source's line
// read as Salt does (Get: True, Hit: None, Ign/Err: False).
func pkgRefreshDB(c *call) (any, error) {
	if !c.isApt() {
		p, err := pkg.Choose(c.env.stateEnv())
		if err != nil {
			return nil, err
		}
		return true, p.Refresh(c.ctx)
	}
	if v, ok := c.a["cache_valid_time"]; ok && truthy(v) {
		if n, err := pyInt(v); err == nil {
			if fi, err := os.Stat(state.HostPath(c.env.stateEnv(), "/var/lib/apt/lists")); err == nil && fi.ModTime().Add(time.Duration(n)*time.Second).After(time.Now()) {
				return map[string]any{}, nil
			}
		}
	}
	r := c.command(nil, "", false, "apt-get", "-q", "update")
	if r.Retcode != 0 {
		return nil, funcs.Raise("CommandExecutionError", "%s", r.Stderr)
	}
	ret := map[string]any{}
	var failed []string
	size := regexp.MustCompile(` \[.+B\]$`)
	for _, line := range strings.Split(r.Stdout, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		ident := strings.Join(f[1:], " ")
		switch {
		case strings.Contains(f[0], "Get"):
			ret[size.ReplaceAllString(ident, "")] = true
		case strings.Contains(f[0], "Ign"):
			ret[ident] = false
		case strings.Contains(f[0], "Hit"):
			ret[ident] = nil
		case strings.Contains(f[0], "Err"):
			ret[ident] = false
			failed = append(failed, ident)
		}
	}
	if c.truth("failhard") && len(failed) > 0 {
		return nil, funcs.Raise("CommandExecutionError", "Error getting repos: %s", strings.Join(failed, ", "))
	}
	return ret, nil
}

// pkgUpgrade is aptpkg.upgrade: apt-get upgrade (dist-upgrade), refreshed
// first by default; the changes.
func pkgUpgrade(c *call) (any, error) {
	if c.truth("refresh") {
		if _, err := pkgRefreshDB(c); err != nil {
			return nil, err
		}
	}
	old, err := c.installed()
	if err != nil {
		return nil, err
	}
	cmd := []string{"apt-get", "-q", "-y"}
	if truthy(c.kw["force_conf_new"]) {
		cmd = append(cmd, "-o", "DPkg::Options::=--force-confnew")
	} else {
		cmd = append(cmd, "-o", "DPkg::Options::=--force-confold", "-o", "DPkg::Options::=--force-confdef")
	}
	for k, opt := range map[string]string{"force_yes": "--force-yes", "skip_verify": "--allow-unauthenticated", "allow_downgrades": "--allow-downgrades"} {
		if truthy(c.kw[k]) {
			cmd = append(cmd, opt)
		}
	}
	if truthy(c.kw["download_only"]) || truthy(c.kw["downloadonly"]) {
		cmd = append(cmd, "--download-only")
	}
	if c.truth("dist_upgrade") {
		cmd = append(cmd, "dist-upgrade")
	} else {
		cmd = append(cmd, "upgrade")
	}
	r := c.command(dpkgEnv(), "", false, cmd...)
	now, err := c.installed()
	if err != nil {
		return nil, err
	}
	ret := compareDicts(old, now)
	if r.Retcode != 0 {
		return nil, &funcs.Exception{Type: "CommandExecutionError", Msg: "Problem encountered upgrading packages",
			Info: map[string]any{"changes": ret, "result": map[string]any{"retcode": r.Retcode, "stdout": r.Stdout, "stderr": r.Stderr, "pid": r.Pid}}}
	}
	return ret, nil
}

// upgradable is aptpkg._get_upgradable: name -> version from apt-get
// --just-print's "Conf" lines.
func (c *call) upgradable(dist bool, fromrepo string) (map[string]any, error) {
	cmd := []string{"apt-get", "--just-print", "upgrade"}
	if dist {
		cmd[2] = "dist-upgrade"
	}
	if fromrepo != "" {
		cmd = append(cmd, "-o", "APT::Default-Release="+fromrepo)
	}
	r := c.command(nil, "", false, cmd...)
	if r.Retcode != 0 {
		msg := "Failed to get upgrades"
		if r.Stderr != "" {
			msg += ": " + r.Stderr
		} else if r.Stdout != "" {
			msg += ": " + r.Stdout
		}
		return nil, funcs.Raise("CommandExecutionError", "%s", msg)
	}
	ret := map[string]any{}
	for _, m := range regexp.MustCompile(`(?m)^Conf ([^ ]+) \(([^ ]+)`).FindAllStringSubmatch(r.Stdout, -1) {
		ret[m[1]] = m[2]
	}
	return ret, nil
}

func pkgListUpgrades(c *call) (any, error) {
	if c.truth("refresh") {
		if _, err := pkgRefreshDB(c); err != nil {
			return nil, err
		}
	}
	return c.upgradable(c.truth("dist_upgrade"), pyStrOr(c.kw["fromrepo"], ""))
}

// pkgUpgradeAvailable is aptpkg.upgrade_available: latest_version is not
// "".
func pkgUpgradeAvailable(c *call) (any, error) {
	c.rest = []any{c.a["name"]}
	v, err := pkgLatestVersion(c)
	if err != nil {
		return nil, err
	}
	return v != "", nil
}

// pkgLatestVersion is aptpkg.latest_version: the candidate version of each
// name when it is newer than what is installed ("" otherwise), refreshing
// the package lists first unless refresh=False; one name gives a string.
func pkgLatestVersion(c *call) (any, error) {
	refresh := true
	if v, ok := c.kw["refresh"]; ok {
		refresh = truthy(v)
	}
	showInstalled := truthy(c.kw["show_installed"])
	if _, ok := c.kw["repo"]; ok {
		return nil, funcs.Raise("SaltInvocationError", "The 'repo' argument is invalid, use 'fromrepo' instead")
	}
	if len(c.rest) == 0 {
		return "", nil
	}
	var names []string
	for _, a := range c.rest {
		names = append(names, pyStr(a))
	}
	installed, err := c.installed()
	if err != nil {
		return nil, err
	}
	if refresh {
		if _, err := pkgRefreshDB(c); err != nil {
			return nil, err
		}
	}
	cands := map[string]string{}
	if c.isApt() {
		cmd := append([]string{"apt-cache", "-q", "policy"}, names...)
		if fr := pyStrOr(c.kw["fromrepo"], ""); fr != "" {
			cmd = append(cmd, "-o", "APT::Default-Release="+fr)
		}
		r := c.command(nil, "", false, cmd...)
		cur := ""
		for _, line := range strings.Split(r.Stdout, "\n") {
			if strings.HasSuffix(line, ":") {
				short := strings.TrimSuffix(line, ":")
				for _, n := range names {
					if strings.SplitN(n, ":", 2)[0] == short {
						cur = n
					}
				}
			} else if strings.Contains(line, "Candidate") && cur != "" {
				f := strings.Fields(line)
				v := ""
				if len(f) >= 2 {
					v = f[len(f)-1]
					if strings.ToLower(v) == "(none)" {
						v = ""
					}
				}
				cands[cur] = v
			}
		}
	} else {
		p, err := pkg.Choose(c.env.stateEnv())
		if err != nil {
			return nil, err
		}
		if cands, err = p.Candidates(c.ctx, names, pyStrOr(c.kw["fromrepo"], "")); err != nil {
			return nil, err
		}
	}
	ret := map[string]any{}
	for _, n := range names {
		inst := installed[n]
		switch {
		case len(inst) == 0 || showInstalled:
			ret[n] = cands[n]
		case cands[n] != "":
			newer := true
			for _, v := range inst {
				if pkg.CompareVersions(v, cands[n]) >= 0 {
					newer = false
				}
			}
			if newer {
				ret[n] = cands[n]
			} else {
				ret[n] = ""
			}
		default:
			ret[n] = ""
		}
	}
	if len(names) == 1 {
		return ret[names[0]], nil
	}
	return ret, nil
}

// selections is dpkg --get-selections: state -> names.
func (c *call) selections(pattern string) (map[string]any, error) {
	if pattern == "" {
		pattern = "*"
	}
	r := c.command(nil, "", false, "dpkg", "--get-selections", pattern)
	out := map[string]any{}
	for _, line := range strings.Split(r.Stdout, "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		l, _ := out[f[1]].([]any)
		out[f[1]] = append(l, f[0])
	}
	return out, nil
}

// setSelections is dpkg --set-selections for names, returning the changes
// made (name -> {old, new}).
func (c *call) setSelections(st string, names []string) map[string]any {
	cur, _ := c.selections("")
	rev := map[string]string{}
	for s, l := range cur {
		for _, n := range l.([]any) {
			rev[pyStr(n)] = s
		}
	}
	out := map[string]any{}
	for _, n := range names {
		if rev[n] == st {
			continue
		}
		r := c.command(nil, n+" "+st, false, "dpkg", "--set-selections")
		if r.Retcode == 0 {
			var old any
			if o, ok := rev[n]; ok {
				old = o
			}
			out[n] = map[string]any{"old": old, "new": st}
		}
	}
	return out
}

// pkgHold is aptpkg.hold and unhold.
func (c *call) pkgHold(hold bool) (any, error) {
	var targets []string
	switch {
	case c.isNone("name") && c.isNone("pkgs") && c.isNone("sources"):
		return nil, funcs.Raise("SaltInvocationError", "One of name, pkgs, or sources must be specified.")
	case !c.isNone("pkgs") && !c.isNone("sources"):
		return nil, funcs.Raise("SaltInvocationError", "Only one of pkgs or sources can be specified.")
	case !c.isNone("pkgs"):
		for _, p := range strList(c.a["pkgs"]) {
			targets = append(targets, p)
		}
		if l, ok := c.a["pkgs"].([]any); ok {
			targets = nil
			for _, p := range l {
				if m, ok := p.(map[string]any); ok {
					for k := range m {
						targets = append(targets, k)
					}
				} else {
					targets = append(targets, pyStr(p))
				}
			}
		}
	case !c.isNone("sources"):
		l, _ := c.a["sources"].([]any)
		for _, s := range l {
			if m, ok := s.(map[string]any); ok {
				for k := range m {
					targets = append(targets, k)
				}
			}
		}
	default:
		targets = []string{c.str("name")}
	}
	ret := map[string]any{}
	for _, t := range targets {
		r := map[string]any{"name": t, "changes": map[string]any{}, "result": false, "comment": ""}
		ret[t] = r
		sel, err := c.selections(t)
		if err != nil {
			return nil, err
		}
		heldList, _ := sel["hold"].([]any)
		isHeld := len(heldList) > 0
		if hold {
			// get_selections(state="hold") is never empty: {"hold": [...]}
			sel = map[string]any{"hold": heldList}
		}
		switch {
		case len(sel) == 0 && hold:
			r["comment"] = fmt.Sprintf("Package %s not currently held.", t)
		case len(sel) == 0:
			r["comment"] = fmt.Sprintf("Package %s does not have a state.", t)
		case hold && !isHeld:
			ch := c.setSelections("hold", []string{t})
			r["changes"], r["result"], r["comment"] = ch[t], true, fmt.Sprintf("Package %s is now being held.", t)
		case hold:
			r["result"], r["comment"] = true, fmt.Sprintf("Package %s is already set to be held.", t)
		case isHeld:
			ch := c.setSelections("install", []string{t})
			r["changes"], r["result"], r["comment"] = ch[t], true, fmt.Sprintf("Package %s is no longer being held.", t)
		default:
			r["result"], r["comment"] = true, fmt.Sprintf("Package %s is already set not to be held.", t)
		}
	}
	return ret, nil
}

// pkgOwner is aptpkg.owner: the package owning each path (dpkg -S), ""
// for none; one path gives a string.
func pkgOwner(c *call) (any, error) {
	if len(c.rest) == 0 {
		return "", nil
	}
	ret := map[string]any{}
	var last string
	for _, p := range c.rest {
		path := pyStr(p)
		r := c.command(nil, "", false, "dpkg", "-S", path)
		o := strings.SplitN(r.Stdout, ":", 2)[0]
		if strings.Contains(strings.ToLower(o), "no path found") {
			o = ""
		}
		ret[path], last = o, o
	}
	if len(ret) == 1 {
		return last, nil
	}
	return ret, nil
}

// pkgFiles is dpkg_lowpkg.file_list (every file of the installed
// packages, sorted) and file_dict (per package).
func (c *call) pkgFiles(perPackage bool) (any, error) {
	argv := []string{"dpkg-query", "-f=${db:Status-Status}\t${binary:Package}\n", "-W"}
	for _, p := range c.rest {
		argv = append(argv, pyStr(p))
	}
	r := c.command(nil, "", false, argv...)
	if r.Retcode != 0 {
		return "Error:  " + r.Stderr, nil
	}
	files := map[string]bool{}
	byPkg := map[string]any{}
	for _, line := range strings.Split(r.Stdout, "\n") {
		st, name, ok := strings.Cut(line, "\t")
		if !ok || st != "installed" {
			continue
		}
		out := c.command(nil, "", false, "dpkg", "-L", name)
		var list []any
		for _, f := range strings.Split(out.Stdout, "\n") {
			files[f] = true
			list = append(list, f)
		}
		byPkg[name] = list
	}
	if perPackage {
		return map[string]any{"errors": []any{}, "packages": byPkg}, nil
	}
	return map[string]any{"errors": []any{}, "files": anyList(slices.Sorted(maps.Keys(files)))}, nil
}

// pkgInfoInstalled is aptpkg.info_installed over dpkg_lowpkg.info: the
// fields dpkg-query knows of each installed package, under Salt's names.
func pkgInfoInstalled(c *call) (any, error) {
	failhard := true
	rest := map[string]any{}
	for k, v := range c.kw {
		switch {
		case k == "failhard":
			failhard = truthy(v)
		case !isDunder(k):
			rest[k] = v
		}
	}
	if len(rest) > 0 {
		return nil, funcs.InvalidKwargs(c.fun, rest)
	}
	const sep = "\n*/~^\\*\n"
	format := "package:${Package}\\nrevision:${binary:Revision}\\narchitecture:${Architecture}\\nmaintainer:${Maintainer}\\n" +
		"summary:${Summary}\\nsource:${source:Package}\\nversion:${Version}\\nsection:${Section}\\ninstalled_size:${Installed-size}\\n" +
		"size:${Size}\\nMD5:${MD5sum}\\nSHA1:${SHA1}\\nSHA256:${SHA256}\\norigin:${Origin}\\nhomepage:${Homepage}\\n" +
		"status:${db:Status-Abbrev}\\ndescription:${Description}\\n\\n*/~^\\\\*\\n"
	argv := []string{"dpkg-query", "-W", "-f=" + format}
	for _, p := range c.rest {
		argv = append(argv, pyStr(p))
	}
	r := c.command(nil, "", false, argv...)
	ret := map[string]any{}
	if r.Retcode != 0 {
		if failhard {
			return nil, funcs.Raise("CommandExecutionError", "Error getting packages information: %s", r.Stderr)
		}
		return ret, nil
	}
	rename := map[string]string{"package": "name", "origin": "vendor", "section": "group", "maintainer": "packager", "homepage": "url"}
	for _, block := range strings.Split(r.Stdout+"\n", sep) {
		if strings.TrimSpace(block) == "" {
			continue
		}
		head, descr, _ := strings.Cut(block, "\ndescription:")
		data := map[string]string{}
		for _, line := range strings.Split(head, "\n") {
			line = strings.TrimSpace(line)
			if k, v, ok := strings.Cut(line, ":"); ok && v != "" {
				data[k] = v
			}
		}
		name := data["package"]
		if st := data["status"]; len(st) >= 2 && st[1] != 'i' {
			continue
		}
		out := map[string]any{"description": descr}
		if fi, err := os.Stat(state.HostPath(c.env.stateEnv(), "/var/lib/dpkg/info/"+name+".list")); err == nil {
			out["install_date"] = fi.ModTime().UTC().Format("2006-01-02T15:04:05") + "Z"
		}
		for k, v := range data {
			switch k {
			case "status", "installed_size":
				continue
			}
			if nk, ok := rename[k]; ok {
				k = nk
			}
			out[k] = v
		}
		if lic := c.pkgLicense(name); lic != "" {
			out["license"] = lic
		}
		ret[name] = out
	}
	return ret, nil
}

// pkgLicense is dpkg_lowpkg._get_pkg_license: the License: lines of the
// package's copyright file.
func (c *call) pkgLicense(name string) string {
	b, ok := c.readText("/usr/share/doc/" + name + "/copyright")
	if !ok {
		return ""
	}
	set := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "License:"); ok {
			set[strings.TrimSpace(v)] = true
		}
	}
	return strings.Join(slices.Sorted(maps.Keys(set)), ", ")
}

// dropEpoch removes a version's "N:" epoch.
func dropEpoch(v string) string {
	if i := strings.IndexByte(v, ':'); i >= 0 {
		return v[i+1:]
	}
	return v
}
