package run

import (
	"context"
	"fmt"
	"strings"

	"brine/inventory/match"
	"brine/inventory/roster"
	"brine/inventory/target"
	"brine/provision/controller/connect"
	"brine/provision/controller/dispatch"
	"brine/provision/controller/result"
)

// loadRoster reads the roster o names, writing its warnings to the log,
// and the nodegroups: brine.yaml's, over the roster's groups.
func (o *Options) loadRoster(ctx context.Context, cfg *Config) (*roster.Roster, match.Nodegroups, error) {
	ro := roster.Options{Source: o.Roster, File: o.RosterFile, Defaults: o.rosterDefaults(cfg.RosterDefaults)}
	var r *roster.Roster
	var err error
	switch ro.Source {
	case "scan":
		if o.RosterFileExplicit {
			return nil, nil, Usagef("--roster scan finds the hosts of TARGET (an address or network) on --scan-ports: it reads no --roster-file")
		}
		r, err = o.scanRoster(ctx, ro.Defaults)
		if err != nil {
			return nil, nil, err
		}
	case "sshconfig":
		if o.RosterFileExplicit {
			return nil, nil, Usagef("--roster sshconfig reads the hosts of the OpenSSH config (--ssh-config FILE); --roster-file is for the flat and ansible rosters")
		}
		ro.File = o.SSHConfig
		if ro.File == "none" {
			return nil, nil, Usagef("--roster sshconfig needs an OpenSSH config: drop --ssh-config none")
		}
		if ro.File == "" {
			ro.File = "~/.ssh/config"
		}
		ro.File = connect.ExpandHome(ro.File)
	}
	if r == nil {
		if r, err = roster.Read(ctx, ro); err != nil {
			return nil, nil, UsageError{err}
		}
	}
	for _, w := range r.Warnings {
		fmt.Fprintln(o.Log, "brine: warning:", w)
	}
	groups, err := match.NewNodegroups(cfg.Nodegroups)
	if err != nil {
		return nil, nil, Usagef("config %s: nodegroups: %v", o.Config, err)
	}
	for name, ids := range r.Groups {
		if _, hidden := groups[name]; hidden {
			fmt.Fprintf(o.Log, "brine: warning: nodegroup %q in %s hides the roster's group of that name\n", name, o.Config)
			continue
		}
		if groups == nil {
			groups = match.Nodegroups{}
		}
		// One exact L@ term: ids are never read as globs or regexes.
		groups[name] = []string{"L@" + strings.Join(ids, ",")}
	}
	return r, groups, nil
}

// grainSource gives targeting the cached grains and asks hosts for theirs
// with the run's runner (one grains.items exec each, before the runner has
// observers); it keeps the results of the hosts that could not answer.
type grainSource struct {
	runner *dispatch.Runner
	failed map[string]result.HostReturn
}

func (g *grainSource) Cached(h *roster.Host) (map[string]any, bool) {
	return g.runner.Cache.Grains(h, g.runner.Connector.Addr(h))
}

func (g *grainSource) Fetch(ctx context.Context, hosts []*roster.Host) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, r := range g.runner.Run(ctx, hosts, dispatch.Job{Fun: "grains.items"}) {
		if gr, ok := r.Return.(map[string]any); ok && !r.Unreachable && r.Error == "" && r.Retcode == 0 {
			out[r.ID] = gr
			continue
		}
		g.failed[r.ID] = r
	}
	return out
}

// targetHosts turns the target, the roster and the grains cache into the
// targeted hosts: a plain list in roster order, which other host selections
// can filter. A host whose grains the target needs but that could not give
// them is not dropped: it comes back in failed, as that host's result for
// the run's function fun.
func (o *Options) targetHosts(ctx context.Context, expr *target.Expr, groups match.Nodegroups, fun string, r *roster.Roster,
	runner *dispatch.Runner) (hosts []*roster.Host, failed []result.HostReturn, err error) {
	candidates := r.Hosts
	if o.Shard != nil {
		// The shard depends on the id alone, so it is taken first: a shard
		// asks only its own hosts for grains.
		candidates = nil
		for _, h := range r.Hosts {
			if o.Shard.Has(h.ID) {
				candidates = append(candidates, h)
			}
		}
	}
	src := &grainSource{runner: runner, failed: map[string]result.HostReturn{}}
	sel := expr.Select(ctx, candidates, src, runner.Refresh)
	for _, h := range sel.Unknown {
		res := src.failed[h.ID]
		failed = append(failed, result.HostReturn{
			ID: h.ID, Fun: fun, Unreachable: res.Unreachable, Retcode: max(res.Retcode, 1), Duration: res.Duration,
			Error: fmt.Sprintf("the target needs this host's grains and it could not give them: %s", res.Error),
		})
	}
	if len(sel.Hosts) == 0 && len(failed) == 0 {
		if o.Shard != nil && !noneCouldMatch(expr, r.Hosts) {
			fmt.Fprintf(o.Log, "brine: shard %s holds none of the targeted hosts\n", o.Shard)
			return nil, nil, nil
		}
		hint := ""
		if _, isGroup := groups[o.Target]; isGroup && o.TargetKind != target.Nodegroup {
			hint = fmt.Sprintf("; %q is a nodegroup: -N %s", o.Target, o.Target)
		}
		return nil, nil, Usagef("no hosts in %s match target %q (ids: %s)%s", r.File, o.Target, someIDs(r.IDs(), 20), hint)
	}
	// Grains asked for during targeting are fresh: the run need not ask
	// again (--refresh) when every targeted host was asked.
	if runner.Refresh && covers(sel.Fetched, sel.Hosts) {
		runner.Refresh = false
	}
	// Resolve the targeted hosts now, so that their warnings come first.
	for _, h := range sel.Hosts {
		runner.Connector.Addr(h)
	}
	return sel.Hosts, failed, nil
}

// noneCouldMatch is true when the ids alone say no roster host matches
// (a mistyped target), so an empty shard is a usage error after all.
func noneCouldMatch(e *target.Expr, hosts []*roster.Host) bool {
	sel := e.Select(context.Background(), hosts, noGrains{}, false)
	return len(sel.Hosts) == 0 && len(sel.Unknown) == 0
}

// noGrains knows no grains and asks nobody: hosts the id does not decide
// stay unknown.
type noGrains struct{}

func (noGrains) Cached(*roster.Host) (map[string]any, bool) { return nil, false }
func (noGrains) Fetch(context.Context, []*roster.Host) map[string]map[string]any {
	return nil
}

func covers(fetched, hosts []*roster.Host) bool {
	in := map[string]bool{}
	for _, h := range fetched {
		in[h.ID] = true
	}
	for _, h := range hosts {
		if !in[h.ID] {
			return false
		}
	}
	return true
}

// someIDs lists up to n ids for a message.
func someIDs(ids []string, n int) string {
	if len(ids) <= n {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ids[:n], ", "), len(ids)-n)
}
