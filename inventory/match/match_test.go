package match

import (
	"fmt"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	tg := Target{
		ID: "web01.example.com",
		Grains: map[string]any{
			"os": "Debian", "os_family": "Debian", "roles": []any{"web", "db"},
			"ipv4":   []any{"127.0.0.1", "10.1.2.3"},
			"nested": map[string]any{"deep": map[string]any{"k": "v"}},
		},
		Pillar: map[string]any{"env": "prod"},
	}
	cases := []struct {
		kind, expr string
		want       bool
		err        bool
	}{
		{"", "*", true, false},
		{"glob", "web*", true, false},
		{"glob", "db*", false, false},
		{"glob", "web0[1-3].*", true, false},
		{"glob", "web0[!1].*", false, false},
		{"pcre", `web\d+`, true, false},
		{"pcre", `example`, false, false}, // re.match anchors at start
		{"pcre", `(`, false, true},
		{"list", "a,web01.example.com", true, false},
		{"list", "a,b", false, false},
		{"grain", "os:Debian", true, false},
		{"grain", "os:Deb*", true, false},
		{"grain", "os:RedHat", false, false},
		{"grain", "roles:db", true, false},
		{"grain", "nested:deep:k:v", true, false},
		{"grain", "nested:deep:k", true, false}, // dict keys match
		{"grain", "missing:x", false, false},
		{"grain_pcre", "os:deb.*", true, false},
		{"pillar", "env:prod", true, false},
		{"ipcidr", "10.0.0.0/8", true, false},
		{"ipcidr", "192.168.0.0/16", false, false},
		{"compound", "G@os:Debian and web*", true, false},
		{"compound", "G@os:Debian and not web*", false, false},
		{"compound", "G@os:RedHat or E@web.*", true, false},
		{"compound", "( G@os:RedHat or db* ) and web*", false, false},
		{"compound", "web* not G@os:Debian", false, false},
		{"compound", "not G@os:RedHat", true, false},
		{"compound", "L@a,web01.example.com and P@os:D.*", true, false},
		{"compound", "I@env:prod and S@10.1.2.3", true, false},
		{"compound", "G@os:Debian and", false, true},
		{"compound", "( web*", false, true},
		{"compound", "and web*", false, true},
		{"compound", "N@group", false, true},
		{"bogus", "x", false, true},
	}
	for _, c := range cases {
		got, err := Match(c.kind, c.expr, tg)
		if (err != nil) != c.err {
			t.Errorf("%s %q: err = %v, want error %v", c.kind, c.expr, err, c.err)
			continue
		}
		if got != c.want {
			t.Errorf("%s %q = %v, want %v", c.kind, c.expr, got, c.want)
		}
	}
}

