// Package target selects the roster hosts a command line targets, the way
// salt-ssh does: a glob by default, a regular expression (-E), a list (-L),
// grains (-G, -P), an address range (-S), a compound expression (-C) or a
// nodegroup (-N). Targets on grains are evaluated on the controller from
// the cached grains; a host whose grains are needed and not cached is asked
// for them first, and one that cannot answer is reported, never dropped.
package target

import (
	"context"
	"fmt"
	"strings"

	"brine/inventory/match"
	"brine/inventory/roster"
)

// Kind is a targeting mode.
type Kind int

const (
	// Glob matches ids with shell-style wildcards (*, ?, [abc]).
	Glob Kind = iota
	// PCRE matches ids with a regular expression anchored at the start, as
	// Salt's re.match does.
	PCRE
	// List matches ids named in a comma- or space-separated list.
	List
	// Grain matches a grain with a glob: "os_family:Debian", ":" nesting.
	Grain
	// GrainPCRE matches a grain with a regular expression.
	GrainPCRE
	// IPCIDR matches the ipv4/ipv6 grains against an address or network.
	IPCIDR
	// Compound is Salt's compound expression ("G@os:Debian and web*").
	Compound
	// Nodegroup names a nodegroup.
	Nodegroup
)

// kinds gives each Kind its Salt matcher name and its flag.
var kinds = map[Kind]struct{ matcher, flag, example string }{
	Glob:      {"glob", "", "'web*'"},
	PCRE:      {"pcre", "-E", "-E 'web\\d+'"},
	List:      {"list", "-L", "-L web1,web2"},
	Grain:     {"grain", "-G", "-G 'os_family:Debian'"},
	GrainPCRE: {"grain_pcre", "-P", "-P 'os:(Debian|Ubuntu)'"},
	IPCIDR:    {"ipcidr", "-S", "-S 10.0.0.0/8"},
	Compound:  {"compound", "-C", "-C 'G@roles:web and not db*'"},
	Nodegroup: {"nodegroup", "-N", "-N webservers"},
}

// String is the kind's Salt name, its tgt_type: glob, pcre, list, grain,
// grain_pcre, ipcidr, compound or nodegroup.
func (k Kind) String() string { return kinds[k].matcher }

// Expr is a parsed target.
type Expr struct {
	kind Kind
	m    *match.Expr
}

// Parse compiles a target of the given kind; groups are the nodegroups -N
// and N@ refer to. Pillar (I@, J@) is refused: pillar is compiled per host
// after targeting, so it cannot choose the hosts (top files may use it).
func Parse(kind Kind, expr string, groups match.Nodegroups) (*Expr, error) {
	return ParseDelim(kind, expr, groups, "")
}

// ParseDelim is Parse with the delimiter between keys and pattern of a
// grain target ("" for ":"; salt's --delimiter).
func ParseDelim(kind Kind, expr string, groups match.Nodegroups, delim string) (*Expr, error) {
	k := kinds[kind]
	if delim == "" {
		delim = match.DefaultDelim
	}
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return nil, fmt.Errorf("empty target: give a glob such as '*' or e.g. %s", kinds[Grain].example)
	}
	switch kind {
	case List:
		expr = strings.Join(strings.FieldsFunc(expr, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }), ",")
	case Grain, GrainPCRE:
		if !strings.Contains(expr, delim) {
			return nil, fmt.Errorf("%s %q: want KEY%sPATTERN, e.g. %s", k.flag, expr, delim, strings.ReplaceAll(k.example, ":", delim))
		}
	}
	if delim == match.DefaultDelim {
		delim = ""
	}
	m, err := match.ParseDelim(k.matcher, expr, groups, delim)
	if err != nil {
		if k.flag != "" {
			return nil, fmt.Errorf("%s %q: %w", k.flag, expr, err)
		}
		return nil, fmt.Errorf("target %q: %w", expr, err)
	}
	if _, pillar := m.Needs(); pillar {
		return nil, fmt.Errorf("%s %q: pillar (I@, J@) cannot choose hosts: brine compiles pillar per host after targeting; target on grains (G@) or a nodegroup instead (top files may match on pillar)", k.flag, expr)
	}
	return &Expr{kind: kind, m: m}, nil
}

// Grains gives targeting the hosts' grains.
type Grains interface {
	// Cached returns h's grains as the controller last saw them (collected
	// grains, roster grains on top, its id); ok is false when it has none.
	Cached(h *roster.Host) (g map[string]any, ok bool)
	// Fetch asks hosts for their grains (one exec each, recording them in
	// the cache) and returns those that answered, by id.
	Fetch(ctx context.Context, hosts []*roster.Host) map[string]map[string]any
}

// Selection is what a target selects.
type Selection struct {
	// Hosts are the targeted hosts, in roster order.
	Hosts []*roster.Host
	// Unknown are hosts whose grains were needed but could not be had:
	// neither in nor out. The caller reports them as failed.
	Unknown []*roster.Host
	// Fetched are the hosts asked for their grains during targeting.
	Fetched []*roster.Host
}

// Select evaluates e for hosts. Hosts the id alone decides need no grains;
// the others use cached grains, and those without (or all of them with
// refresh) are asked first, in one Fetch.
func (e *Expr) Select(ctx context.Context, hosts []*roster.Host, g Grains, refresh bool) Selection {
	const (
		out = iota
		in
		pending
	)
	state := make([]int, len(hosts))
	grains := map[string]map[string]any{}
	var fetch []*roster.Host
	for i, h := range hosts {
		m, decided := e.m.MatchID(h.ID)
		switch {
		case decided && m:
			state[i] = in
		case decided:
			state[i] = out
		default:
			state[i] = pending
			if gr, ok := g.Cached(h); ok && !refresh {
				grains[h.ID] = gr
			} else {
				fetch = append(fetch, h)
			}
		}
	}
	if len(fetch) > 0 {
		for id, gr := range g.Fetch(ctx, fetch) {
			grains[id] = gr
		}
	}
	sel := Selection{Fetched: fetch}
	for i, h := range hosts {
		switch state[i] {
		case in:
			sel.Hosts = append(sel.Hosts, h)
		case pending:
			gr, ok := grains[h.ID]
			if !ok {
				sel.Unknown = append(sel.Unknown, h)
			} else if e.m.Match(match.Target{ID: h.ID, Grains: gr}) {
				sel.Hosts = append(sel.Hosts, h)
			}
		}
	}
	return sel
}

// MatchID evaluates e knowing only a host's id; decided is false when the
// answer depends on the host's grains.
func (e *Expr) MatchID(id string) (match, decided bool) { return e.m.MatchID(id) }
