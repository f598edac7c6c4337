package target

import (
	"strings"
	"testing"
)

func TestMatchers(t *testing.T) {
	ids := []string{"web1", "web2", "web10", "db1", "cache.example.com"}
	cases := []struct {
		kind Kind
		expr string
		want string
	}{
		{Glob, "*", "web1,web2,web10,db1,cache.example.com"},
		{Glob, "web?", "web1,web2"},
		{Glob, "web[12]*", "web1,web2,web10"},
		{Glob, "*.example.com", "cache.example.com"},
		{Glob, "db1", "db1"},
		{PCRE, "web\\d$", "web1,web2"},
		{PCRE, "web", "web1,web2,web10"}, // anchored at the start only, like re.match
		{PCRE, "eb", ""},
		{PCRE, "(web|db)1", "web1,web10,db1"},
		{List, "web1,db1", "web1,db1"},
		{List, "web1 db1, web2", "web1,web2,db1"},
		{List, "nope", ""},
	}
	for _, c := range cases {
		m, err := New(c.kind, c.expr)
		if err != nil {
			t.Fatalf("%v %q: %v", c.kind, c.expr, err)
		}
		if got := strings.Join(Select(ids, m), ","); got != c.want {
			t.Errorf("%v %q: got %q want %q", c.kind, c.expr, got, c.want)
		}
	}
}

func TestBadExpressions(t *testing.T) {
	for _, c := range []struct {
		kind Kind
		expr string
	}{{PCRE, "web("}, {Glob, "web["}, {Glob, "  "}} {
		if _, err := New(c.kind, c.expr); err == nil {
			t.Errorf("%v %q: want an error", c.kind, c.expr)
		}
	}
}