// The expected values below follow Salt's salt/matchers/compound_match.py
// (Python's precedence after the words are turned into True/False/and/or/
// not), salt/utils/minions.py nodegroup_comp and salt/utils/data.py
// subdict_match.
func TestCompoundPrecedence(t *testing.T) {
	tg := Target{ID: "web1", Grains: map[string]any{"os": "Debian"}}
	cases := []struct {
		expr string
		want bool
	}{
		// or binds loosest: False and False or True = True.
		{"db* and G@os:RedHat or web*", true},
		// and before or: True or (True and False) = True.
		{"web* or G@os:Debian and db*", true},
		{"( web* or G@os:Debian ) and db*", false},
		// not binds tightest: (not False) and True.
		{"not db* and web*", true},
		{"not ( db* or web* )", false},
		// "not" after a term is "and not".
		{"web* not db*", true},
		{"( web* ) not G@os:Debian", false},
		{"L@a,web1 or E@db\\d+", true},
	}
	for _, c := range cases {
		got, err := Match("compound", c.expr, tg)
		if err != nil || got != c.want {
			t.Errorf("%q = %v, %v; want %v", c.expr, got, err, c.want)
		}
	}
	for _, bad := range []string{"( and web* )", "web* db*", "not not web*", "or web*", "web* and", "( web*", "web* )", "R@%cluster", "T@x", "X@foo", "N@"} {
		if _, err := Match("compound", bad, tg); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestGrainMatchLikeSubdictMatch(t *testing.T) {
	g := map[string]any{
		"os":            "Debian",
		"roles":         []any{"web", "DB", map[string]any{"lb": "haproxy"}},
		"kernel":        "Linux",
		"osrelease":     "12",
		"ip_interfaces": map[string]any{"eth0": []any{"10.0.0.5"}},
		"colon":         "a:b",
		"servers":       []any{map[string]any{"name": "x1"}, map[string]any{"name": "y2"}},
	}
	cases := []struct {
		expr  string
		regex bool
		want  bool
	}{
		{"os:debian", false, true}, // lower-cased on both sides
		{"os:DEB*", false, true},
		{"roles:db", false, true}, // any element of a list
		{"roles:lb", false, true}, // a dict in a list: its keys
		{"roles:lb:haproxy", false, true},
		{"roles:cache", false, false},
		{"ip_interfaces:eth0:10.0.0.*", false, true},
		{"ip_interfaces:*", false, true}, // "*": the key exists
		{"ip_interfaces:eth0", false, true},
		{"ip_interfaces:eth1", false, false},
		{"colon:a:b", false, true}, // the delimiter inside the value
		{"servers:name:y2", false, true},
		{"osrelease:12", false, true},
		{"os", false, false}, // no delimiter: no match
		{"missing:x", false, false},
		{"os:deb.*", true, true},
		{"os:ian", true, false}, // re.match anchors at the start
	}
	for _, c := range cases {
		got, err := Data(c.expr, g, c.regex, "")
		if err != nil || got != c.want {
			t.Errorf("Data(%q, regex=%v) = %v, %v; want %v", c.expr, c.regex, got, err, c.want)
		}
	}
	if _, err := Data("os:deb(", g, true, ""); err == nil {
		t.Error("an invalid regex in every split is an error")
	}
	// Another delimiter, as G%@ gives it.
	if ok, _ := Match("compound", "G%@ip_interfaces%eth0%10.0.0.5", Target{Grains: g}); !ok {
		t.Error("G%@ with % as the delimiter")
	}
}

func TestNodegroups(t *testing.T) {
	groups, err := NewNodegroups(map[string]any{
		"web":     "web*",
		"debian":  "G@os:Debian",
		"webdeb":  "N@web and N@debian",
		"either":  "N@web or db*",
		"ids":     []any{"db1", "db2"},
		"idstr":   "db1 db2",
		"rx":      []any{"db[12]"},
		"loop1":   "N@loop2",
		"loop2":   "a* or N@loop1",
		"empty":   []any{},
		"numeric": []any{1234},
	})
	if err != nil {
		t.Fatal(err)
	}
	hosts := map[string]map[string]any{
		"web1": {"os": "Debian"}, "web2": {"os": "RedHat"}, "db1": {"os": "Debian"}, "db2": {"os": "Debian"}, "1234": {},
	}
	cases := []struct{ kind, expr, want string }{
		{"nodegroup", "web", "db1=false db2=false web1=true web2=true 1234=false"},
		{"nodegroup", "webdeb", "db1=false db2=false web1=true web2=false 1234=false"},
		{"nodegroup", "ids", "db1=true db2=true web1=false web2=false 1234=false"},
		{"nodegroup", "idstr", "db1=true db2=true web1=false web2=false 1234=false"},
		{"nodegroup", "empty", "db1=false db2=false web1=false web2=false 1234=false"},
		{"nodegroup", "numeric", "db1=false db2=false web1=false web2=false 1234=true"},
		// Salt's _nodegroup_regex: a list word with regex characters makes
		// the group an E@ (re.match) target.
		{"nodegroup", "rx", "db1=true db2=true web1=false web2=false 1234=false"},
		// A nodegroup binds as one term: not (web* or db*) and ... .
		{"compound", "not N@either", "db1=false db2=false web1=false web2=false 1234=true"},
		{"compound", "N@either and G@os:Debian", "db1=true db2=true web1=true web2=false 1234=false"},
	}
	for _, c := range cases {
		e, err := Parse(c.kind, c.expr, groups)
		if err != nil {
			t.Errorf("%s %q: %v", c.kind, c.expr, err)
			continue
		}
		var got []string
		for _, id := range []string{"db1", "db2", "web1", "web2", "1234"} {
			got = append(got, fmt.Sprintf("%s=%v", id, e.Match(Target{ID: id, Grains: hosts[id], Nodegroups: groups})))
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("%s %q:\n got %s\nwant %s", c.kind, c.expr, g, c.want)
		}
	}
	for _, c := range []struct{ kind, expr, want string }{
		{"nodegroup", "loop1", "refers to itself"},
		{"compound", "N@nope or web*", `unknown nodegroup "nope" (nodegroups: `},
		{"nodegroup", "nope", "unknown nodegroup"},
	} {
		if _, err := Parse(c.kind, c.expr, groups); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %q: err = %v, want %q", c.kind, c.expr, err, c.want)
		}
	}
	if _, err := NewNodegroups(map[string]any{"bad": map[string]any{"a": 1}}); err == nil {
		t.Error("a map is not a nodegroup")
	}
}

func TestMatchIDAndNeeds(t *testing.T) {
	e, err := Parse("compound", "web* and G@os:Debian or L@db1", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		id             string
		match, decided bool
	}{
		{"web1", false, false}, // depends on the grain
		{"db1", true, true},    // the list decides
		{"mail", false, true},  // neither web* nor db1, whatever the grains
	} {
		m, d := e.MatchID(c.id)
		if m != c.match || d != c.decided {
			t.Errorf("MatchID(%s) = %v, %v; want %v, %v", c.id, m, d, c.match, c.decided)
		}
	}
	if g, p := e.Needs(); !g || p {
		t.Errorf("Needs = %v, %v", g, p)
	}
	e, _ = Parse("compound", "I@env:prod or S@10.0.0.0/8", nil)
	if g, p := e.Needs(); !g || !p {
		t.Errorf("Needs = %v, %v", g, p)
	}
	e, _ = Parse("glob", "web*", nil)
	if g, p := e.Needs(); g || p {
		t.Errorf("glob needs nothing: %v, %v", g, p)
	}
	if _, err := Parse("ipcidr", "10.1.2.3/8", nil); err == nil || !strings.Contains(err.Error(), "10.0.0.0/8") {
		t.Errorf("host bits set: %v", err)
	}
}
