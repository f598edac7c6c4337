package funcs

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite README.md's table of supported functions from the catalog")

// Markers around the generated table in README.md.
const (
	tableBegin = "<!-- supported-functions:begin (generated from the catalog: go generate ./provision/wire/funcs) -->"
	tableEnd   = "<!-- supported-functions:end -->"
)

// functionsTable renders the catalog as README's table: one row per
// function with its Salt signature, where it is answered and its doc line.
func functionsTable(c Catalog) string {
	var b strings.Builder
	b.WriteString("| function | Salt 3007.1 signature | answered by | what it does |\n|---|---|---|---|\n")
	for _, n := range c.Names() {
		f := c[n]
		where := "host"
		if f.Where == Controller {
			where = "controller"
		}
		if f.Guarded {
			where += " (guarded: --yes)"
		}
		sig := strings.TrimPrefix(f.Signature(), n)
		b.WriteString("| `" + n + "` | `" + strings.ReplaceAll(sig, "|", `\|`) + "` | " + where + " | " + strings.ReplaceAll(f.Doc, "|", `\|`) + " |\n")
	}
	return b.String()
}

// TestREADMEFunctions fails when README.md's table of supported functions
// differs from the catalog; `go test -run TestREADMEFunctions -update`
// (go generate ./provision/wire/funcs) rewrites it.
func TestREADMEFunctions(t *testing.T) {
	const path = "../../../README.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i, j := strings.Index(readme, tableBegin), strings.Index(readme, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q ... %q block", tableBegin, tableEnd)
	}
	c, _ := Documented()
	want := functionsTable(c)
	got := readme[i+len(tableBegin)+1 : j]
	if got == want {
		return
	}
	if *update {
		out := readme[:i+len(tableBegin)+1] + want + readme[j:]
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's table of supported functions is out of date; run go generate ./provision/wire/funcs\nwant:\n%s", want)
}
