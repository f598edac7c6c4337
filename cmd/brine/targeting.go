package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"brine/inventory/match"
	"brine/inventory/roster"
	"brine/inventory/shard"
	"brine/inventory/target"
	"brine/provision/controller/connect"
	"brine/provision/controller/dispatch"
	"brine/provision/controller/report"
)

// targetingFlags are the flags that choose the roster and the hosts in it
// (-E and -L are with the other flags).
func targetingFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "grain", Aliases: []string{"G"}, Usage: "TARGET is a grain glob, KEY:PATTERN (os_family:Debian, ':' nests)"},
		&cli.BoolFlag{Name: "grain-pcre", Aliases: []string{"P"}, Usage: "TARGET is a grain regular expression, KEY:REGEX"},
		&cli.BoolFlag{Name: "ipcidr", Aliases: []string{"S"}, Usage: "TARGET is an address or network matched against the ipv4/ipv6 grains"},
		&cli.BoolFlag{Name: "compound", Aliases: []string{"C"}, Usage: "TARGET is a compound expression: 'G@roles:web and not E@db\\d+ or L@a,b'"},
		&cli.BoolFlag{Name: "nodegroup", Aliases: []string{"N"}, Usage: "TARGET is a nodegroup (nodegroups: in brine.yaml, or the roster's groups)"},
		&cli.StringFlag{Name: "roster", Value: "flat", Usage: "roster `SOURCE`: flat, ansible (an Ansible inventory) or sshconfig (Host entries of --ssh-config)"},
		&cli.StringFlag{Name: "shard", Usage: "run only shard `K/N` of the targeted hosts (a stable split by host id; K from 1)"},
	}
}

// targetKind reads which of -E -L -G -P -S -C -N is given (at most one).
func targetKind(c *cli.Context) (target.Kind, error) {
	flags := []struct {
		name string
		kind target.Kind
	}{
		{"pcre", target.PCRE}, {"list", target.List}, {"grain", target.Grain}, {"grain-pcre", target.GrainPCRE},
		{"ipcidr", target.IPCIDR}, {"compound", target.Compound}, {"nodegroup", target.Nodegroup},
	}
	kind, given := target.Glob, ""
	for _, f := range flags {
		if !c.Bool(f.name) {
			continue
		}
		if given != "" {
			return kind, usagef("--%s and --%s both say how to read TARGET: give one", given, f.name)
		}
		kind, given = f.kind, f.name
	}
	return kind, nil
}

// loadRoster reads the roster --roster and --roster-file name, printing its
// warnings, and the nodegroups: brine.yaml's, over the roster's groups.
func loadRoster(c *cli.Context, cfg *config, stderr io.Writer) (*roster.Roster, match.Nodegroups, error) {
	o := roster.Options{Source: c.String("roster"), File: c.String("roster-file"), Defaults: cfg.RosterDefaults}
	if o.Source == "sshconfig" {
		if c.IsSet("roster-file") {
			return nil, nil, usagef("--roster sshconfig reads the hosts of the OpenSSH config (--ssh-config FILE); --roster-file is for the flat and ansible rosters")
		}
		o.File = c.String("ssh-config")
		if o.File == "none" {
			return nil, nil, usagef("--roster sshconfig needs an OpenSSH config: drop --ssh-config none")
		}
		if o.File == "" {
			o.File = "~/.ssh/config"
		}
		o.File = connect.ExpandHome(o.File)
	}
	r, err := roster.Read(c.Context, o)
	if err != nil {
		return nil, nil, usageError{err}
	}
	for _, w := range r.Warnings {
		fmt.Fprintln(stderr, "brine: warning:", w)
	}
	groups, err := match.NewNodegroups(cfg.Nodegroups)
	if err != nil {
		return nil, nil, usagef("config %s: nodegroups: %v", c.String("config"), err)
	}
	for name, ids := range r.Groups {
		if _, hidden := groups[name]; hidden {
			fmt.Fprintf(stderr, "brine: warning: nodegroup %q in %s hides the roster's group of that name\n", name, c.String("config"))
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
	failed map[string]report.HostReturn
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

// parsedTarget is the command line's target, checked before any host is
// contacted.
type parsedTarget struct {
	text   string
	kind   target.Kind
	expr   *target.Expr
	shard  *shard.Spec
	groups match.Nodegroups
}

// parseTarget reads TARGET with -E -L -G -P -S -C or -N, and --shard.
func parseTarget(c *cli.Context, tgt string, groups match.Nodegroups) (*parsedTarget, error) {
	kind, err := targetKind(c)
	if err != nil {
		return nil, err
	}
	expr, err := target.Parse(kind, tgt, groups)
	if err != nil {
		return nil, usageError{err}
	}
	pt := &parsedTarget{text: tgt, kind: kind, expr: expr, groups: groups}
	if s := c.String("shard"); s != "" {
		spec, err := shard.Parse(s)
		if err != nil {
			return nil, usageError{err}
		}
		pt.shard = &spec
	}
	return pt, nil
}

// targetHosts turns the target, the roster and the grains cache into the
// targeted hosts: a plain list in roster order, which other host selections
// can filter. A host whose grains the target needs but that could not give
// them is not dropped: it comes back in failed, as that host's result for
// the run's function fun.
func targetHosts(ctx context.Context, pt *parsedTarget, fun string, r *roster.Roster,
	runner *dispatch.Runner, stderr io.Writer) (hosts []*roster.Host, failed []report.HostReturn, err error) {
	candidates := r.Hosts
	if pt.shard != nil {
		// The shard depends on the id alone, so it is taken first: a shard
		// asks only its own hosts for grains.
		candidates = nil
		for _, h := range r.Hosts {
			if pt.shard.Has(h.ID) {
				candidates = append(candidates, h)
			}
		}
	}
	src := &grainSource{runner: runner, failed: map[string]report.HostReturn{}}
	sel := pt.expr.Select(ctx, candidates, src, runner.Refresh)
	for _, h := range sel.Unknown {
		res := src.failed[h.ID]
		failed = append(failed, report.HostReturn{
			ID: h.ID, Fun: fun, Unreachable: res.Unreachable, Retcode: max(res.Retcode, 1), Duration: res.Duration,
			Error: fmt.Sprintf("the target needs this host's grains and it could not give them: %s", res.Error),
		})
	}
	if len(sel.Hosts) == 0 && len(failed) == 0 {
		if pt.shard != nil && !noneCouldMatch(pt.expr, r.Hosts) {
			fmt.Fprintf(stderr, "brine: shard %s holds none of the targeted hosts\n", pt.shard)
			return nil, nil, nil
		}
		hint := ""
		if _, isGroup := pt.groups[pt.text]; isGroup && pt.kind != target.Nodegroup {
			hint = fmt.Sprintf("; %q is a nodegroup: -N %s", pt.text, pt.text)
		}
		return nil, nil, usagef("no hosts in %s match target %q (ids: %s)%s", r.File, pt.text, someIDs(r.IDs(), 20), hint)
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
	g := noGrains{}
	sel := e.Select(context.Background(), hosts, g, false)
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
