package compile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"brine/provision/controller/compile/jinja"
)

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "brine.yaml")
	if err := os.WriteFile(p, []byte("file_roots:\n  base:\n    - states\n    - /abs\n  dev: other\npillar_roots:\n  base: [pillar]\nroster_defaults: {user: root}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		FileRoots:   map[string][]string{"base": {filepath.Join(dir, "states"), "/abs"}, "dev": {filepath.Join(dir, "other")}},
		PillarRoots: map[string][]string{"base": {filepath.Join(dir, "pillar")}},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("LoadConfig = %+v, want %+v", cfg, want)
	}
	if cfg, err := LoadConfig(filepath.Join(dir, "missing.yaml")); err != nil || cfg.FileRoots != nil {
		t.Errorf("missing file: %+v, %v", cfg, err)
	}
	if err := os.WriteFile(p, []byte("file_roots:\n  base: {x: 1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig(p); err == nil || !strings.Contains(err.Error(), "file_roots") {
		t.Errorf("bad roots: err = %v", err)
	}
	if got := envOrder(map[string][]string{"z": nil, "base": nil, "a": nil}); !reflect.DeepEqual(got, []string{"base", "a", "z"}) {
		t.Errorf("envOrder = %v", got)
	}
}

// countingRenderer counts the renders that reach the engine; it analyses
// templates with the real engine.
type countingRenderer struct{ n atomic.Int32 }

func (c *countingRenderer) Reads(display string, src []byte, statics map[string]any, tracked []string) (jinja.Reads, error) {
	return jinja.New(nil).Reads(display, src, statics, tracked)
}

func (c *countingRenderer) RenderWith(name string, src []byte, vars map[string]any, _ jinja.Options) (string, error) {
	c.n.Add(1)
	return strings.ReplaceAll(string(src), "{{ grains.os }}", vars["grains"].(map[string]any)["os"].(string)), nil
}

// TestRenderCache: identical (template, context) pairs render once; another
// context renders again.
func TestRenderCache(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "a.sls"), []byte("x:\n  test.nop:\n    - os: {{ grains.os }}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := New(Tree{FileRoots: map[string][]string{"base": {root}}})
	cr := &countingRenderer{}
	c.envs["base"] = cr
	ctx := context.Background()
	deb := Host{ID: "h1", Grains: map[string]any{"os": "Debian"}}
	for i := 0; i < 3; i++ {
		res, err := c.SLS(ctx, deb, "base", []string{"a"})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Low[0]["os"]; got != "Debian" {
			t.Fatalf("os = %v", got)
		}
	}
	if n := cr.n.Load(); n != 1 {
		t.Errorf("3 identical compiles rendered %d times, want 1", n)
	}
	// Another host whose grains differ only where the template does not
	// look shares the render.
	if _, err := c.SLS(ctx, Host{ID: "h2", Grains: map[string]any{"os": "Debian", "fqdn": "h2.lan"}}, "base", []string{"a"}); err != nil {
		t.Fatal(err)
	}
	if n := cr.n.Load(); n != 1 {
		t.Errorf("a host differing in grains the template never reads rendered again (%d renders)", n)
	}
	res, err := c.SLS(ctx, Host{ID: "h1", Grains: map[string]any{"os": "Ubuntu"}}, "base", []string{"a"})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Low[0]["os"]; got != "Ubuntu" || cr.n.Load() != 2 {
		t.Errorf("other grains: os = %v after %d renders, want Ubuntu after 2", got, cr.n.Load())
	}
}

func TestCancelled(t *testing.T) {
	c := New(exampleTree())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Highstate(ctx, Host{ID: "x", Grains: debianGrains(1)})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled compile: err = %v", err)
	}
}

func TestErrorsMessage(t *testing.T) {
	e := &Errors{Msgs: []string{"one", "two"}}
	if e.Error() != "one\ntwo" {
		t.Errorf("Error() = %q", e.Error())
	}
}

func TestRelativeSLS(t *testing.T) {
	cases := []struct {
		sls, inc string
		init     bool
		want     string
		err      bool
	}{
		{"a.b", ".c", false, "a.c", false},
		{"a.b", ".c", true, "a.b.c", false},
		{"a.b", "..c", false, "c", false},
		{"a.b", "..c", true, "a.c", false},
		{"a", "...c", false, "", true},
		{"a", "plain", false, "plain", false},
	}
	for _, c := range cases {
		got, err := relativeSLS(c.sls, c.inc, c.init)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("relativeSLS(%q, %q, %v) = %q, %v", c.sls, c.inc, c.init, got, err)
		}
	}
}
