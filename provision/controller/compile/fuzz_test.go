package compile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzCompileSLS feeds arbitrary text as an SLS file (through Jinja and
// YAML) and a template file: the compiler must return a result or an
// *Errors, never panic.
func FuzzCompileSLS(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "golden", "*", "states", "*.sls"))
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b, []byte("{{ grains.id }}\n"))
		}
	}
	f.Add([]byte("a:\n  file.managed:\n    - source: salt://t\n    - template: jinja\n"), []byte("{% for x in y %}{{ x }"))
	f.Add([]byte("{% set x = \"%s-%s\" % ('a', 'b') %}\nb: {{ x }}\n"), []byte(""))
	f.Add([]byte("include:\n  - .x\n  - ..y\nextend: {}\nexclude: [1]\n"), []byte(""))
	f.Add([]byte("x:\n  cmd.run:\n    - require:\n      - [a]\n    - names: 3\n"), []byte(""))
	f.Fuzz(func(t *testing.T, sls, tmpl []byte) {
		root := "/fuzz-root"
		c := New(Tree{FileRoots: map[string][]string{"base": {root}}})
		c.files.Store(filepath.Join(root, "a.sls"), fileEntry{data: sls, ok: true})
		c.files.Store(filepath.Join(root, "t"), fileEntry{data: tmpl, ok: true})
		c.files.Store(filepath.Join(root, "x.sls"), fileEntry{data: []byte("x2: test.nop\n"), ok: true})
		h := Host{ID: "fuzz", Grains: map[string]any{"id": "fuzz", "os": "Debian"}}
		type out struct {
			res *Result
			err error
		}
		done := make(chan out, 1)
		go func() {
			res, err := c.SLS(context.Background(), h, "base", []string{"a"})
			done <- out{res, err}
		}()
		var res *Result
		var err error
		select {
		case o := <-done:
			res, err = o.res, o.err
		case <-time.After(5 * time.Second):
			t.Fatalf("compile hangs on sls %q template %q", sls, tmpl)
		}
		if err != nil {
			var ce *Errors
			if !errors.As(err, &ce) || len(ce.Msgs) == 0 {
				t.Fatalf("error is not a non-empty *Errors: %T %v", err, err)
			}
			return
		}
		if res == nil {
			t.Fatal("nil result without error")
		}
		if _, err := res.High.MarshalJSON(); err != nil {
			t.Fatalf("highstate does not marshal: %v", err)
		}
	})
}
