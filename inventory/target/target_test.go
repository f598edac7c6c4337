package target

import (
	"context"
	"strings"
	"testing"

	"brine/inventory/match"
	"brine/inventory/roster"
)

func hostsOf(ids ...string) []*roster.Host {
	var hs []*roster.Host
	for _, id := range ids {
		hs = append(hs, &roster.Host{ID: id})
	}
	return hs
}

func ids(hs []*roster.Host) string {
	var s []string
	for _, h := range hs {
		s = append(s, h.ID)
	}
	return strings.Join(s, ",")
}

// fakeGrains has cached grains for some hosts, fetchable grains for
// others, and records what it was asked.
type fakeGrains struct {
	cached, live map[string]map[string]any
	asked        []string
	fetches      int
}

func (f *fakeGrains) Cached(h *roster.Host) (map[string]any, bool) {
	g, ok := f.cached[h.ID]
	return g, ok
}

func (f *fakeGrains) Fetch(_ context.Context, hosts []*roster.Host) map[string]map[string]any {
	f.fetches++
	out := map[string]map[string]any{}
	for _, h := range hosts {
		f.asked = append(f.asked, h.ID)
		if g, ok := f.live[h.ID]; ok {
			out[h.ID] = g
		}
	}
	return out
}

func TestIDTargets(t *testing.T) {
	hosts := hostsOf("web1", "web2", "web10", "db1", "cache.example.com")
	cases := []struct {
		kind Kind
		expr string
		want string
	}{
		{Glob, "*", "web1,web2,web10,db1,cache.example.com"},
		{Glob, "web?", "web1,web2"},
		{Glob, "web[12]*", "web1,web2,web10"},
		{Glob, "*.example.com", "cache.example.com"},
		{PCRE, "web\\d$", "web1,web2"},
		{PCRE, "web", "web1,web2,web10"}, // anchored at the start only, like re.match
		{PCRE, "eb", ""},
		{List, "web1,db1", "web1,db1"},
		{List, "web1 db1, web2", "web1,web2,db1"},
		{Compound, "web* and not E@web1\\d or L@db1", "web1,web2,db1"},
	}
	for _, c := range cases {
		e, err := Parse(c.kind, c.expr, nil)
		if err != nil {
			t.Fatalf("%v %q: %v", c.kind, c.expr, err)
		}
		g := &fakeGrains{}
		sel := e.Select(context.Background(), hosts, g, false)
		if got := ids(sel.Hosts); got != c.want {
			t.Errorf("%v %q: got %q want %q", c.kind, c.expr, got, c.want)
		}
		if g.fetches != 0 || e.NeedsGrains() {
			t.Errorf("%v %q: an id target needs no grains", c.kind, c.expr)
		}
	}
}

func TestGrainTargetsAskOnlyWhatTheyMust(t *testing.T) {
	debian := map[string]any{"os_family": "Debian", "roles": []any{"web"}, "ipv4": []any{"10.0.0.1"}}
	redhat := map[string]any{"os_family": "RedHat", "roles": []any{"db"}, "ipv4": []any{"10.1.0.1"}}
	g := &fakeGrains{
		cached: map[string]map[string]any{"web1": debian, "db1": redhat},
		live:   map[string]map[string]any{"web2": debian, "web1": redhat},
	}
	hosts := hostsOf("web1", "web2", "web3", "db1")
	e, err := Parse(Grain, "os_family:debian", nil)
	if err != nil {
		t.Fatal(err)
	}
	sel := e.Select(context.Background(), hosts, g, false)
	// web2 is asked (not cached) and matches; web3 cannot answer: unknown,
	// not silently left out; the cached hosts are not asked.
	if ids(sel.Hosts) != "web1,web2" || ids(sel.Unknown) != "web3" || strings.Join(g.asked, ",") != "web2,web3" || g.fetches != 1 {
		t.Errorf("hosts %s unknown %s asked %v", ids(sel.Hosts), ids(sel.Unknown), g.asked)
	}
	// With refresh every host is asked again, in one fetch: web1 has
	// become RedHat.
	g.asked, g.fetches = nil, 0
	sel = e.Select(context.Background(), hosts, g, true)
	if ids(sel.Hosts) != "web2" || ids(sel.Unknown) != "web3,db1" || g.fetches != 1 || ids(sel.Fetched) != "web1,web2,web3,db1" {
		t.Errorf("refresh: hosts %s unknown %s fetched %s", ids(sel.Hosts), ids(sel.Unknown), ids(sel.Fetched))
	}
	// The id decides for hosts that do not match web*: only web hosts
	// need grains.
	g.asked = nil
	e, _ = Parse(Compound, "web* and G@roles:web", nil)
	sel = e.Select(context.Background(), hosts, g, false)
	if ids(sel.Hosts) != "web1,web2" || strings.Join(g.asked, ",") != "web2,web3" {
		t.Errorf("compound: hosts %s asked %v", ids(sel.Hosts), g.asked)
	}
	e, _ = Parse(IPCIDR, "10.1.0.0/16", nil)
	if sel = e.Select(context.Background(), hostsOf("db1"), g, false); ids(sel.Hosts) != "db1" {
		t.Errorf("ipcidr: %s", ids(sel.Hosts))
	}
}

func TestNodegroupTargets(t *testing.T) {
	groups, err := match.NewNodegroups(map[string]any{
		"web":    []any{"web1", "web2"},
		"debweb": "N@web and G@os_family:Debian",
		"secret": "I@role:db",
	})
	if err != nil {
		t.Fatal(err)
	}
	g := &fakeGrains{cached: map[string]map[string]any{
		"web1": {"os_family": "Debian"}, "web2": {"os_family": "RedHat"}, "db1": {"os_family": "Debian"},
	}}
	for expr, want := range map[string]string{"web": "web1,web2", "debweb": "web1"} {
		e, err := Parse(Nodegroup, expr, groups)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(e.Select(context.Background(), hostsOf("web1", "web2", "db1"), g, false).Hosts); got != want {
			t.Errorf("-N %s: %s, want %s", expr, got, want)
		}
	}
}

func TestBadTargets(t *testing.T) {
	groups, _ := match.NewNodegroups(map[string]any{"secret": "I@role:db"})
	for _, c := range []struct {
		kind       Kind
		expr, want string
	}{
		{PCRE, "web(", "-E \"web(\": invalid regular expression"},
		{Glob, "  ", "empty target"},
		{Grain, "os_family", "-G \"os_family\": want KEY:PATTERN"},
		{GrainPCRE, "os:(", "-P \"os:(\": invalid regular expression"},
		{IPCIDR, "10.1.2.3/8", "host bits set"},
		{Compound, "G@os:Debian and", "-C \"G@os:Debian and\": compound target"},
		{Compound, "I@role:db or web*", "pillar (I@, J@) cannot choose hosts"},
		{Nodegroup, "secret", "pillar (I@, J@) cannot choose hosts"},
		{Nodegroup, "nope", `-N "nope": unknown nodegroup "nope" (nodegroups: secret)`},
	} {
		if _, err := Parse(c.kind, c.expr, groups); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %q: err = %v, want %q", c.kind, c.expr, err, c.want)
		}
	}
}
