package match

import "testing"

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

func TestGlobSlash(t *testing.T) {
	if !Glob("a*", "a/b/c") {
		t.Error("fnmatch '*' must cross '/'")
	}
	if Glob("a?c", "a/bc") {
		t.Error("a?c must not match a/bc")
	}
}
