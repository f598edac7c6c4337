package builtin_test

import (
	"flag"
	"os"
	"strconv"
	"strings"
	"testing"

	"brine/provision/host/state/builtin"
	"brine/provision/wire/spec"
)

var update = flag.Bool("update", false, "rewrite README.md's table of supported states from the catalog")

// Markers around the generated table in README.md.
const (
	tableBegin = "<!-- supported-states:begin (generated from the catalog: go generate ./provision/host/state/builtin) -->"
	tableEnd   = "<!-- supported-states:end -->"
)

// statesTable renders the catalog as README's table: one row per state
// function with the arguments brine acts on (required ones marked *, salt://
// sources marked), and how many more Salt arguments it accepts and ignores.
func statesTable(cat spec.Catalog) string {
	var b strings.Builder
	b.WriteString("| state function | arguments brine implements (* required) | accepted, ignored |\n|---|---|---|\n")
	for _, full := range cat.All() {
		mod, fun, _ := strings.Cut(full, ".")
		f, _ := cat.Func(mod, fun)
		var args []string
		ignored := 0
		for _, a := range f.Args {
			if a.Ignored {
				ignored++
				continue
			}
			s := "`" + a.Name + "`"
			if a.Required {
				s += "*"
			}
			switch a.Source {
			case spec.File, spec.Raw:
				s += " (salt:// file)"
			case spec.Dir:
				s += " (salt:// dir)"
			}
			args = append(args, s)
		}
		extra := ""
		if ignored > 0 {
			extra = strconv.Itoa(ignored)
		}
		if f.Kwargs {
			if extra != "" {
				extra += " + "
			}
			extra += "**kwargs"
		}
		b.WriteString("| `" + full + "` | " + strings.Join(args, ", ") + " | " + extra + " |\n")
	}
	return b.String()
}

// TestREADMEStates fails when README.md's table of supported states differs
// from the catalog; `go test -run TestREADMEStates -update` rewrites it.
func TestREADMEStates(t *testing.T) {
	const path = "../../../../README.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i, j := strings.Index(readme, tableBegin), strings.Index(readme, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q ... %q block", tableBegin, tableEnd)
	}
	want := statesTable(builtin.Catalog())
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
	t.Errorf("README.md's table of supported states is out of date; run go generate ./provision/host/state/builtin\nwant:\n%s", want)
}
