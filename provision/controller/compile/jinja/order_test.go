package jinja

import (
	"slices"
	"testing"
)

// TestKeyOrder: Go maps reaching a template take the key order noted for
// their key set (Salt's YAML loader keeps file order), sorted otherwise or
// when two orders were seen; dictionaries a template hands to a function
// note their order for what comes back.
func TestKeyOrder(t *testing.T) {
	o := NewKeyOrder()
	o.Note(nil, []string{"zeta", "alpha", "mid"})
	o.Note(nil, []string{"y", "x"})
	o.Note(nil, []string{"x", "y"}) // ambiguous: sorted
	echo := Callable(func(a []any, _ map[string]any) (any, error) { return a[0], nil })
	vars := map[string]any{
		"d":    map[string]any{"alpha": 1, "mid": 2, "zeta": 3},
		"amb":  map[string]any{"y": 1, "x": 2},
		"un":   map[string]any{"b": 1, "a": 2},
		"echo": echo,
	}
	src := "{% for k in d %}{{ k }} {% endfor %}|{% for k in amb %}{{ k }} {% endfor %}|{% for k in un %}{{ k }} {% endfor %}|" +
		"{% for k in echo({'q': 1, 'c': 2, 'm': 3}) %}{{ k }} {% endfor %}"
	out, err := New(nil).RenderWith("t", []byte(src), vars, Options{Order: o})
	if want := "zeta alpha mid |x y |a b |q c m "; err != nil || out != want {
		t.Errorf("got %q, %v; want %q", out, err, want)
	}
	// without an order: sorted, as before
	out, _ = New(nil).Render("t", []byte("{% for k in d %}{{ k }} {% endfor %}"), vars)
	if out != "alpha mid zeta " {
		t.Errorf("no order: %q", out)
	}
	src2 := map[string]any{"k2": 1, "new": 2}
	dst := map[string]any{"k1": 1, "k2": 2}
	o.Note(dst, []string{"k2", "k1"})
	o.Note(src2, []string{"new", "k2"})
	dst["new"] = 2
	o.Merged([]string{"k2", "k1"}, src2, dst)
	if got := o.Keys(dst); len(got) != 3 || got[0] != "k2" || got[1] != "k1" || got[2] != "new" {
		t.Errorf("merged order %v", got)
	}
}

// TestKeyOrderByMap: a noted map keeps its own order even when another map
// with the same keys was noted in another order (pillar in YAML order, and
// the same keys parsed back from a |json that sorted them, as in Salt);
// keys added to a noted map come after its noted ones; copies keep their
// original's order.
func TestKeyOrderByMap(t *testing.T) {
	o := NewKeyOrder()
	yamlOrder := map[string]any{"mysql": 1, "a_job": 2, "syslog": 3}
	o.Note(yamlOrder, []string{"mysql", "a_job", "syslog"})
	sorted := map[string]any{"mysql": 1, "a_job": 2, "syslog": 3}
	o.Note(sorted, []string{"a_job", "mysql", "syslog"})
	if got := o.Keys(yamlOrder); !slices.Equal(got, []string{"mysql", "a_job", "syslog"}) {
		t.Errorf("yaml-ordered map: %v", got)
	}
	if got := o.Keys(sorted); !slices.Equal(got, []string{"a_job", "mysql", "syslog"}) {
		t.Errorf("sorted map: %v", got)
	}
	// a map never noted with this (now ambiguous) key set: sorted
	if got := o.Keys(map[string]any{"syslog": 0, "mysql": 0, "a_job": 0}); !slices.Equal(got, []string{"a_job", "mysql", "syslog"}) {
		t.Errorf("unnoted map: %v", got)
	}
	yamlOrder["b_new"] = 4
	yamlOrder["a_new"] = 5
	delete(yamlOrder, "a_job")
	if got := o.Keys(yamlOrder); !slices.Equal(got, []string{"mysql", "syslog", "a_new", "b_new"}) {
		t.Errorf("grown map: %v", got)
	}
	cp := map[string]any{"mysql": 1, "syslog": 3, "a_new": 5, "b_new": 4}
	o.Copied(yamlOrder, cp)
	if got := o.Keys(cp); !slices.Equal(got, o.Keys(yamlOrder)) {
		t.Errorf("copy: %v", got)
	}
	// a template iterates each in its own order
	vars := map[string]any{"a": sorted, "b": cp}
	out, err := New(nil).RenderWith("t", []byte("{% for k in a %}{{ k }} {% endfor %}|{% for k in b %}{{ k }} {% endfor %}"), vars, Options{Order: o})
	if want := "a_job mysql syslog |mysql syslog a_new b_new "; err != nil || out != want {
		t.Errorf("got %q, %v; want %q", out, err, want)
	}
}
