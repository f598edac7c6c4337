// Package pkg implements Salt's pkg states (installed, latest, removed,
// purged) over apt/dpkg, dnf/yum and apk providers. Which packages are
// targeted, the comments and the changes (test mode included) follow
// salt/states/pkg.py 3007.1: installed's _find_install_targets and test
// branch, latest, and _uninstall.
package pkg

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
	"brine/provision/wire/lowstate"
)

// Module returns the pkg state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(), Funcs: map[string]state.Func{
		"installed": installed,
		"latest":    latest,
		"removed": func(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
			return remove(ctx, env, c, false)
		},
		"purged": func(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
			return remove(ctx, env, c, true)
		},
	}}
}

// targets reads name/version or the pkgs list (strings or {name: version}).
func targets(c lowstate.Chunk) ([]Target, error) {
	raw, ok := c["pkgs"]
	if !ok || raw == nil {
		n := c.Name()
		if n == "" {
			return nil, fmt.Errorf("no package named: set name or pkgs")
		}
		return []Target{{Name: n, Version: state.ArgStr(c, "version")}}, nil
	}
	list, ok := raw.([]any)
	if !ok {
		if s, isStr := raw.(string); isStr {
			list = []any{s}
		} else {
			return nil, fmt.Errorf("Invalidly formatted 'pkgs' parameter. See minion log.")
		}
	}
	var out []Target
	for _, e := range list {
		switch t := e.(type) {
		case map[string]any:
			for k, v := range t {
				ver := ""
				if v != nil {
					ver = state.Scalar(v)
				}
				out = append(out, Target{Name: k, Version: ver})
			}
		case nil:
		default:
			out = append(out, Target{Name: state.Scalar(t)})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("Invalidly formatted 'pkgs' parameter. See minion log.")
	}
	return out, nil
}

// prepare parses the targets, picks the provider and refreshes the package
// lists when asked (refresh: True) or when they are empty. In test mode the
// refresh goes to a private preview the returned cleanup removes; it is best
// effort, so a dry run works offline (with what the host already knows).
func prepare(ctx context.Context, env *state.Env, c lowstate.Chunk, mayRefresh bool) ([]Target, Provider, func(), *lowstate.Result) {
	none := func() {}
	ts, err := targets(c)
	if err != nil {
		return nil, nil, none, state.Failed(err.Error())
	}
	p, err := Choose(env)
	if err != nil {
		return nil, nil, none, state.Failed(err.Error())
	}
	if !mayRefresh || !(env.Test && state.ArgBool(c, "refresh", false) || p.NeedsRefresh()) {
		return ts, p, none, nil
	}
	if env.Test {
		cleanup, _ := p.Preview(ctx)
		return ts, p, cleanup, nil
	}
	if err := refresh(ctx, env, p); err != nil {
		return nil, nil, none, err
	}
	return ts, p, none, nil
}

// wantsRefresh is Salt's check_refresh: refresh: True, or the run's
// pending refresh (the rtag) unless refresh: False. Test mode never
// refreshes the host's lists.
func wantsRefresh(env *state.Env, c lowstate.Chunk) bool {
	if env.Test {
		return false
	}
	if v, ok := c["refresh"]; ok && v != nil {
		return state.ArgBool(c, "refresh", false) || state.ArgBool(c, "refresh", true) && state.PkgRefreshPending(env)
	}
	return state.PkgRefreshPending(env)
}

// refresh updates the package lists and answers the run's pending refresh.
func refresh(ctx context.Context, env *state.Env, p Provider) *lowstate.Result {
	if err := p.Refresh(ctx); err != nil {
		return state.Failedf("Failed to refresh the package database: %v", err)
	}
	state.PkgRefreshed(env)
	return nil
}

func list(names []string) string { return strings.Join(names, ", ") }

// desiredPkg is Salt's _get_desired_pkg: "name=1.2", "name>=1.2" or "name".
func desiredPkg(t Target) string {
	switch {
	case t.Version == "":
		return t.Name
	case strings.HasPrefix(t.Version, "<"), strings.HasPrefix(t.Version, ">"), strings.HasPrefix(t.Version, "="):
		return t.Name + t.Version
	}
	return t.Name + "=" + t.Version
}

// installError words a package manager failure as Salt's
// CommandExecutionError("Problem encountered installing package(s)",
// info={"errors": [...]}) does in a state comment.
func installError(err error) string {
	msg := err.Error()
	var ee *hostcmd.ExitError
	if errors.As(err, &ee) {
		msg = ee.Msg // what apt-get said, as Salt quotes its stderr
	}
	return "Problem encountered installing package(s). Additional info follows:\n\nerrors:\n    - " +
		strings.ReplaceAll(strings.TrimSpace(msg), "\n", "\n      ")
}

// holdStep is one package's pkg.hold/pkg.unhold answer (aptpkg.hold).
type holdStep struct {
	name    string
	result  *bool
	comment string
	changes map[string]any
}

// applyHold holds or unholds the named packages (test mode: predicts) and
// returns aptpkg.hold/unhold's per-package answers.
func applyHold(ctx context.Context, env *state.Env, p Provider, names []string, hold bool) ([]holdStep, error) {
	held, err := p.Held(ctx)
	if err != nil {
		return nil, err
	}
	var todo []string
	var out []holdStep
	for _, n := range names {
		s := holdStep{name: n, result: lowstate.Bool(true), changes: map[string]any{}}
		switch {
		case held[n] == hold && hold:
			s.comment = fmt.Sprintf("Package %s is already set to be held.", n)
		case held[n] == hold:
			s.comment = fmt.Sprintf("Package %s is already set not to be held.", n)
		case env.Test && hold:
			s.result, s.comment = nil, fmt.Sprintf("Package %s is set to be held.", n)
		case env.Test:
			s.result, s.comment = nil, fmt.Sprintf("Package %s is set not to be held.", n)
		default:
			todo = append(todo, n)
			if hold {
				s.comment = fmt.Sprintf("Package %s is now being held.", n)
				s.changes = map[string]any{"old": "install", "new": "hold"}
			} else {
				s.comment = fmt.Sprintf("Package %s is no longer being held.", n)
				s.changes = map[string]any{"old": "hold", "new": "install"}
			}
		}
		out = append(out, s)
	}
	if len(todo) > 0 {
		if err := p.SetHold(ctx, todo, hold); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// begin prepares a state (prepare) and reads the installed packages.
func begin(ctx context.Context, env *state.Env, c lowstate.Chunk, mayRefresh bool) ([]Target, Provider, map[string]Info, func(), *lowstate.Result) {
	ts, p, cleanup, fail := prepare(ctx, env, c, mayRefresh)
	if fail != nil {
		return nil, nil, nil, cleanup, fail
	}
	before, err := p.List(ctx)
	if err != nil {
		return nil, nil, nil, cleanup, state.Failedf("Failed to list installed packages: %v", err)
	}
	return ts, p, before, cleanup, nil
}

// installed is pkg.installed.
func installed(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	state.PkgModInit(env)
	ts, p, before, cleanup, fail := begin(ctx, env, c, true)
	defer cleanup()
	if fail != nil {
		return fail
	}
	// Salt refreshes (check_refresh) where it first needs the
	// repositories: looking up "latest", else installing
	doRefresh := wantsRefresh(env, c)
	for _, t := range ts {
		if t.Version == "latest" && doRefresh {
			if fail := refresh(ctx, env, p); fail != nil {
				return fail
			}
			doRefresh = false
			break
		}
	}
	fromrepo := state.ArgStr(c, "fromrepo")
	// Salt 3007.1's installed() packs a name (and version) into pkgs
	// before _find_install_targets, so the single-package answers there
	// ("Package X is already installed", "Version V of package 'X' is
	// already installed") are never reached: an installed package is "All
	// specified packages are already installed" below.
	doHold := state.HasArg(c, "hold")
	wantHold := state.ArgBool(c, "hold", false)
	if fail := resolveLatest(ctx, p, ts, before, fromrepo); fail != nil {
		return fail
	}
	var todo []Target
	versionSpec := false
	for _, t := range ts {
		cur := before[t.Name].Version
		switch {
		case cur == "":
			todo = append(todo, t)
		case t.Version == "":
		default:
			versionSpec = true
			if !Satisfies(cur, t.Version) {
				todo = append(todo, t)
			}
		}
	}
	if len(todo) == 0 {
		r := state.OK("All specified packages are already installed")
		if versionSpec {
			r.Comment += " and are at the desired version"
		}
		if !doHold {
			return r
		}
		steps, err := applyHold(ctx, env, p, names(ts), wantHold)
		if err != nil {
			return state.Failed(err.Error())
		}
		for _, s := range steps {
			r.Comment += ".\n" + s.comment
			r.Result = s.result
			if len(s.changes) > 0 {
				r.Changes[s.name] = s.changes
			}
		}
		return r
	}
	if env.Test {
		return predictInstall(ctx, p, todo, fromrepo)
	}
	if doRefresh {
		if fail := refresh(ctx, env, p); fail != nil {
			return fail
		}
	}
	todo, fail = resolveSpecs(ctx, p, todo, fromrepo)
	if fail != nil {
		return fail
	}
	ierr := p.Install(ctx, todo, fromrepo)
	after, lerr := p.List(ctx)
	if lerr != nil {
		return state.Failedf("Failed to list installed packages after install: %v", lerr)
	}
	ch := diff(before, after)
	if ierr != nil {
		r := state.Failed(installError(ierr))
		r.Changes = ch
		return r
	}
	return reportInstall(ctx, env, p, c, ts, todo, before, after, ch)
}

// resolveLatest turns version "latest" into the candidate version, or the
// installed one when it is the newest (Salt: pkg.latest_version answers ""
// for an up-to-date package), never into "name=latest".
func resolveLatest(ctx context.Context, p Provider, ts []Target, before map[string]Info, fromrepo string) *lowstate.Result {
	var latest []string
	for _, t := range ts {
		if t.Version == "latest" {
			latest = append(latest, t.Name)
		}
	}
	if len(latest) == 0 {
		return nil
	}
	cand, err := p.Candidates(ctx, latest, fromrepo)
	if err != nil {
		return state.Failedf("An error was encountered while checking the newest available version of package(s): %v", err)
	}
	for i, t := range ts {
		if t.Version != "latest" {
			continue
		}
		switch v := cand[t.Name]; {
		case v != "":
			ts[i].Version = v
		default:
			// Unknown to the repositories: the installed version if any,
			// else no version (the install then says the package is
			// unknown).
			ts[i].Version = before[t.Name].Version
		}
	}
	return nil
}

// resolveSpecs turns comparison specs (">=1.2") into the version to
// install: the candidate when it qualifies (aptpkg.install's match_version,
// over the candidate rather than every version the repositories hold).
func resolveSpecs(ctx context.Context, p Provider, todo []Target, fromrepo string) ([]Target, *lowstate.Result) {
	var ranged []string
	for _, t := range todo {
		if HasOperator(t.Version) {
			ranged = append(ranged, t.Name)
		}
	}
	if len(ranged) == 0 {
		return todo, nil
	}
	cand, err := p.Candidates(ctx, ranged, fromrepo)
	if err != nil {
		return nil, state.Failedf("Failed to find candidate versions: %v", err)
	}
	out := append([]Target(nil), todo...)
	var errs []string
	for i, t := range out {
		if !HasOperator(t.Version) {
			continue
		}
		v := cand[t.Name]
		if v == "" || !Satisfies(v, t.Version) {
			avail := "None"
			if v != "" {
				avail = v
			}
			errs = append(errs, fmt.Sprintf("No version matching '%s%s' could be found (available: %s)", t.Name, t.Version, avail))
			continue
		}
		out[i].Version = v
	}
	if len(errs) > 0 {
		return nil, state.Failed(installError(fmt.Errorf("%s", strings.Join(errs, "\n"))))
	}
	return out, nil
}

// predictInstall is pkg.installed's test branch (3007.1
// _get_installable_versions): each target with the version it would get
// (the candidate, or the exact version asked for; "installed" when that is
// unknown, a range or a glob), and "old" always empty.
func predictInstall(ctx context.Context, p Provider, todo []Target, fromrepo string) *lowstate.Result {
	var plain []string
	for _, t := range todo {
		if t.Version == "" {
			plain = append(plain, t.Name)
		}
	}
	cand := map[string]string{}
	if len(plain) > 0 {
		if got, err := p.Candidates(ctx, plain, fromrepo); err == nil {
			cand = got
		}
	}
	ch := map[string]any{}
	for _, t := range todo {
		nv := "installed"
		switch {
		case t.Version == "" && cand[t.Name] != "":
			nv = cand[t.Name]
		case t.Version != "" && !HasOperator(t.Version) && !strings.ContainsAny(t.Version, "*?["):
			// Salt looks the exact version up in the repositories
			// (apt-cache show name=version) and names it.
			nv = t.Version
		}
		ch[t.Name] = map[string]any{"new": nv, "old": ""}
	}
	return state.Pending("The following packages would be installed/updated: "+list(names(todo)), ch)
}

// reportInstall builds pkg.installed's comment after an install: what was
// installed/updated, held, already there, or failed.
func reportInstall(ctx context.Context, env *state.Env, p Provider, c lowstate.Chunk, ts, todo []Target, before, after map[string]Info, ch map[string]any) *lowstate.Result {
	targeted := map[string]bool{}
	for _, t := range todo {
		targeted[t.Name] = true
	}
	var modified, notModified, failed []string
	for _, t := range ts {
		ok := Satisfies(after[t.Name].Version, t.Version)
		switch {
		case targeted[t.Name] && ok:
			modified = append(modified, desiredPkg(t))
		case targeted[t.Name]:
			failed = append(failed, desiredPkg(t))
		case ok:
			notModified = append(notModified, desiredPkg(t))
		}
	}
	var comments []string
	r := state.Changed("", ch)
	if len(modified) > 0 {
		summary := list(modified)
		if len(summary) < 20 {
			comments = append(comments, "The following packages were installed/updated: "+summary)
		} else {
			comments = append(comments, fmt.Sprintf("%d targeted package%s %s installed/updated.", len(modified), plural(len(modified), "s", ""), plural(len(modified), "were", "was")))
		}
	}
	if state.HasArg(c, "hold") {
		steps, err := applyHold(ctx, env, p, names(ts), state.ArgBool(c, "hold", false))
		if err != nil {
			r.Result = lowstate.Bool(false)
			comments = append(comments, err.Error())
		}
		for _, s := range steps {
			comments = append(comments, s.comment)
			if len(s.changes) == 0 {
				continue
			}
			if e, ok := ch[s.name].(map[string]any); ok {
				for _, k := range []string{"new", "old"} {
					v, _ := e[k].(string)
					if v != "" {
						v += "\n"
					}
					e[k] = v + state.Scalar(s.changes[k])
				}
			} else {
				ch[s.name] = map[string]any{"new": s.changes["new"]}
			}
		}
	}
	if len(notModified) > 0 {
		if len(notModified) <= 20 {
			comments = append(comments, "The following packages were already installed: "+list(notModified))
		} else {
			comments = append(comments, fmt.Sprintf("%d targeted packages were already installed", len(notModified)))
		}
	}
	if len(failed) > 0 {
		comments = append([]string{"The following packages failed to install/update: " + list(failed)}, comments...)
		r.Result = lowstate.Bool(false)
	}
	r.Comment = strings.Join(comments, "\n")
	return r
}

func plural(n int, many, one string) string {
	if n > 1 {
		return many
	}
	return one
}

// latest is pkg.latest.
func latest(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	state.PkgModInit(env)
	ts, p, before, cleanup, fail := begin(ctx, env, c, true)
	defer cleanup()
	if fail != nil {
		return fail
	}
	// pkg.latest_version with check_refresh's refresh
	if wantsRefresh(env, c) {
		if fail := refresh(ctx, env, p); fail != nil {
			return fail
		}
	}
	fromrepo := state.ArgStr(c, "fromrepo")
	cand, err := p.Candidates(ctx, names(ts), fromrepo)
	if err != nil {
		return state.Failedf("An error was encountered while checking the newest available version of package(s): %v", err)
	}
	// pkg.latest_version: the candidate, "" when it is what is installed.
	targets := map[string]string{}
	var problems, upToDate []string
	for _, t := range ts {
		cur, avail := before[t.Name].Version, cand[t.Name]
		if avail == cur {
			avail = ""
		}
		switch {
		case avail != "":
			targets[t.Name] = avail
		case cur == "":
			problems = append(problems, fmt.Sprintf("No information found for '%s'.", t.Name))
		default:
			upToDate = append(upToDate, t.Name)
		}
	}
	if len(problems) > 0 {
		return state.Failed(strings.Join(problems, " "))
	}
	all := names(ts)
	sort.Strings(all)
	sort.Strings(upToDate)
	if _, hasPkgs := c["pkgs"]; !hasPkgs {
		upToDate = nil
	}
	if len(targets) == 0 {
		switch {
		case len(all) > 10:
			return state.OK(fmt.Sprintf("All %d packages are up-to-date.", len(all)))
		case len(all) > 1:
			return state.OK(fmt.Sprintf("All packages are up-to-date (%s).", list(all)))
		}
		return state.OK(fmt.Sprintf("Package %s is already up-to-date", all[0]))
	}
	tnames := sortedKeys(targets)
	if env.Test {
		comments := []string{"The following packages would be installed/upgraded: " + list(tnames)}
		if len(upToDate) > 10 {
			comments = append(comments, fmt.Sprintf("%d packages are already up-to-date", len(upToDate)))
		} else if len(upToDate) > 0 {
			var parts []string
			for _, n := range upToDate {
				parts = append(parts, fmt.Sprintf("%s (%s)", n, before[n].Version))
			}
			comments = append(comments, "The following packages are already up-to-date: "+list(parts))
		}
		ch := map[string]any{}
		for _, n := range tnames {
			ch[n] = map[string]any{"new": targets[n], "old": before[n].Version}
		}
		return state.Pending(strings.Join(comments, "\n"), ch)
	}
	var todo []Target
	for _, n := range tnames {
		todo = append(todo, Target{Name: n})
	}
	ierr := p.Install(ctx, todo, fromrepo)
	after, lerr := p.List(ctx)
	if lerr != nil {
		return state.Failedf("Failed to list installed packages after install: %v", lerr)
	}
	ch := diff(before, after)
	if ierr != nil && len(ch) == 0 {
		return state.Failedf("An error was encountered while installing package(s): %v", ierr)
	}
	var failed, successful []string
	for _, n := range tnames {
		if after[n].Version != targets[n] {
			failed = append(failed, n)
		} else {
			successful = append(successful, n)
		}
	}
	r := state.Changed("", ch)
	var comments []string
	if len(ch) == 0 {
		r.Result = lowstate.Bool(false)
		switch {
		case len(tnames) > 10:
			comments = append(comments, fmt.Sprintf("%d targeted packages failed to update. See debug log for details.", len(tnames)))
		case len(tnames) > 1:
			comments = append(comments, fmt.Sprintf("The following targeted packages failed to update. See debug log for details: (%s).", list(tnames)))
		default:
			comments = append(comments, fmt.Sprintf("Package %s failed to update.", tnames[0]))
		}
	} else {
		if len(failed) > 0 {
			r.Result = lowstate.Bool(false)
			comments = append(comments, "The following packages failed to update: "+list(failed))
		}
		if len(successful) > 0 {
			comments = append(comments, "The following packages were successfully installed/upgraded: "+list(successful))
		}
	}
	if len(upToDate) > 10 {
		comments = append(comments, fmt.Sprintf("%d packages were already up-to-date ", len(upToDate)))
	} else if len(upToDate) > 0 {
		comments = append(comments, "The following packages were already up-to-date: "+list(upToDate))
	}
	r.Comment = strings.Join(comments, " ")
	return r
}

// remove is Salt's _uninstall (pkg.removed, pkg.purged).
func remove(ctx context.Context, env *state.Env, c lowstate.Chunk, purge bool) *lowstate.Result {
	ts, p, before, cleanup, fail := begin(ctx, env, c, false)
	defer cleanup()
	if fail != nil {
		return fail
	}
	action := "remove"
	if purge {
		action = "purge"
	}
	var todo []string
	versionSpec := false
	for _, t := range ts {
		in := before[t.Name]
		switch {
		case in.Version == "":
			if purge && in.ConfigOnly {
				todo = append(todo, t.Name)
			}
		case t.Version == "":
			todo = append(todo, t.Name)
		default:
			versionSpec = true
			if Satisfies(in.Version, t.Version) {
				todo = append(todo, t.Name)
			}
		}
	}
	sort.Strings(todo)
	if len(todo) == 0 {
		if !purge {
			msg := "All specified packages are already absent"
			if versionSpec {
				msg = "All specified packages (matching specified versions) are already absent"
			}
			return state.OK(msg)
		}
		return state.OK("None of the targeted packages are installed or partially installed")
	}
	if env.Test {
		ch := map[string]any{}
		for _, n := range todo {
			ch[n] = map[string]any{"new": action + "d", "old": ""}
		}
		return state.Pending(fmt.Sprintf("The following packages will be %sd: %s.", action, list(todo)), ch)
	}
	rerr := p.Remove(ctx, todo, purge)
	after, lerr := p.List(ctx)
	if lerr != nil {
		return state.Failedf("Failed to list installed packages after removal: %v", lerr)
	}
	ch := diff(before, after)
	if purge {
		for _, n := range todo {
			if before[n].ConfigOnly && !after[n].ConfigOnly {
				if _, ok := ch[n]; !ok {
					ch[n] = map[string]any{"old": "", "new": ""}
				}
			}
		}
	}
	var failed []string
	for _, t := range ts {
		if after[t.Name].Version != "" || (purge && after[t.Name].ConfigOnly) {
			failed = append(failed, t.Name)
		}
	}
	sort.Strings(failed)
	if len(failed) > 0 {
		r := state.Failedf("The following packages failed to %s: %s.", action, list(failed))
		if rerr != nil {
			r.Comment += "\n" + rerr.Error()
		}
		r.Changes = ch
		return r
	}
	targeted := map[string]bool{}
	for _, n := range todo {
		targeted[n] = true
	}
	var notInstalled []string
	for _, t := range ts {
		if !targeted[t.Name] {
			notInstalled = append(notInstalled, t.Name)
		}
	}
	sort.Strings(notInstalled)
	if len(notInstalled) > 0 {
		return state.Changed(fmt.Sprintf("The following packages were not installed: %s The following packages were %sd: %s.", list(notInstalled), action, list(todo)), ch)
	}
	return state.Changed(fmt.Sprintf("All targeted packages were %sd.", action), ch)
}
