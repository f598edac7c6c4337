package jinja

import "testing"

// TestKeyOrder: Go maps reaching a template take the key order noted for
// their key set (Salt's YAML loader keeps file order), sorted otherwise or
// when two orders were seen; dictionaries a template hands to a function
// note their order for what comes back.
func TestKeyOrder(t *testing.T) {
	o := NewKeyOrder()
	o.Note([]string{"zeta", "alpha", "mid"})
	o.Note([]string{"y", "x"})
	o.Note([]string{"x", "y"}) // ambiguous: sorted
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
	o.Note([]string{"k2", "k1"})
	o.Note([]string{"new", "k2"})
	dst["new"] = 2
	o.Merged([]string{"k2", "k1"}, src2, dst)
	if got := o.Keys(dst); len(got) != 3 || got[0] != "k2" || got[1] != "k1" || got[2] != "new" {
		t.Errorf("merged order %v", got)
	}
}
