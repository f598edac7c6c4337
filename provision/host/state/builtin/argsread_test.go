package builtin_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"brine/provision/host/state/builtin"
)

// TestSpecArgsAreRead keeps the catalog honest about what brine acts on:
// every argument a spec does not mark ignored must be read somewhere, by
// its module's code, the engine's shared helpers (provision/host/state) or the
// compiler (templates, sources). A spec that claims an argument nothing
// reads fails here.
func TestSpecArgsAreRead(t *testing.T) {
	read := func(dir string) string {
		var b strings.Builder
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") || filepath.Base(f) == "spec.go" {
				continue
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(data)
		}
		return b.String()
	}
	shared := read("..") + read("../../../controller/compile")
	dirs := map[string]string{"ssh_auth": "sshauth", "ssh_known_hosts": "sshknownhosts"}
	for mod, m := range builtin.Catalog() {
		dir := mod
		if d, ok := dirs[mod]; ok {
			dir = d
		}
		src := read(filepath.Join("..", dir)) + shared
		for fun, f := range m.Funcs {
			for _, a := range f.Args {
				if !a.Ignored && !strings.Contains(src, `"`+a.Name+`"`) {
					t.Errorf("%s.%s: argument %s is not marked ignored, but no code reads it", mod, fun, a.Name)
				}
			}
		}
	}
}
